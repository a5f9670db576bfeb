"""Shared fixtures: an app on a migrated SQLite copy, a client, a runner, staff of every body."""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import select

from feedback import accounts, cases, create_app
from feedback.cases import ContactDetails, Submission
from feedback.extensions import db
from feedback.models import Body, Case, Item, Kind, Role, User
from feedback.notices.loader import load_seed

PASSWORD = "correct horse battery staple"
BODIES = ("court", "discipline", "inspection")


def _config(database: Path, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test secret key, not for production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **extra,
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the real migrations, load the notice and staff once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "feedback.sqlite3"
    app = create_app(_config(path))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        load_seed(db.session)
        for slug in BODIES:
            accounts.create(db.session, f"{slug}-staff", PASSWORD, Role.STAFF, slug)
            accounts.create(db.session, f"{slug}-manager", PASSWORD, Role.MANAGER, slug)
        accounts.create(db.session, "admin", PASSWORD, Role.ADMIN, None)
        db.session.commit()
        db.engine.dispose()
    return path


@pytest.fixture
def app_factory(migrated_database: Path, tmp_path: Path) -> Callable[..., Flask]:
    """Make an app on a fresh copy of the migrated database, with extra settings."""

    def make(**extra: Any) -> Flask:
        database = tmp_path / "feedback.sqlite3"
        if not database.exists():
            shutil.copy(migrated_database, database)
        return create_app(_config(database, **extra))

    return make


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Iterator[Flask]:
    app = app_factory()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Serve each request in its own app context, as a real server does.

    The tests hold an app context open to use the database; without this, every request would
    share the test's `g` (the logged-in user, the language) and its database session.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)  # read streamed bodies while the request is current
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
    case, code = cases.submit(
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
