"""A case page and every step on it, through HTTP as staff use them."""

import re
from datetime import timedelta

from conftest import PASSWORD, body, login, new_case

from feedback.cases import operations
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import EventKind, Kind, Status

IRREVERSIBLE = ("decline", "transfer", "close")


def page_of(client, case):
    response = client.get(f"/inbox/cases/{case.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def step(client, case, name, **fields):
    """Post one step's form (its fields carry the step's prefix); a step that cannot be undone is
    sent as its confirmation page sends it, confirmed, unless `confirmed` says otherwise."""
    if name in IRREVERSIBLE:
        fields.setdefault("confirmed", "yes")
    data = {f"{name}-{key}": value for key, value in fields.items()}
    return client.post(f"/inbox/cases/{case.id}/{name}", data=data)


def last_event(case):
    db.session.refresh(case)
    return case.events[-1]


def followed(client, response):
    assert response.status_code == 302
    return client.get(response.location).get_data(as_text=True)


def test_the_case_page_shows_what_the_citizen_sent_and_where_it_went(client, staff):
    case, _ = new_case(
        kind=Kind.REPORT, chosen="court", subject="反映某法官问题", content="第一行\n第二行"
    )
    login(client, staff["discipline"])
    page = page_of(client, case)
    assert case.reference in page and "待受理" in page and "检举控告" in page
    assert "一.1.(1)" in page and case.item.title in page
    chosen = re.search(r"<dt>群众选择的机关</dt>\s*<dd>(.*?)</dd>", page)[1]
    held = re.search(r"<dt>现承办机关</dt>\s*<dd>(.*?)</dd>", page)[1]
    assert chosen == "五峰土家族自治县人民法院" and held == "县纪委监委派出第五纪检监察组"
    assert "按回避规则，改由派驻纪检监察组受理" in page  # the routing reason, for staff
    assert '<div class="panel text case-content">第一行\n第二行</div>' in page
    assert "办理期限" in page and "已超期" not in page


def test_accept_records_who_did_it(client, staff):
    case, _ = new_case()
    login(client, staff["court"])
    page = followed(client, step(client, case, "accept"))
    assert "已受理。" in page and "已受理" in page
    event = last_event(case)
    assert case.status is Status.ACCEPTED
    assert event.kind is EventKind.ACCEPTED and event.actor == staff["court"]
    assert f'action="/inbox/cases/{case.id}/accept"' not in page  # no longer offered
    assert f'action="/inbox/cases/{case.id}/close"' in page


def test_declining_needs_a_reason_that_the_citizen_will_see(client, staff):
    case, _ = new_case()
    login(client, staff["court"])
    response = step(client, case, "decline", reason=" ")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="decline-reason-error">请填写此项。<', page)
    response = step(client, case, "decline", reason="太长" * 501)
    assert "请填写 2 至 1000 个字符。" in response.get_data(as_text=True)
    assert "太长太长" in response.get_data(as_text=True)  # what was typed is kept
    db.session.refresh(case)
    assert case.status is Status.RECEIVED and len(case.events) == 1
    page = followed(client, step(client, case, "decline", reason="不属于本院受理范围"))
    assert "已作不予受理处理，群众可以看到理由。" in page and "不属于本院受理范围" in page
    event = last_event(case)
    assert case.status is Status.DECLINED
    assert event.kind is EventKind.DECLINED and event.public and event.actor == staff["court"]
    assert event.text == "不属于本院受理范围"


def test_a_step_the_status_forbids_is_refused_with_the_rules_message(client, staff):
    case, _ = new_case()
    login(client, staff["court"])
    step(client, case, "decline", reason="不属于受理范围")
    response = step(client, case, "accept")
    assert response.status_code == 409
    assert "该件当前状态为“不予受理”，不能进行此操作。" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status is Status.DECLINED


def test_a_transfer_moves_the_case_to_the_other_inbox(client, staff):
    case, _ = new_case(subject="应由巡察办处理的件")
    login(client, staff["court"])
    operations.add_note(db.session, case, staff["court"], "法院内部意见：请尽快转办")
    db.session.commit()
    assert "法院内部意见" in page_of(client, case)
    response = step(
        client, case, "transfer", to_body=body("inspection").id, reason="属于巡察办职责"
    )
    assert response.location == "/inbox/"
    page = client.get("/inbox/").get_data(as_text=True)
    assert "已转办，此件已移出本收件箱。" in page and case.reference not in page
    assert client.get(f"/inbox/cases/{case.id}").status_code == 404
    event = last_event(case)
    assert event.kind is EventKind.TRANSFERRED and event.actor == staff["court"]
    assert event.to_body.slug == "inspection" and case.body.slug == "inspection"

    client.post("/staff/logout")
    login(client, staff["inspection"])
    assert case.reference in client.get("/inbox/").get_data(as_text=True)
    page = page_of(client, case)
    assert "属于巡察办职责" in page  # the public reason
    assert "法院内部意见" not in page  # the court's internal note stays with the court
    assert "待受理" in page


def test_a_report_can_never_be_transferred_to_the_court(client, staff):
    case, _ = new_case(kind=Kind.REPORT, chosen="discipline")
    login(client, staff["discipline"])
    page = page_of(client, case)
    options = re.search(r'<select id="transfer-to_body".*?</select>', page, re.S)[0]
    assert "县委巡察办" in options and "人民法院" not in options
    response = step(client, case, "transfer", to_body=body("court").id, reason="转给法院处理")
    assert response.status_code == 400
    assert "不是有效的选择" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.body.slug == "discipline" and len(case.events) == 1


def test_an_internal_note_is_marked_and_kept_within_the_body(client, staff):
    case, _ = new_case()
    login(client, staff["court"])
    assert step(client, case, "note", text="").status_code == 400
    page = followed(client, step(client, case, "note", text="先电话核实情况"))
    assert "内部备注已保存。" in page
    note = re.search(r'<li class="internal">.*?</li>', page, re.S)[0]
    assert "先电话核实情况" in note and "内部记录，群众不可见" in note
    event = last_event(case)
    assert event.kind is EventKind.NOTE and not event.public and event.actor == staff["court"]


def test_assigning_names_the_colleague(client, staff):
    case, _ = new_case()
    login(client, staff["court-manager"])
    page = page_of(client, case)
    options = re.search(r'<select id="assign-assignee".*?</select>', page, re.S)[0]
    assert "court-staff" in options and "inspection-staff" not in options
    response = step(client, case, "assign", assignee=staff["inspection"].id)
    assert response.status_code == 400
    page = followed(client, step(client, case, "assign", assignee=staff["court"].id))
    assert "已指派。" in page
    assert re.search(r"<dt>承办人</dt>\s*<dd>court-staff</dd>", page)
    event = last_event(case)
    assert event.kind is EventKind.ASSIGNED and event.actor == staff["court-manager"]
    assert case.assignee == staff["court"]


def test_the_time_limit_is_extended_once_only(client, staff):
    case, _ = new_case()
    login(client, staff["court"])
    assert f'action="/inbox/cases/{case.id}/extend"' not in page_of(client, case)
    step(client, case, "accept")
    response = step(client, case, "extend", days=31, reason="需要调取档案")
    assert response.status_code == 400
    assert "请填写 1 至 30 之间的天数。" in response.get_data(as_text=True)
    response = step(client, case, "extend", days="十", reason="需要调取档案")
    assert response.status_code == 400
    due = case.due_at
    page = followed(client, step(client, case, "extend", days=10, reason="需要调取档案"))
    assert "办理期限已延长。" in page and "（已延期 10 天）" in page
    assert f'action="/inbox/cases/{case.id}/extend"' not in page
    event = last_event(case)
    assert event.kind is EventKind.EXTENDED and event.actor == staff["court"]
    assert (case.due_at - due).days == 10
    response = step(client, case, "extend", days=5, reason="再延期")
    assert response.status_code == 409
    assert "该件办理期限已延长过一次，不能再次延长。" in response.get_data(as_text=True)


def test_reply_and_close(client, staff):
    case, _ = new_case()
    login(client, staff["court"])
    step(client, case, "accept")
    assert step(client, case, "close", reply="好").status_code == 400
    page = followed(client, step(client, case, "close", reply="经核实，已整改到位。"))
    assert "已答复并办结。" in page and "经核实，已整改到位。" in page and "已办结" in page
    event = last_event(case)
    assert case.status is Status.CLOSED
    assert event.kind is EventKind.CLOSED and event.public and event.actor == staff["court"]
    assert f'action="/inbox/cases/{case.id}/close"' not in page


def test_a_reply_with_a_nul_byte_is_refused_beside_its_field(client, staff):
    case, _ = new_case()
    login(client, staff["court"])
    step(client, case, "accept")
    response = step(client, case, "close", reply="经核实\x00已整改")
    assert response.status_code == 400
    assert re.search(
        r'id="close-reply-error">文字中含有不可见的控制字符，请删除后重试。<',
        response.get_data(as_text=True),
    )
    db.session.refresh(case)
    assert case.status is Status.ACCEPTED


def test_contact_details_stay_hidden_until_asked_for(client, staff):
    case, _ = new_case(contact=ContactDetails("李四", "13912345678", "lisi@example.com"))
    login(client, staff["court"])
    page = page_of(client, case)
    assert "实名反映；联系方式已隐藏。" in page
    assert "13912345678" not in page and "李四" not in page
    assert client.get(f"/inbox/cases/{case.id}/contact").status_code == 405
    response = client.post(f"/inbox/cases/{case.id}/contact")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "李四" in page and "13912345678" in page and "lisi@example.com" in page
    assert "13912345678" not in page_of(client, case)  # hidden again on the next visit


def test_an_anonymous_case_has_no_contact_details_to_show(client, staff):
    case, _ = new_case(contact=None)
    login(client, staff["court"])
    page = page_of(client, case)
    assert "匿名反映，没有联系方式。" in page and "查看联系方式" not in page
    page = client.post(f"/inbox/cases/{case.id}/contact").get_data(as_text=True)
    assert "匿名反映，没有联系方式。" in page


def test_an_overdue_case_is_marked_on_its_page(client, staff):
    case, _ = new_case()
    case.due_at = case.received_at - timedelta(days=1)
    db.session.commit()
    login(client, staff["court"])
    assert '<span class="badge overdue">已超期</span>' in page_of(client, case)


def test_the_step_forms_carry_their_csrf_tokens(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        case, _ = new_case(contact=ContactDetails("王五", "13700000000", ""))
        case_id = case.id
        db.session.remove()
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    client.post(
        "/staff/login",
        data={"username": "court-staff", "password": PASSWORD, "csrf_token": token(page)},
    )
    page = client.get(f"/inbox/cases/{case_id}").get_data(as_text=True)
    assert client.post(f"/inbox/cases/{case_id}/contact").status_code == 400
    revealed = client.post(f"/inbox/cases/{case_id}/contact", data={"csrf_token": token(page)})
    assert "13700000000" in revealed.get_data(as_text=True)
    assert client.post(f"/inbox/cases/{case_id}/accept").status_code == 400
    response = client.post(
        f"/inbox/cases/{case_id}/accept",
        data={"accept-csrf_token": token(page, "accept-csrf_token")},
    )
    assert response.status_code == 302
    assert "已受理。" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def token(page, name="csrf_token"):
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', page)[1]
