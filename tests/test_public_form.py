"""The submission form: every bad answer is explained beside its field, kept, and nothing is stored."""

import csv
import html as html_lib
import io
import re
from datetime import UTC, datetime

import pytest
from conftest import case_count, item, login
from public_helpers import CJK, CONTENT, field_error, post_form, send, valid_form
from sqlalchemy import func, select

from feedback.cases import months, operations
from feedback.extensions import db
from feedback.models import Case, Kind
from feedback.public.forms import normalise_phone

LONG_SUBJECT = "标" * 61


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject": ""}, "subject", "请填写标题。"),
        ({"subject": "   "}, "subject", "请填写标题。"),
        ({"subject": LONG_SUBJECT}, "subject", "标题最多 60 个字，现在有 61 个字。"),
        ({"content": "太短了，只有九个字"}, "content", "反映内容至少 10 个字，以便受理机关办理。"),
        ({"content": "长" * 5001}, "content", "内容最多 5000 个字，现在有 5001 个字。"),
        ({"content": ""}, "content", "请填写反映内容。"),
        (
            {"phone": "12345"},
            "phone",
            "请填写手机号码（如 13812345678）或带区号的固定电话（如 0717-5193251）。",
        ),
        (
            {"phone": "12812345678"},
            "phone",
            "请填写手机号码（如 13812345678）或带区号的固定电话（如 0717-5193251）。",
        ),
        (
            {"email": "not-an-address"},
            "email",
            "请填写正确的电子邮箱（如 name@example.com），或留空。",
        ),
        ({"name": ""}, "name", "请填写姓名，或选择匿名。"),
        ({"name": "名" * 41}, "name", "姓名最多 40 个字。"),
        ({"phone": ""}, "phone", "请填写联系电话，或选择匿名。"),
        ({"identity": None}, "identity", "请选择实名或匿名。"),
        ({"consent": None}, "consent", "请勾选此项后再提交。"),
        ({"kind": None}, "kind", "请选择反映类型。"),
        ({"kind": "bribe"}, "kind", "请从列出的类型中选择一项。"),
        ({"body": "mayor"}, "body", "请从列出的受理机关中选择一项，或选择“不确定”。"),
        ({"item": "99999"}, "item", "请从列表中选择一项问题，或选择“不涉及具体问题”。"),
        ({"item": "1 OR 1=1"}, "item", "请从列表中选择一项问题，或选择“不涉及具体问题”。"),
        ({"subject": "标题\x00带空字符"}, "subject", "文字中含有不可见的控制字符，请删除后重试。"),
        ({"content": CONTENT + "\x00"}, "content", "文字中含有不可见的控制字符，请删除后重试。"),
        ({"content": CONTENT + "\x1b[2J"}, "content", "文字中含有不可见的控制字符，请删除后重试。"),
        ({"name": "张\x07三"}, "name", "文字中含有不可见的控制字符，请删除后重试。"),
    ],
)
def test_a_bad_answer_is_explained_beside_its_field_and_nothing_is_stored(
    client, overrides, field, message
):
    response = post_form(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(html, field) == html_lib.escape(message, quote=False)
    assert "部分内容需要修改，本次未提交" in html
    assert 'id="receipt-code"' not in html
    # What was typed in the other fields is still there.
    if field != "content":
        assert re.search(rf">\s*{CONTENT}</textarea>", html)
    if field != "subject":
        assert 'value="关于便民工作的意见"' in html
    assert case_count() == 0


def test_typed_text_is_kept_after_an_error(client):
    html = post_form(client, subject="标" * 61, phone="0717-519").get_data(as_text=True)
    assert f'value="{"标" * 61}"' in html
    assert 'value="0717-519"' in html
    assert 'value="张三"' in html
    assert re.search(
        r'<input [^>]*checked id="kind-0" name="kind" type="radio" value="opinion">', html
    )


def test_a_filled_honeypot_stores_nothing_and_says_nothing_was_received(client):
    response = post_form(client, website="http://spam.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "提交未成功，请检查表单后重试。" in html
    assert "已收到" not in html and 'id="receipt-ref"' not in html
    assert case_count() == 0


def test_the_honeypot_is_hidden_from_people_and_keyboards(client):
    html = client.get("/submit").get_data(as_text=True)
    trap = re.search(r'<div class="honeypot" aria-hidden="true">(.*?)</div>', html, re.S)
    assert trap
    assert 'tabindex="-1"' in trap[1] and 'autocomplete="off"' in trap[1]
    assert 'name="website"' in trap[1]


def test_anonymous_needs_no_contact_details_and_ignores_bad_ones(client):
    response = post_form(client, identity="anonymous", name="", phone="nonsense", email="x@")
    assert 'id="receipt-code"' in response.get_data(as_text=True)
    assert case_count() == 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0717-5193251", "0717-5193251"),
        ("07175193251", "0717-5193251"),
        ("0717 519 3251", "0717-5193251"),
        ("+86 0717-5193251", "0717-5193251"),
        ("010-12345678", "010-12345678"),
        ("02712345678", "027-12345678"),
        ("12812345678", None),
        ("1381234567", None),
        ("0717-519", None),
        ("5193251", None),
        ("phone", None),
    ],
)
def test_phone_numbers_are_recognised_and_stored_in_one_form(typed, stored):
    assert normalise_phone(typed) == stored


def test_the_form_has_no_script_and_posts_plainly(client):
    html = client.get("/submit").get_data(as_text=True)
    assert "<script" not in html
    assert re.search(r'<form method="post" action="/submit"', html)
    assert html.count("<form") == 1


def test_csrf_protection_refuses_a_post_without_a_token_in_chinese(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        refused = client.post("/submit", data=valid_form())
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert "表单的安全令牌缺失或无效" in html and "未被保存" in html
        assert "表单已过期" not in html  # it did not expire: it had no token
        assert case_count() == 0
        # The page's own token lets the same form through.
        page = client.get("/submit").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token
        accepted = client.post("/submit", data=valid_form(csrf_token=token[1]))
        assert 'id="receipt-code"' in accepted.get_data(as_text=True)
        assert case_count() == 1
        db.session.remove()
        db.engine.dispose()


def test_the_form_and_its_errors_are_in_english_with_the_cookie(client):
    client.set_cookie("lang", "en")
    html = client.get("/submit").get_data(as_text=True)
    assert "Send a message" in html and "Who should receive it?" in html
    assert "Wufeng Tujia Autonomous County People&#39;s Court" in html
    ui = re.sub(r"<select.*?</select>", "", html, flags=re.S)  # item titles are data
    ui = re.sub(r'<a [^>]*lang="zh-CN">中文</a>', "", ui)
    assert not CJK.search(ui), CJK.findall(ui)
    errors = client.post("/submit", data=valid_form(subject="", phone="12")).get_data(as_text=True)
    assert field_error(errors, "subject") == "Write a short subject."
    assert field_error(errors, "phone").startswith("Enter a mobile number")


def test_an_item_preselected_through_the_address_is_only_a_suggestion(client):
    unknown = client.get("/submit?item=99999")
    assert unknown.status_code == 200
    assert "<option selected" not in unknown.get_data(as_text=True)
    chosen = item("三.2")
    html = client.get(f"/submit?item={chosen.id}").get_data(as_text=True)
    assert f'<option selected value="{chosen.id}">' in html


def test_each_kind_is_explained_in_one_line_with_an_example(client):
    html = client.get("/submit").get_data(as_text=True)
    for value, example in (
        ("opinion", "建议诉讼服务窗口周末也开放"),
        ("complaint", "但我的至今没有退"),
        ("report", "执行局某法官收受当事人礼品"),
        ("other", "巡察反馈意见的全文"),
    ):
        choice = re.search(rf'<input aria-describedby="([^"]+)"[^>]* value="{value}">', html)
        assert choice, value
        explained = re.search(rf'<p class="hint kind-explained" id="{choice[1]}">([^<]+)</p>', html)
        assert explained and "例如" in explained[1] and example in explained[1], value


def test_the_report_kind_carries_its_notes_and_the_warning_against_false_accusation(client):
    html = client.get("/submit").get_data(as_text=True)
    notes = re.search(
        r'<details class="report-notes" id="report-notes">(.*?)</details>', html, re.S
    )
    assert notes, "the notes fold away until the citizen opens them"
    assert "<summary>举报须知</summary>" in notes[1]
    for words in ("被举报人", "严格保密", "匿名检举控告同样受理", "难以查实", "诬告陷害"):
        assert words in notes[1], words
    # It sits with the report kind's own explanation, before the next kind.
    assert html.index('value="report"') < html.index("举报须知") < html.index('value="other"')
    # Once the citizen has chosen to report, the notes are open when the form comes back.
    again = post_form(client, kind="report", subject="").get_data(as_text=True)
    assert '<details class="report-notes" id="report-notes" open>' in again


def test_every_required_answer_is_marked_for_eyes_and_for_screen_readers(client):
    html = client.get("/submit").get_data(as_text=True)
    assert "标 * 的为必填项。" in html
    star = '<span class="required" aria-hidden="true">*</span>'
    for legend in ("反映类型", "受理机关", "实名或匿名"):
        group = re.search(
            rf'<fieldset role="radiogroup" aria-required="true"[^>]*>\s*<legend>[^<]*{legend}'
            rf"[^<]*{re.escape(star)}</legend>",
            html,
        )
        assert group, legend
    for name in ("subject", "content"):
        assert re.search(rf'<label for="{name}">[^<]+</label> {re.escape(star)}', html), name
        assert re.search(rf'<(input|textarea) [^>]*name="{name}" required', html), name
    assert re.search(r'<input [^>]*id="consent" name="consent" required type="checkbox"', html)
    assert re.search(rf'id="consent"[^>]*> <span>[^<]+ {re.escape(star)}</span>', html)


def test_the_error_summary_links_to_each_field_in_error(client):
    html = post_form(client, kind=None, subject="", phone="12", consent=None).get_data(as_text=True)
    summary = re.search(r'<div class="errorbox error-summary" role="alert"(.*?)</div>', html, re.S)
    assert summary and "部分内容需要修改，本次未提交" in summary[1]
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary[1])
    assert [target for target, _ in links] == ["kind-0", "subject", "phone", "consent"]
    assert "请填写标题。" in links[1][1] and "请勾选此项后再提交。" in links[3][1]
    for target, _ in links:  # each link leads to a control on the page
        assert re.search(rf'<(input|textarea|select) [^>]*id="{target}"', html), target


def test_hints_and_errors_are_tied_to_their_fields(client):
    html = post_form(client, subject="").get_data(as_text=True)
    subject = re.search(r'<input ([^>]*)name="subject"', html)
    assert subject and 'aria-describedby="subject-hint subject-error"' in subject[1]
    assert 'aria-invalid="true"' in subject[1]
    assert '<p class="hint" id="subject-hint">' in html
    content = re.search(r'<textarea ([^>]*)name="content"', html)
    assert content and 'aria-describedby="content-hint"' in content[1]
    assert re.search(
        r'<input [^>]*aria-describedby="attachments-hint"[^>]*name="attachments"', html
    )
    assert '<fieldset class="contact" aria-describedby="contact-hint">' in html
    assert '<fieldset class="reported" aria-describedby="reported-hint">' in html


REPORTED = {"reported_name": "李某", "reported_unit": "县法院执行局", "reported_post": "副局长"}


def test_a_report_keeps_whom_it_names_and_the_receiving_staff_see_it(client, staff):
    send(client, kind="report", body="discipline", **REPORTED)
    case = db.session.execute(select(Case)).scalar_one()
    assert (case.reported_name, case.reported_unit, case.reported_post) == (
        "李某",
        "县法院执行局",
        "副局长",
    )
    login(client, staff["discipline"])
    page = client.get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    for label, value in (("被举报人姓名", "李某"), ("被举报人单位", "县法院执行局")):
        assert re.search(rf'<dt>{label}</dt>\s*<dd class="reported-person">{value}</dd>', page), (
            label
        )
    client.post("/staff/logout")
    login(client, staff["discipline-manager"])
    month = months.month_of(case.received_at)
    export = client.get(f"/inbox/export/download?month={month}&format=csv")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["被举报人姓名"], r["被举报人单位"], r["被举报人职务"]) for r in rows] == [
        ("李某", "县法院执行局", "副局长")
    ]


def test_the_person_reported_is_kept_only_for_a_report(client):
    send(client, kind="opinion", body="court", **REPORTED)
    case = db.session.execute(select(Case)).scalar_one()
    assert (case.reported_name, case.reported_unit, case.reported_post) == (None, None, None)


def test_a_report_may_name_nobody(client):
    send(client, kind="report", body="discipline")
    case = db.session.execute(select(Case)).scalar_one()
    assert case.kind is Kind.REPORT and case.reported_name is None


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("reported_name", "名" * 41, "姓名最多 40 个字，现在有 41 个字。"),
        ("reported_unit", "单" * 101, "单位最多 100 个字，现在有 101 个字。"),
        ("reported_post", "职" * 61, "职务最多 60 个字，现在有 61 个字。"),
        ("reported_name", "李\x00某", "文字中含有不可见的控制字符，请删除后重试。"),
    ],
)
def test_a_bad_answer_about_the_person_reported_is_explained_and_nothing_stored(
    client, field, typed, message
):
    html = post_form(client, kind="report", body="discipline", **{field: typed}).get_data(
        as_text=True
    )
    assert field_error(html, field) == message
    assert f'<a href="#{field}">' in html
    assert case_count() == 0


def test_retention_deletes_whom_a_report_named_with_the_case(client, staff, runner):
    send(client, kind="report", body="discipline", **REPORTED)
    case = db.session.execute(select(Case)).scalar_one()
    operations.decline(db.session, case, staff["discipline"], "线索不具体")
    case.closed_at = datetime(2025, 3, 1, tzinfo=UTC)
    db.session.commit()
    result = runner.invoke(args=["feedback", "purge", "--closed-before", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).where(Case.reported_name == "李某")) == 0
    assert case_count() == 0
