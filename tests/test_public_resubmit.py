"""A message sent twice is stored once: a reload, a back-and-send-again, a second browser.

Every test goes through the real form with CSRF protection on, each client being one browser
that opens the form, keeps its cookie and posts what the page rendered.
"""

import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import case_count, new_case
from databases import writes_held
from flask.testing import FlaskClient
from public_helpers import receipt, valid_form
from security_helpers import jpeg_with_gps, running, stored_files
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from feedback.extensions import db
from feedback.models import Attachment, AttachmentContent, Case, KeptReceipt, utcnow

ALREADY = "此条反映此前已经收到，本次没有重复保存。"
OTHER = "另一件事：法院门口的公示栏两个月没有更新，整改通报里说的公开并未做到。"


def files_kept(folder: Path) -> int:
    """Attached files kept, wherever the configured store keeps them: disk or database."""
    in_database = db.session.scalar(select(func.count()).select_from(AttachmentContent))
    return len(stored_files(folder)) + in_database


@pytest.fixture
def guarded(app_factory, tmp_path):
    app = app_factory(WTF_CSRF_ENABLED=True, ATTACHMENT_DIR=str(tmp_path / "attachments"))
    with running(app):
        yield app


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert found, html
    return found[1]


def open_form(browser, path: str = "/submit", **answers: str) -> dict[str, str]:
    """Open the form and fill it in: what the browser will post, tokens included."""
    page = browser.get(path).get_data(as_text=True)
    return valid_form(
        csrf_token=hidden(page, "csrf_token"), form_token=hidden(page, "form_token"), **answers
    )


def post(browser, form: dict[str, str], files: list[tuple[bytes, str]] = ()) -> TestResponse:
    fields = MultiDict(form)
    for data, name in files:
        fields.add("attachments", FileStorage(io.BytesIO(data), name))
    boundary, body = encode_multipart(fields)
    return browser.post(
        "/submit", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def page_of(response: TestResponse) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def reference_only(response: TestResponse) -> str:
    """The reference number on an "already received" page that shows no tracking code."""
    html = page_of(response)
    assert ALREADY in html
    assert 'id="receipt-code"' not in html
    found = re.search(r'id="receipt-ref"[^>]*>([^<]+)<', html)
    assert found, html
    return found[1].strip()


def tracks(browser, reference: str, code: str) -> bool:
    page = browser.get("/track").get_data(as_text=True)
    html = browser.post(
        "/track",
        data={"reference": reference, "code": code, "csrf_token": hidden(page, "csrf_token")},
    ).get_data(as_text=True)
    return "待受理" in html


def test_reloading_the_receipt_shows_the_same_receipt_and_stores_nothing(guarded):
    browser = guarded.test_client()
    form = open_form(browser)
    first = post(browser, form)
    reference, code = receipt(first)
    assert ALREADY not in page_of(first)

    again = post(browser, form)  # the browser's reload posts the same form again
    html = page_of(again)
    assert receipt(again) == (reference, code)
    assert ALREADY in html and "查询码只显示这一次" in html
    assert "关于便民工作的意见" in html  # the whole receipt, not only the numbers
    assert case_count() == 1
    assert tracks(browser, reference, code)
    # The receipt shown again can still be kept as a file, with the page's own token.
    kept = browser.post(
        "/track/receipt",
        data={"reference": reference, "code": code, "csrf_token": hidden(html, "csrf_token")},
    )
    assert kept.mimetype == "application/pdf"


def test_going_back_and_sending_the_same_answers_again_gives_the_same_receipt(guarded):
    browser = guarded.test_client()
    reference, code = receipt(post(browser, open_form(browser)))
    # Back: the form page is fetched again (it is never cached), with a new token, and the
    # browser fills in what was typed.
    again = post(browser, open_form(browser))
    assert ALREADY in page_of(again)
    assert receipt(again) == (reference, code)
    # Chromium does not restore the subject (autocomplete=off): typed again otherwise, the
    # message is still the same one.
    retyped = post(browser, open_form(browser, subject="便民工作"))
    assert receipt(retyped) == (reference, code)
    assert case_count() == 1
    # Another message from the same browser is a new case.
    other = post(browser, open_form(browser, content=OTHER))
    assert ALREADY not in page_of(other)
    assert receipt(other)[0] != reference
    assert case_count() == 2


def test_a_reload_with_files_stores_no_second_set(guarded):
    folder = Path(guarded.config["ATTACHMENT_DIR"])
    browser = guarded.test_client()
    form = open_form(browser)
    photo = [(jpeg_with_gps(), "现场.jpg")]
    reference, code = receipt(post(browser, form, photo))
    assert files_kept(folder) == 1
    again = post(browser, form, photo)
    assert receipt(again) == (reference, code)
    assert "已附 1 个" in page_of(again)
    assert files_kept(folder) == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
    # Back and send again: the browser does not restore the chosen file; still the same message.
    assert receipt(post(browser, open_form(browser))) == (reference, code)
    assert files_kept(folder) == 1
    assert case_count() == 1


def test_after_the_kept_time_a_reload_shows_the_reference_only(guarded):
    browser = guarded.test_client()
    form = open_form(browser)
    reference, code = receipt(post(browser, form))
    db.session.execute(update(KeptReceipt).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert reference_only(post(browser, form)) == reference
    assert code not in page_of(post(browser, form))
    assert case_count() == 1
    # The next submission deletes what has expired: only the new receipt is kept.
    receipt(post(browser, open_form(browser, content=OTHER)))
    assert db.session.scalar(select(func.count()).select_from(KeptReceipt)) == 1


def test_another_browser_with_the_same_form_learns_the_reference_only(guarded):
    sender = guarded.test_client()
    form = open_form(sender)
    reference, code = receipt(post(sender, form))
    other = guarded.test_client()
    own = open_form(other)
    replay = post(other, {**form, "csrf_token": own["csrf_token"]})
    assert reference_only(replay) == reference
    assert code not in replay.get_data(as_text=True)
    assert case_count() == 1
    # Without the form's token, the same answers from another browser are a message of its own:
    # nothing says that someone sent them already.
    fresh = post(other, own)
    assert ALREADY not in page_of(fresh)
    assert receipt(fresh)[0] != reference
    assert case_count() == 2


def test_a_preview_then_confirm_stores_one_case_and_a_reload_of_it_nothing(guarded):
    browser = guarded.test_client()
    form = open_form(browser, kind="report", body="court")
    preview = page_of(post(browser, form))
    assert 'name="confirm_routing" type="hidden" value="1"' in preview
    assert hidden(preview, "form_token") == form["form_token"]  # the same form, still
    assert case_count() == 0
    confirmed = {**form, "confirm_routing": "1", "proposed_body": "discipline"}
    reference, code = receipt(post(browser, confirmed))
    assert receipt(post(browser, confirmed)) == (reference, code)
    assert receipt(post(browser, form)) == (reference, code)  # the preview's post, again
    assert case_count() == 1


def test_an_error_keeps_the_token_and_the_corrected_form_is_stored_once(guarded):
    browser = guarded.test_client()
    form = open_form(browser, subject="")
    page = page_of(post(browser, form))
    assert 'id="subject-error"' in page
    assert hidden(page, "form_token") == form["form_token"]
    corrected = {**form, "subject": "关于便民工作的意见"}
    reference, code = receipt(post(browser, corrected))
    assert receipt(post(browser, corrected)) == (reference, code)
    assert case_count() == 1


@pytest.mark.parametrize("token", [None, "", "short", "x" * 21 + "!", "a" * 23])
def test_a_form_without_its_token_stores_nothing_and_says_so_in_chinese(guarded, token):
    browser = guarded.test_client()
    form = open_form(browser)
    if token is None:
        del form["form_token"]
    else:
        form["form_token"] = token
    page = page_of(post(browser, form))
    assert "表单不完整或已过期，内容没有发送。请核对填写的内容后重新发送。" in page
    assert 'id="receipt-ref"' not in page
    assert case_count() == 0
    # The page is a fresh form: sending it again works.
    renewed = {**form, "form_token": hidden(page, "form_token")}
    receipt(post(browser, renewed))
    assert case_count() == 1


def test_a_case_sent_before_form_tokens_still_tracks(guarded):
    case, code = new_case()
    assert case.submission_hash is None
    browser = guarded.test_client()
    assert tracks(browser, case.reference, code)
    reference, _code = receipt(post(browser, open_form(browser)))
    assert reference != case.reference
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2


def test_the_database_keeps_neither_the_token_nor_the_code_readable(guarded):
    browser = guarded.test_client()
    form = open_form(browser)
    reference, code = receipt(post(browser, form))
    case = db.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
    kept = db.session.execute(select(KeptReceipt)).scalar_one()
    assert case.submission_hash and form["form_token"] not in case.submission_hash
    assert code.encode() not in kept.sealed and code.replace("-", "").encode() not in kept.sealed
    cookie = browser.get_cookie("session")
    assert cookie is not None
    session = guarded.session_interface.get_signing_serializer(guarded).loads(cookie.value)
    assert set(session) == {"csrf_token", "receipt_key"}
    assert code not in str(session) and form["form_token"] not in str(session)


def test_purge_deletes_the_expired_kept_receipts(guarded):
    browser = guarded.test_client()
    form = open_form(browser)
    reference, _code = receipt(post(browser, form))
    receipt(post(browser, open_form(browser, content=OTHER)))
    db.session.execute(
        update(KeptReceipt)
        .where(
            KeptReceipt.case_id
            == select(Case.id).where(Case.reference == reference).scalar_subquery()
        )
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    result = guarded.test_cli_runner().invoke(
        args=["feedback", "purge", "--closed-before", "2020-01-01"]
    )
    assert "1 expired kept receipts deleted." in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(KeptReceipt)) == 1
    assert reference_only(post(browser, form)) == reference


def test_two_posts_of_one_form_with_files_at_once_store_one_case_and_one_set(guarded, database_url):
    """A double click: both posts carry the form and its files; both wait for the database."""
    folder = Path(guarded.config["ATTACHMENT_DIR"])
    browser = guarded.test_client()
    form = open_form(browser)
    clicks = [FlaskClient(guarded, guarded.response_class) for _ in range(2)]
    for click in clicks:  # one browser, one cookie: each post in a request of its own
        click.set_cookie("session", browser.get_cookie("session").value)
    photo = [(jpeg_with_gps(), "现场.jpg")]
    with ThreadPoolExecutor(2) as pool, writes_held(database_url, waiters=2):
        posts = [pool.submit(post, click, form, photo) for click in clicks]
    pages = [page_of(p.result()) for p in posts]
    assert sum(ALREADY in page for page in pages) == 1
    assert len({receipt(p.result()) for p in posts}) == 1
    assert case_count() == 1
    assert files_kept(folder) == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
