"""Sending a message: where it goes and why, the receipt shown once, and what is stored."""

import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import case_count, item, new_case
from flask import Flask
from flask_babel import force_locale
from public_helpers import CJK, field_error, post_form, receipt, send
from pypdf import PdfReader
from security_helpers import running
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Case, Contact, Kind
from feedback.web.labels import ROUTING_REASON


def stored(reference: str) -> Case:
    return db.session.execute(select(Case).where(Case.reference == reference)).scalar_one()


def reason(app: Flask, key: str, language: str = "zh_Hans_CN") -> str:
    """The routing reason as the citizen reads it, HTML-escaped like the page."""
    with app.test_request_context(), force_locale(language):
        return str(ROUTING_REASON[key]).replace("'", "&#39;")


def database_bytes(app: Flask) -> bytes:
    db.session.remove()
    db.engine.dispose()
    path = Path(db.engine.url.database)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_a_real_name_message_gets_a_receipt_and_is_stored_once_with_its_contact(app, client):
    response = post_form(client, email="Zhang.San@Example.COM", phone="+86 138-1234-5678")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # the code lives in this page only
    reference, code = receipt(response)
    assert code not in response.request.url
    assert "您的反映已收到" in html
    assert "查询码只显示这一次" in html
    assert "受理机关在收到后 15 日内决定是否受理" in html
    assert "受理后 60 日内办结" in html and "最多 30 日" in html
    assert case_count() == 1
    case = stored(reference)
    assert case.body.slug == "court" and case.kind is Kind.OPINION and not case.anonymous
    assert case.subject == "关于便民工作的意见"
    assert case.contact is not None
    assert (case.contact.name, case.contact.phone) == ("张三", "13812345678")
    assert case.contact.email == "Zhang.San@example.com"


def test_the_tracking_code_is_nowhere_in_the_database_in_clear(app, client):
    _, code = send(client)
    data = database_bytes(app)
    assert code.encode() not in data
    assert code.replace("-", "").encode() not in data


def test_an_anonymous_message_keeps_no_contact_even_if_some_was_typed(app, client):
    reference, _ = send(
        client, identity="anonymous", name="李四", phone="13900001111", email="li@example.com"
    )
    case = stored(reference)
    assert case.anonymous and case.contact is None
    assert db.session.execute(select(Contact)).first() is None
    assert b"13900001111" not in database_bytes(app)


def test_surrounding_whitespace_is_removed_and_new_lines_kept(client):
    reference, _ = send(
        client, subject="  主题前后有空格  ", content="\r\n 第一行内容很长很长\r\n第二行内容 \r\n"
    )
    case = stored(reference)
    assert case.subject == "主题前后有空格"
    assert case.content == "第一行内容很长很长\n第二行内容"


@pytest.mark.parametrize(
    ("kind", "chosen", "item_code", "body", "why"),
    [
        ("opinion", "court", None, "court", "chosen"),
        ("complaint", "inspection", "一.1.(1)", "inspection", "chosen"),
        ("report", "discipline", None, "discipline", "chosen"),
        ("other", "discipline", None, "discipline", "chosen"),
    ],
)
def test_a_body_the_citizen_chose_receives_it_without_a_preview(
    app, client, kind, chosen, item_code, body, why
):
    about = str(item(item_code).id) if item_code else ""
    response = post_form(client, kind=kind, body=chosen, item=about)
    reference, _ = receipt(response)
    case = stored(reference)
    assert (case.body.slug, case.routing_reason) == (body, why)
    assert reason(app, why) in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("kind", "chosen", "item_code", "body", "why", "name"),
    [
        (
            "report",
            "unsure",
            None,
            "discipline",
            "report_to_discipline",
            "县纪委监委派出第五纪检监察组",
        ),
        ("complaint", "unsure", "二.4.(1)", "inspection", "complaint_about_item", "县委巡察办"),
        ("complaint", "unsure", None, "court", "default_to_court", "五峰土家族自治县人民法院"),
        ("opinion", "unsure", "一.2.(4)", "court", "default_to_court", "五峰土家族自治县人民法院"),
        (
            "report",
            "court",
            "二.5.(1)",
            "discipline",
            "conflict_of_interest",
            "县纪委监委派出第五纪检监察组",
        ),
    ],
)
def test_when_the_rules_choose_the_citizen_sees_where_and_why_before_anything_is_stored(
    app, client, kind, chosen, item_code, body, why, name
):
    about = str(item(item_code).id) if item_code else ""
    preview = post_form(client, kind=kind, body=chosen, item=about)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "请确认受理机关" in html
    assert f"交由{name}受理" in html
    assert reason(app, why) in html
    assert 'name="confirm_routing" type="hidden" value="1"' in html
    assert "确认提交" in html
    assert 'id="receipt-code"' not in html
    assert case_count() == 0

    confirmed = post_form(
        client, kind=kind, body=chosen, item=about, confirm_routing="1", proposed_body=body
    )
    reference, _ = receipt(confirmed)
    case = stored(reference)
    assert (case.body.slug, case.routing_reason, case.chosen_body) == (body, why, chosen)
    assert reason(app, why) in confirmed.get_data(as_text=True)
    assert case_count() == 1


def test_a_report_addressed_to_the_court_goes_to_the_discipline_group_and_the_receipt_says_so(
    client,
):
    preview = post_form(client, kind="report", body="court").get_data(as_text=True)
    assert (
        "您选择了五峰土家族自治县人民法院，但您反映的内容将交由县纪委监委派出第五纪检监察组受理"
        in preview
    )
    confirmed = post_form(client, kind="report", body="court", confirm_routing="1")
    html = confirmed.get_data(as_text=True)
    assert 'class="panel routing-override" role="alert"' in html
    assert "您选择了五峰土家族自治县人民法院，但已交由县纪委监委派出第五纪检监察组受理" in html
    assert "0717-5822179" in html


def test_changing_the_answers_after_a_preview_shows_the_new_proposal_first(client):
    first = post_form(client, kind="report", body="unsure").get_data(as_text=True)
    assert 'name="proposed_body" type="hidden" value="discipline"' in first
    changed = post_form(
        client,
        kind="complaint",
        body="unsure",
        item=str(item("二.4.(1)").id),
        confirm_routing="1",
        proposed_body="discipline",
    ).get_data(as_text=True)
    assert "交由县委巡察办受理" in changed
    assert 'name="proposed_body" type="hidden" value="inspection"' in changed
    assert case_count() == 0
    # The citizen may also pick a body outright instead of confirming the proposal.
    reference, _ = receipt(
        post_form(
            client,
            kind="report",
            body="inspection",
            confirm_routing="1",
            proposed_body="discipline",
        )
    )
    assert stored(reference).body.slug == "inspection"


def test_an_invalid_preview_shows_errors_not_a_proposal(client):
    html = post_form(client, body="unsure", subject="").get_data(as_text=True)
    assert field_error(html, "subject") == "请填写标题。"
    assert "请确认受理机关" not in html
    assert case_count() == 0


def test_markup_typed_by_a_citizen_is_shown_escaped(client):
    response = post_form(
        client,
        subject="<script>alert(1)</script>",
        content="<b>粗体</b> & <img src=x onerror=alert(1)>",
    )
    html = response.get_data(as_text=True)
    receipt(response)
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;粗体&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in html


def test_the_receipt_is_in_english_with_the_cookie(app, client):
    client.set_cookie("lang", "en")
    response = post_form(
        client,
        kind="report",
        body="court",
        confirm_routing="1",
        subject="Court clerk asked for money",
        content="On 3 May a clerk asked me for money to register my case.",
        name="Zhang San",
    )
    html = response.get_data(as_text=True)
    receipt(response)
    assert "Your message was received" in html
    assert "Fifth Discipline Inspection and Supervision Group" in html
    assert reason(app, "conflict_of_interest", "en") in html
    assert "within 15 days of receipt" in html
    ui = html.replace('lang="zh-CN">中文</a>', "")
    assert not CJK.search(ui), CJK.findall(ui)


# The receipt as a file ------------------------------------------------------------------------

NOT_FOUND = "未查到相关件，请核对受理编号和查询码后重试。"


def download(client, reference: str, code: str):
    return client.post("/track/receipt", data={"reference": reference, "code": code})


def pdf_text(response) -> str:
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert len(pages) == 1
    return pages[0].extract_text()


def test_the_receipt_offers_its_file_through_a_post_form_that_keeps_the_code_out_of_urls(client):
    response = post_form(client)
    html = response.get_data(as_text=True)
    reference, code = receipt(response)
    form = re.search(r'<form method="post" action="/track/receipt">(.*?)</form>', html, re.S)
    assert form, html
    assert f'name="reference" value="{reference}"' in form[1]
    assert f'name="code" value="{code}"' in form[1]
    assert "下载回执（PDF）" in form[1]
    urls = re.findall(r'(?:href|action|src)="([^"]*)"', html)
    assert not [url for url in urls if code in url or code.replace("-", "") in url]


def test_the_receipt_file_holds_reference_code_body_date_and_how_to_follow_up(app, client):
    reference, code = send(client, subject="执行款迟迟未兑付")
    response = download(client, reference, code)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="receipt-{reference}.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response)
    case = stored(reference)
    received = case.received_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert reference in text and code in text
    assert "五峰土家族自治县人民法院" in text and "0717-5193251" in text
    assert received.strftime("%Y-%m-%d %H:%M") in text
    assert "执行款迟迟未兑付" in text
    assert "http://localhost/track" in text  # where to follow it up
    assert "查询码遗失后无法找回" in text.replace("\n", "")


def test_the_receipt_file_is_in_english_with_the_cookie(client):
    reference, code = send(client)
    client.set_cookie("lang", "en")
    text = pdf_text(download(client, reference, code)).replace("\n", " ")
    assert "Reference number" in text and "Tracking code" in text
    assert "Wufeng Tujia Autonomous County People's Court" in text
    assert "Open http://localhost/track and enter the reference number" in text


def test_the_receipt_file_is_never_sent_for_a_get_or_a_wrong_code(client):
    reference, code = send(client)
    assert client.get("/track/receipt").status_code == 405
    assert client.get(f"/track/receipt?reference={reference}&code={code}").status_code == 405
    wrong = download(client, reference, "0000-0000-0000-0000-0000")
    assert wrong.status_code == 200 and wrong.mimetype == "text/html"
    assert "Content-Disposition" not in wrong.headers
    assert field_error(wrong.get_data(as_text=True), "code") == NOT_FOUND
    assert not wrong.data.startswith(b"%PDF")


def test_wrong_codes_for_the_receipt_file_count_against_the_tracking_limit(app_factory):
    with running(
        app_factory(
            RATELIMIT_ENABLED=True, TRACK_LIMITS="100 per hour", TRACK_REFERENCE_LIMITS="2 per hour"
        )
    ) as app:
        case, code = new_case()
        client = app.test_client()
        wrong = {"reference": case.reference, "code": "0000-0000-0000-0000-0000"}
        assert client.post("/track/receipt", data=wrong).status_code == 200
        assert client.post("/track", data=wrong).status_code == 200
        refused = client.post("/track/receipt", data=wrong)
        assert refused.status_code == 429 and b"%PDF" not in refused.data
        assert "查询码错误次数过多" in refused.get_data(as_text=True)
        # The right code still gets its receipt.
        right = client.post("/track/receipt", data={**wrong, "code": code})
        assert right.status_code == 200 and right.mimetype == "application/pdf"


def test_the_tracking_page_offers_the_receipt_file_again(client, staff):
    case, code = new_case()
    html = client.post("/track", data={"reference": case.reference, "code": code}).get_data(
        as_text=True
    )
    assert 'action="/track/receipt"' in html and f'name="code" value="{code}"' in html
