"""/supervision/: the discipline group sees the timeliness of the unit it supervises, the
inspection office every unit of its notices, a unit what its supervisors see of it; never a
case's content. Who supervises whom is set per notice by the administrator."""

import re
from datetime import timedelta

import pytest
from conftest import body, item, login, new_case
from page_forms import form_on
from sqlalchemy import select

from feedback.cases import months
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry, BodyRole, Kind, Notice, utcnow
from feedback.notices.loader import SEED_SLUG

SUBJECT = "食堂账目不清的问题"
CONTENT = "食堂采购价格明显偏高，请核查账目。"
NAME, PHONE = "张秀英", "13912345678"


@pytest.fixture
def overdue_court_case(app):
    """An overdue case of the court, with a contact, and an overdue case of the discipline group."""
    case, _code = new_case(
        subject=SUBJECT,
        content=CONTENT,
        contact=ContactDetails(name=NAME, phone=PHONE, email="zhang@example.cn"),
    )
    other, _code = new_case(kind=Kind.REPORT, subject="纪检组的件")
    case.due_at = other.due_at = utcnow() - timedelta(days=2)
    db.session.commit()
    return case, other


def page(client, query: str = "") -> tuple[int, str]:
    response = client.get("/supervision/" + query)
    return response.status_code, response.get_data(as_text=True)


def this_month() -> str:
    return "?month=" + months.month_of(utcnow())


def section(page_text: str, heading_start: str) -> str:
    """The part of the page from the heading that begins so, to the next <h2>."""
    start = page_text.index(heading_start)
    end = page_text.find("<h2", start + 1)
    return page_text[start : end if end > 0 else None]


def test_the_discipline_group_sees_the_courts_timeliness_and_overdue_references_only(
    client, staff, overdue_court_case
):
    case, other = overdue_court_case
    login(client, staff["discipline"])
    status, text = page(client, this_month())
    assert status == 200
    watched = section(text, '<h2 id="watched-title">')
    assert body("court").name in watched and "被巡察单位" in watched
    assert case.reference in watched and other.reference not in watched
    assert "当前超期（全部月份）" in watched
    for secret in (SUBJECT, CONTENT, NAME, PHONE, "zhang@example.cn"):
        assert secret not in text
    assert f"/inbox/cases/{case.id}" not in text  # a reference, not a link into the court's inbox


def test_the_inspection_office_sees_every_unit_of_its_notice(client, staff, overdue_court_case):
    case, other = overdue_court_case
    login(client, staff["inspection-manager"])
    status, text = page(client, this_month())
    assert status == 200
    watched = section(text, '<h2 id="watched-title">')
    assert body("court").name in watched and body("discipline").name in watched
    assert case.reference in watched and other.reference in watched
    assert SUBJECT not in text and NAME not in text


def test_the_court_sees_that_it_is_supervised_and_what_its_supervisors_see(
    client, staff, overdue_court_case
):
    case, _other = overdue_court_case
    login(client, staff["court"])
    status, text = page(client, this_month())
    assert status == 200
    assert "本单位不监督其他单位" in section(text, '<h2 id="watched-title">')
    own = section(text, '<h2 id="own-title">')
    assert body("discipline").name in own and body("inspection").name in own
    assert case.reference in own and SUBJECT not in text


def test_a_month_not_offered_gets_a_chinese_message(client, staff):
    login(client, staff["discipline"])
    status, text = page(client, "?month=2999-01")
    assert status == 400 and "请从列表中选择月份" in text
    assert page(client, "?month=13")[0] == 400


def test_the_administrator_is_refused(client, staff):
    login(client, staff["admin"])
    assert page(client)[0] == 403


def test_the_administrator_sets_who_supervises_per_notice_audited(
    client, staff, overdue_court_case
):
    case, _other = overdue_court_case
    notice = db.session.execute(select(Notice).where(Notice.slug == SEED_SLUG)).scalar_one()
    login(client, staff["admin"])
    path = f"/admin/notices/{notice.id}"
    form = form_on(client.get(path).get_data(as_text=True), path)
    refused = client.post(path, data=form.data({"supervisor_court": ""}))
    assert refused.status_code == 400 and "请选择" in refused.get_data(as_text=True)
    forged = client.post(path, data=form.data({"supervisor_court": "court"}))
    assert forged.status_code == 400
    db.session.refresh(notice)
    assert notice.chosen_supervisors == {}

    saved = client.post(path, data=form.data({"supervisor_court": "inspection"}))
    assert saved.status_code == 302
    db.session.refresh(notice)
    assert notice.chosen_supervisors == {BodyRole.COURT.value: BodyRole.INSPECTION.value}
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == AuditAction.NOTICE_CHANGED)
    ).scalar_one()
    assert "supervise court: discipline → inspection" in entry.detail

    client.post("/staff/logout")
    login(client, staff["discipline"])
    _status, text = page(client, this_month())
    assert case.reference not in text  # the discipline group no longer supervises the court


def answers_table(page_text: str, table_id: str) -> list[list[str]]:
    """The rows of an answers table (属实 / 不属实 / 不了解 per item), as text."""
    start = page_text.index(f'id="{table_id}"')
    table = page_text[start : page_text.index("</table>", start)]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def test_the_supervisors_and_the_unit_see_the_public_answers_per_item_as_the_public_does(
    app, staff
):
    """Citizens tap 属实 / 不属实 under items; the inspection office's supervision page and the
    court's monthly figures show the same answers as the public page, small counts hidden."""
    taps = {"一.1.(1)": ["true"] * 6 + ["untrue"] * 7, "一.1.(2)": ["untrue"] * 5 + ["unknown"] * 6}
    notice_id = db.session.execute(select(Notice.id).where(Notice.slug == SEED_SLUG)).scalar_one()
    for code, given in taps.items():
        item_id = item(code).id
        for verdict in given:
            browser = app.test_client()  # each citizen a browser of their own
            answered = browser.post(f"/items/{item_id}/answer", data={"verdict": verdict})
            assert answered.status_code == 200
    public = app.test_client().get(f"/n/{SEED_SLUG}/figures").get_data(as_text=True)
    expected = answers_table(public, "answers")
    assert expected[1][0] == "一.1.(1)" and expected[1][2] == "7"  # 不属实 shown
    assert "少于5" in expected[1]  # and 属实 (6), the column's only count, hidden
    for account, path in (
        (staff["inspection"], "/supervision/"),
        (staff["court"], "/inbox/figures"),
    ):
        client = app.test_client()
        login(client, account)
        text = client.get(path).get_data(as_text=True)
        assert answers_table(text, f"answers-{notice_id}") == expected
