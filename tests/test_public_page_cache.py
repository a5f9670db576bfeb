"""The public pages are made once per worker and catalog, yet each visitor gets their own tokens,
language and text size, and an edit of the notice shows on the next page."""

import re
import subprocess
import sys
import time

from conftest import body, case_count, item
from public_helpers import receipt, valid_form
from security_helpers import running
from sqlalchemy import Engine, event

from feedback.extensions import db

CHANGE_A_BODY = """
import sys
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from feedback.models import Body
with Session(create_engine(sys.argv[1])) as session:
    court = session.scalars(select(Body).where(Body.slug == "court")).one()
    court.phone = "0717-2222222"
    session.commit()
"""


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert found, html
    return found[1]


def test_two_visitors_of_the_same_form_each_get_their_own_tokens_and_each_message_is_stored(
    app_factory,
):
    with running(app_factory(WTF_CSRF_ENABLED=True)) as app:
        first, second = app.test_client(), app.test_client()
        pages = [browser.get("/submit").get_data(as_text=True) for browser in (first, second)]
        tokens = [(hidden(p, "csrf_token"), hidden(p, "form_token")) for p in pages]
        assert tokens[0][0] != tokens[1][0] and tokens[0][1] != tokens[1][1]
        assert "\x00" not in pages[1]
        # The second page, from memory, is the first one save the tokens.
        assert pages[1] == pages[0].replace(tokens[0][0], tokens[1][0]).replace(
            tokens[0][1], tokens[1][1]
        )
        for browser, (csrf, form_token) in ((second, tokens[1]), (first, tokens[0])):
            sent = browser.post("/submit", data=valid_form(csrf_token=csrf, form_token=form_token))
            assert receipt(sent)[0]
        # Each one's token is theirs alone: the first's CSRF token does not pass for the second.
        refused = second.post("/submit", data=valid_form(csrf_token=tokens[0][0]))
        assert refused.status_code == 400
        assert case_count() == 2


def test_the_kept_pages_follow_the_visitors_language_and_text_size(client):
    chinese = client.get("/").get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.get("/").get_data(as_text=True)
    client.set_cookie("care", "1")
    larger = client.get("/").get_data(as_text=True)
    client.delete_cookie("lang")
    client.delete_cookie("care")
    assert 'lang="zh-CN"' in chinese and "Track a case" not in chinese
    assert 'lang="en"' in english and "Track a case" in english and 'class="care"' not in english
    assert 'class="care"' in larger
    assert client.get("/").get_data(as_text=True) == chinese


def test_an_edit_made_in_this_worker_shows_at_once_without_reading_the_stamp_each_time(
    app, app_factory
):
    worker = app_factory(CATALOG_CHECK_SECONDS=60).test_client()
    worker.get("/")
    statements = []

    def count(_connection, _cursor, statement, *args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)  # every app's engine
    try:
        worker.get("/")
        worker.get("/submit")
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert not [s for s in statements if "catalog_stamps" in s]

    body("court").phone = "0717-0000000"
    item("一.1.(1)").title = "改过的问题标题"
    db.session.commit()

    html = worker.get("/").get_data(as_text=True)
    assert "改过的问题标题" in html and '<a href="tel:07170000000">0717-0000000</a>' in html
    assert "改过的问题标题" in worker.get("/submit").get_data(as_text=True)


def test_another_process_edit_shows_once_the_worker_checks_again(app, app_factory, database_url):
    worker = app_factory(CATALOG_CHECK_SECONDS=0.5).test_client()
    assert "0717-2222222" not in worker.get("/").get_data(as_text=True)
    db.session.commit()  # the test's reads end: on SQLite its transaction holds the write lock

    subprocess.run([sys.executable, "-c", CHANGE_A_BODY, database_url], check=True)
    time.sleep(0.6)  # past the time the worker trusts its copy

    assert '<a href="tel:07172222222">0717-2222222</a>' in worker.get("/").get_data(as_text=True)
