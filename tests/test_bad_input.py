"""Bad input, generated: random Unicode, control characters, huge, missing and repeated fields,
forged choices, missing or stale CSRF tokens. Never a 500, nothing stored on a refusal, a
Chinese message on every refusal; markup always escaped, formulas always neutralised."""

import re
import time

import pytest
from conftest import case_count, login, new_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from public_helpers import CJK, valid_form
from security_helpers import running
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from feedback.cases import exports
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import Event

BOUNDED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CONTROL = "".join(chr(c) for c in (*range(0, 32), 127, 0x85))
MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{7*7}}", "=1+1", "&amp;"]

# Any Unicode (surrogates cannot be encoded, so the browser cannot send them), control
# characters and markup, from empty to far longer than any field allows.
texts = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.sampled_from(CONTROL + "整改<>&'\"= \n"), max_size=40),
    st.sampled_from(MARKUP),
    st.integers(1, 400).map(lambda n: "长" * (n * 100)),
)
choices = {
    "kind": ["opinion", "complaint", "report", "other", "", "admin", "1 OR 1=1"],
    "body": ["court", "discipline", "inspection", "unsure", "", "ministry", "court\x00"],
    "identity": ["real", "anonymous", "", "both"],
    "item": ["", "1", "0", "-1", "999999", "1e3", "abc", "١"],
    "consent": ["y", "", "no"],
    "confirm_routing": ["", "1", "yes"],
}
FIELDS = ["subject", "content", "name", "phone", "email", "website", "proposed_body"]


@st.composite
def forms(draw):
    form = valid_form()
    for field, options in choices.items():
        if draw(st.booleans()):
            form[field] = draw(st.one_of(st.sampled_from(options), texts))
    for field in FIELDS:
        if draw(st.booleans()):
            form[field] = draw(texts)
    for field in list(form):
        if draw(st.integers(0, 9)) == 0:
            del form[field]  # missing
    data = list(form.items())
    if draw(st.booleans()) and data:
        field, _ = draw(st.sampled_from(data))
        data.append((field, draw(texts)))  # repeated
    return data


def refusal_is_explained_in_chinese(response) -> bool:
    html = response.get_data(as_text=True)
    messages = re.findall(
        r'<(?:p|div) class="(?:error|errorbox)"[^>]*>(.*?)</(?:p|div)>', html, re.S
    )
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S)
    return any(CJK.search(m) for m in messages) or bool(
        response.status_code >= 400 and heading and CJK.search(heading[1])
    )


def test_the_public_form_never_fails_and_stores_only_what_it_receipts(client):
    @BOUNDED
    @given(data=forms())
    def check(data):
        before = case_count()
        response = client.post("/submit", data=MultiDict(data))
        html = response.get_data(as_text=True)
        assert response.status_code in (200, 400, 413), response.status_code
        if 'id="receipt-ref"' in html:
            # The same message again from this browser is shown its receipt, and stored once.
            again = 'id="already-received"' in html or "此条反映已经收到" in html
            assert case_count() == before + (0 if again else 1)
            assert "<script>alert" not in html
            return
        assert case_count() == before
        preview = (
            'name="confirm_routing" type="hidden" value="1"' in html and "errorbox" not in html
        )
        assert preview or refusal_is_explained_in_chinese(response), html[-2000:]

    check()


def test_the_tracking_pages_never_fail_and_tell_nothing_on_bad_input(client):
    case, code = new_case()

    @BOUNDED
    @given(
        path=st.sampled_from(["/track", "/track/add", "/track/rate"]),
        reference=st.one_of(texts, st.just(case.reference)),
        code=st.one_of(texts, st.just(code)),
        extra=st.dictionaries(st.sampled_from(["text", "rating", "comment"]), texts, max_size=3),
    )
    def check(path, reference, code, extra):
        events = db.session.scalar(select(func.count()).select_from(Event))
        response = client.post(path, data={"reference": reference, "code": code, **extra})
        assert response.status_code in (200, 400, 409, 413), response.status_code
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html
        if "补充材料已添加" in html or "评价已记录" in html:
            return  # the right pair and valid information: stored and said so
        assert db.session.scalar(select(func.count()).select_from(Event)) == events
        found = case.subject in html
        assert found or refusal_is_explained_in_chinese(response), html[-2000:]

    check()


@pytest.mark.parametrize("path", ["/track", "/track/add", "/track/rate"])
def test_a_nul_byte_in_the_reference_finds_nothing_and_says_so(client, path):
    """PostgreSQL refuses a NUL in a query: the pages that look the case up before checking the
    form (adding information, rating) once answered 500 there."""
    _case, code = new_case()
    response = client.post(path, data={"reference": "\x00", "code": code, "text": "补充"})
    assert response.status_code == 200
    assert refusal_is_explained_in_chinese(response)


def test_missing_forged_or_stale_csrf_tokens_store_nothing_and_say_so(app_factory):
    with running(app_factory(WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=1)) as app:
        client = app.test_client()
        page = client.get("/submit").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]

        @settings(max_examples=25, deadline=None)
        @given(st.one_of(st.none(), texts, st.just(token[:-4] + "AAAA")))
        def forged(value):
            data = valid_form()
            if value is not None:
                data["csrf_token"] = value
            response = client.post("/submit", data=data)
            assert response.status_code == 400
            # A missing or forged token is not an expired form: the page says which it is.
            page = response.get_data(as_text=True)
            assert "表单的安全令牌缺失或无效" in page and "表单已过期" not in page

        forged()
        time.sleep(2.1)
        stale = client.post("/submit", data={**valid_form(), "csrf_token": token})
        assert stale.status_code == 400 and "表单已过期" in stale.get_data(as_text=True)
        for path, data in (
            ("/track", {"reference": "2026-11-000001", "code": "X"}),
            ("/staff/login", {"username": "court-staff", "password": "x" * 12}),
        ):
            assert client.post(path, data=data).status_code == 400
        assert case_count() == 0


@BOUNDED
@given(text=st.text(max_size=30))
def test_no_cell_of_an_export_can_start_a_formula(text):
    cell = exports.neutralise(text)
    assert not cell.startswith(exports.FORMULA_STARTS)
    assert cell in (text, "'" + text)


@pytest.mark.parametrize("markup", MARKUP[:2])
def test_markup_in_every_field_is_shown_escaped_to_staff_and_citizen(client, staff, markup):
    case, code = new_case(
        subject=markup[:60],
        content=f"正文{markup}正文",
        contact=ContactDetails(name=markup[:40], phone="13900000000", email=""),
    )
    tracked = client.post("/track", data={"reference": case.reference, "code": code})
    login(client, staff["court"])
    pages = [
        tracked.get_data(as_text=True),
        client.get("/inbox/").get_data(as_text=True),
        client.get(f"/inbox/cases/{case.id}").get_data(as_text=True),
        client.post(f"/inbox/cases/{case.id}/contact").get_data(as_text=True),
    ]
    for page in pages:
        assert markup not in page
        assert "&lt;" in page
