"""Error pages speak the citizen's language and never claim that something was received."""

import sqlite3
import threading

import pytest
from conftest import case_count
from public_helpers import receipt, valid_form
from sqlalchemy import make_url

from feedback.storage import database


def test_an_unknown_page_is_explained_in_chinese(client):
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "页面不存在" in html and 'href="/"' in html


def test_a_wrong_method_is_explained_in_chinese(client):
    response = client.get("/track/add")
    assert response.status_code == 405
    assert "无法以此方式访问" in response.get_data(as_text=True)


def test_a_message_too_large_is_refused_and_nothing_is_stored(client):
    response = client.post("/submit", data=valid_form(content="长" * 400_000))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "提交的内容过大" in html and "未被保存" in html
    assert "已收到" not in html
    assert case_count() == 0


def test_error_pages_are_in_english_with_the_cookie(client):
    client.set_cookie("lang", "en")
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "Page not found" in html and "Back to the home page" in html


@pytest.fixture
def sqlite_path(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has no database-wide write lock")
    return make_url(database_url).database


def test_a_submission_waits_for_another_writer_and_then_is_stored(client, sqlite_path):
    client.get("/submit")
    other = sqlite3.connect(sqlite_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, other.execute, ["ROLLBACK"])
    release.start()
    try:
        reference, code = receipt(client.post("/submit", data=valid_form()))
    finally:
        release.join()
        other.close()
    assert reference and code
    assert case_count() == 1


def test_a_database_locked_too_long_gets_the_unavailable_page(client, sqlite_path, monkeypatch):
    """Past the busy timeout the citizen is told that nothing was stored, in Chinese."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    client.get("/submit")
    other = sqlite3.connect(sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        response = client.post("/submit", data=valid_form())
    finally:
        other.execute("ROLLBACK")
        other.close()
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "您提交的内容没有保存" in html and "查询码" not in html
    assert case_count() == 0
