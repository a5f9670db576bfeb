"""Shared fixtures: an app on a migrated database of its own, a client, a runner, staff of every body.

The database is a SQLite file, or a PostgreSQL database when TEST_POSTGRES_URL is set (databases.py).
"""

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from databases import POSTGRES_URL, PostgresDatabases, SQLiteDatabases
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from served import Deployment, Line, Redis, redis_server
from sqlalchemy import make_url, select

from feedback import create_app
from feedback.cases import operations
from feedback.cases.operations import ContactDetails, Submission
from feedback.extensions import db
from feedback.models import Body, Case, Item, Kind, Role, User
from feedback.notices.loader import load_seed
from feedback.staff import accounts, approvals

PASSWORD = "correct horse battery staple"
BODIES = ("court", "discipline", "inspection")


def _config(database_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DEVELOPMENT": True,
        "SECRET_KEY": "test secret key, not for production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Two-factor login is tested in test_two_factor.py; elsewhere a password logs in.
        "TOTP_REQUIRED_ROLES": (),
        # Every page reads the catalog's stamp, so that a change shows on the next page;
        # test_public_page_cache.py checks the time a worker trusts its copy.
        "CATALOG_CHECK_SECONDS": 0,
        **extra,
    }


@pytest.fixture(scope="session")
def databases(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SQLiteDatabases | PostgresDatabases]:
    """Run the real migrations, load the notice and staff once, into the template database."""
    store = (
        PostgresDatabases(POSTGRES_URL)
        if POSTGRES_URL
        else SQLiteDatabases(tmp_path_factory.mktemp("databases"))
    )
    app = create_app(_config(store.template()))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        load_seed(db.session)
        # Made from the command line while the bodies had no manager yet (bootstrap), so
        # without approval; the managers have acknowledged that (tests/test_approvals.py).
        for slug in BODIES:
            accounts.create(db.session, None, f"{slug}-staff", PASSWORD, Role.STAFF, slug)
            manager = accounts.create(
                db.session, None, f"{slug}-manager", PASSWORD, Role.MANAGER, slug
            ).account
            approvals.acknowledge(db.session, manager, up_to=10_000)
        accounts.create(db.session, None, "admin", PASSWORD, Role.ADMIN, None)
        db.session.commit()
        db.engine.dispose()
    yield store
    if isinstance(store, PostgresDatabases):
        store.close()


@pytest.fixture
def database_url(databases: SQLiteDatabases | PostgresDatabases) -> Iterator[str]:
    """A database of the test's own: a copy of the migrated template."""
    url = databases.copy_of_template()
    yield url
    databases.drop(url)


@pytest.fixture
def empty_database_url(databases: SQLiteDatabases | PostgresDatabases) -> Iterator[str]:
    """An empty database of the test's own, on the same kind of server."""
    url = databases.empty()
    yield url
    databases.drop(url)


@pytest.fixture
def app_factory(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Make apps on the test's database, with extra settings; their connections close at the end."""
    made: list[Flask] = []

    def make(**extra: Any) -> Flask:
        app = create_app(_config(database_url, **extra))
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Iterator[Flask]:
    app = app_factory()
    with app.app_context():
        yield app
        db.session.remove()


class IsolatedClient(FlaskClient):
    """Serve each request in its own app context, as a real server does.

    The tests hold an app context open to use the database; without this, every request would
    share the test's `g` (the logged-in user, the language) and its database session. What the
    test changed is committed first, as another process would need.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)  # read streamed bodies while the request is current
        db.session.commit()  # end the test's transaction: on SQLite it holds the write lock
        outer = _cv_app.set(None)  # set aside, not popped: the test's session stays open
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(outer)
            db.session.expire_all()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def staff(app: Flask) -> dict[str, User]:
    """One staff member and one manager per body, and the admin: staff['court'], ['court-manager']…"""
    by_name = {u.username: u for u in db.session.execute(select(User)).scalars()}
    users = {"admin": by_name["admin"]}
    for slug in BODIES:
        users[slug] = by_name[f"{slug}-staff"]
        users[f"{slug}-manager"] = by_name[f"{slug}-manager"]
    return users


def body(slug: str) -> Body:
    return db.session.execute(select(Body).where(Body.slug == slug)).scalar_one()


def item(code: str) -> Item:
    return db.session.execute(select(Item).where(Item.code == code)).scalar_one()


def new_case(
    kind: Kind = Kind.OPINION,
    chosen: str = "court",
    item_code: str | None = "一.1.(1)",
    subject: str = "关于整改落实的意见",
    content: str = "整改情况通报中的说法与实际情况不符，希望核实。",
    contact: ContactDetails | None = None,
) -> tuple[Case, str]:
    """Store a case through the real operations and commit it; return it and its tracking code."""
    case, code = operations.submit(
        db.session,
        Submission(
            kind=kind,
            chosen_body=chosen,
            item=item(item_code) if item_code else None,
            subject=subject,
            content=content,
            contact=contact,
        ),
    )
    db.session.commit()
    return case, code


def login(client: FlaskClient, user: User) -> None:
    response = client.post("/staff/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def case_count() -> int:
    return len(db.session.execute(select(Case.id)).all())


def take_the_sqlite_write_lock(database_url: str) -> None:
    """Begin and end a write from another connection; "database is locked" within a second if
    someone holds SQLite's write lock (rather than after the service's 30 s busy timeout)."""
    other = sqlite3.connect(make_url(database_url).database, timeout=1, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.fixture
def deployment(databases: SQLiteDatabases | PostgresDatabases) -> Iterator[Deployment]:
    """A migrated database for a served test; on PostgreSQL, reached through a relay."""
    url = databases.copy_of_template()
    line = None
    if databases.dialect == "postgresql":
        line = Line(make_url(url).port or 5432)
        url = make_url(url).set(port=line.port).render_as_string(hide_password=False)
    yield Deployment(url, line)
    if line is not None:
        line.cut()
        url = make_url(url).set(port=line.target_port).render_as_string(hide_password=False)
    databases.drop(url)


@pytest.fixture
def redis() -> Iterator[Redis]:
    """A Redis of the test's own (served.redis_server)."""
    with redis_server() as server:
        yield server
