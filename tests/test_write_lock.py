"""On SQLite one writer at a time: a page that only reads never makes a writer wait, and a page
that writes takes the write lock as it begins, so that another writer never makes it fail."""

import sqlite3
import threading
import time

import pytest
from conftest import login, new_case, take_the_sqlite_write_lock
from flask import before_render_template
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry
from feedback.storage.database import WRITES


@pytest.fixture
def sqlite_url(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has no database-wide write lock")
    return database_url


def opened(case_id: int) -> int:
    query = select(func.count()).where(
        AuditEntry.action == AuditAction.CASE_VIEWED, AuditEntry.case_id == case_id
    )
    return db.session.scalar(query)


def test_a_signed_in_page_that_only_reads_lets_a_writer_in_while_it_renders(
    app, client, staff, sqlite_url
):
    """Signing in loads the account on every page: that read no longer takes the write lock, so
    a citizen's submission does not wait for a member of staff reading the inbox."""
    new_case()
    login(client, staff["court"])
    writers: list[str] = []

    def a_writer_while_the_list_renders(sender, template, context, **extra):
        take_the_sqlite_write_lock(sqlite_url)
        writers.append("went ahead")

    with before_render_template.connected_to(a_writer_while_the_list_renders, app):
        response = client.get("/inbox/")

    assert response.status_code == 200
    assert writers == ["went ahead"]


def test_the_case_page_records_its_opening_before_it_renders_and_lets_a_writer_in(
    app, client, staff, sqlite_url
):
    case, _ = new_case()
    login(client, staff["court"])
    writers: list[str] = []

    def a_writer_while_the_case_renders(sender, template, context, **extra):
        if template.name == "inbox/case.html":
            take_the_sqlite_write_lock(sqlite_url)
            writers.append("went ahead")

    with before_render_template.connected_to(a_writer_while_the_case_renders, app):
        response = client.get(f"/inbox/cases/{case.id}")

    assert response.status_code == 200 and case.reference in response.get_data(as_text=True)
    assert writers == ["went ahead"]
    assert opened(case.id) == 1


def test_the_case_page_waits_for_a_writer_that_commits_and_records_its_opening(
    client, staff, sqlite_url
):
    """A writer holds the lock as the page is asked for, and commits a change while the page
    waits: the page, which took the write lock as it began, has read nothing stale and works."""
    case, _ = new_case()
    login(client, staff["court"])
    page = f"/inbox/cases/{case.id}"
    db.session.commit()  # the test's own reads end here: only the page meets the writer
    other = sqlite3.connect(
        make_url(sqlite_url).database, isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE bodies SET phone = phone || '' WHERE slug = 'court'")

    def commit_soon() -> None:
        time.sleep(0.5)
        other.execute("COMMIT")

    writer = threading.Thread(target=commit_soon)
    writer.start()
    try:
        response = client.get(page)
    finally:
        writer.join(10)
        other.close()

    assert response.status_code == 200 and case.reference in response.get_data(as_text=True)
    assert opened(case.id) == 1


def test_a_get_page_that_writes_without_its_marker_fails_loudly(app, client, staff):
    """A GET view that writes an audit entry must say so (`@writes`); forgotten, every test that
    opens the page fails, on every database, rather than a busy SQLite at the worst moment."""
    case, _ = new_case()
    login(client, staff["court"])
    delattr(app.view_functions["inbox.case"], WRITES)
    try:
        with pytest.raises(RuntimeError, match=r"inbox\.case writes to the database"):
            client.get(f"/inbox/cases/{case.id}")
    finally:
        setattr(app.view_functions["inbox.case"], WRITES, True)
    assert opened(case.id) == 0
