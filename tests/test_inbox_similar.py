"""Near copies and campaigns (同一诉求), as a clerk of the court meets them: forty copies of one
complaint are listed on a case page with their similarity, linked into a group, answered with
one reply that each citizen reads with their own code; never across bodies or notices."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import PASSWORD, IsolatedClient, new_case
from page_forms import form_on
from sqlalchemy import func, select
from test_inbox_steps import Desk
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from feedback.cases import operations
from feedback.extensions import db
from feedback.models import (
    AuditAction,
    AuditEntry,
    Case,
    CaseBand,
    CaseGroup,
    Event,
    EventKind,
    Kind,
    Status,
    User,
)

COMPLAINT = (
    "诉讼服务大厅门前的停车场自整改通报发布以来一直被施工围挡占用，前来办事的群众只能把车停在"
    "路边，经常被贴罚单。通报中说便民设施已经整改到位，但实际情况并没有改变。恳请法院协调有关"
    "部门尽快恢复停车场，或者在附近另行安排临时停车位，方便群众办事。"
)
SUBJECT = "诉讼服务大厅停车难问题"
GREETINGS = ("", "尊敬的领导：", "您好！", "法院领导：")
CLOSINGS = ("", "恳请尽快处理！", "望予以重视。", "谢谢！", "盼复。")
UNRELATED = (
    "网上立案系统在上传证据材料时总是提示上传失败，电话咨询后被告知系统正在升级，但一直没有恢复。"
)


def copy(number: int) -> str:
    """The complaint as one of its senders wrote it: own greeting and closing, a character left
    out here or there, full-width or half-width punctuation."""
    text = COMPLAINT
    for at in (number * 7 % len(text), number * 13 % len(text))[: number % 3]:
        text = text[:at] + text[at + 1 :]
    if number % 4 == 1:
        text = text.replace("，", ",")
    return GREETINGS[number % len(GREETINGS)] + text + CLOSINGS[number % len(CLOSINGS)]


def campaign(count: int) -> list[tuple[Case, str]]:
    return [new_case(Kind.COMPLAINT, subject=SUBJECT, content=copy(n)) for n in range(count)]


@pytest.fixture
def desk(app_factory: Any) -> Iterator[Desk]:
    app = app_factory(WTF_CSRF_ENABLED=True)
    app.test_client_class = IsolatedClient
    with app.app_context():
        desk = Desk(app.test_client())
        desk.get("/staff/login")
        signed_in = desk.send("", {"username": "court-staff", "password": PASSWORD})
        assert signed_in.status_code == 302
        yield desk
        db.session.remove()


def listed(html: str) -> dict[str, int]:
    """The near copies the page lists: reference → similarity in percent."""
    section = html.split('id="near-copies"', 1)[1].split("</section>", 1)[0]
    return {
        reference: int(percent)
        for percent, reference in re.findall(
            r"相似度 (\d+)%.*?<span class=\"code\">(\d{4}-\d{2}-\d{6})</span>", section, re.S
        )
    }


def link(desk: Desk, case: Case, ids: list[int]) -> TestResponse:
    """Tick these cases in the near copies form of the case page and send it."""
    action = f"/inbox/cases/{case.id}/group"
    form = form_on(desk.html, action)
    sent = [(k, v) for k, v in form.values if k != "group-cases"]
    sent += [("group-cases", str(i)) for i in ids]
    response = desk.client.post(action, data=MultiDict(sent))
    if response.status_code != 302:
        desk.html = response.get_data(as_text=True)
    return response


def clerk() -> User:
    return db.session.execute(select(User).where(User.username == "court-staff")).scalar_one()


def audited(case: Case, detail: str) -> int:
    return db.session.execute(
        select(func.count()).where(
            AuditEntry.case_id == case.id,
            AuditEntry.action == AuditAction.CASE_STEP,
            AuditEntry.detail == detail,
        )
    ).scalar_one()


def test_the_forty_copies_are_listed_with_their_similarity_and_nothing_else(desk):
    copies = campaign(40)
    unrelated, _ = new_case(Kind.COMPLAINT, subject="网上立案系统故障", content=UNRELATED)
    elsewhere, _ = new_case(Kind.COMPLAINT, chosen="discipline", subject=SUBJECT, content=copy(3))
    no_notice, _ = new_case(Kind.COMPLAINT, item_code=None, subject=SUBJECT, content=copy(5))
    assert elsewhere.body.slug != "court" and no_notice.body.slug == "court"
    first = copies[0][0]

    assert desk.get(f"/inbox/cases/{first.id}").status_code == 200
    shown = listed(desk.html)

    assert set(shown) == {case.reference for case, _ in copies[1:]}
    assert all(80 <= percent < 100 for percent in shown.values()), shown
    assert list(shown.values()) == sorted(shown.values(), reverse=True)  # most similar first
    for other in (unrelated, elsewhere, no_notice):
        assert other.reference not in desk.html
    assert desk.get(f"/inbox/cases/{unrelated.id}").status_code == 200
    assert listed(desk.html) == {}
    assert "没有内容几乎相同的未办结件" in desk.html


def test_closed_and_declined_cases_drop_out_of_the_near_copies(desk):
    copies = [case for case, _ in campaign(4)]
    operations.accept(db.session, copies[1], clerk())
    operations.close(db.session, copies[1], clerk(), "经核实，停车场已恢复使用。")
    operations.decline(db.session, copies[2], clerk(), "该事项已经处理完毕，且无新的事实和理由。")
    db.session.commit()

    desk.get(f"/inbox/cases/{copies[0].id}")

    assert set(listed(desk.html)) == {copies[3].reference}
    stored = select(func.count()).where(CaseBand.case_id.in_([copies[1].id, copies[2].id]))
    assert db.session.execute(stored).scalar_one() == 0


def test_a_group_is_answered_once_and_each_citizen_reads_the_reply(desk, app_factory):
    sent = campaign(3)
    cases = [case for case, _ in sent]
    operations.accept(db.session, cases[1], clerk())  # one accepted already, two waiting
    db.session.commit()
    desk.get(f"/inbox/cases/{cases[0].id}")

    assert link(desk, cases[0], [cases[1].id, cases[2].id]).status_code == 302
    desk.get(f"/inbox/cases/{cases[0].id}")
    assert "同一诉求" in desk.html and "3 件" in desk.html
    db.session.expire_all()
    assert len({c.group_id for c in cases}) == 1 and cases[0].group_id is not None
    for case in cases:
        kinds = [e.kind for e in case.events]
        assert EventKind.GROUPED in kinds and audited(case, "group") == 1

    reply = "经协调，停车场已于本周恢复开放，并增设临时停车位。"
    action = f"/inbox/cases/{cases[0].id}/group/close"
    shown = desk.send(action, {"group_close-reply": reply})
    assert shown.status_code == 200 and "尚未执行任何操作" in desk.html
    assert all(c.reference in desk.html for c in cases) and reply in desk.html
    db.session.expire_all()
    assert all(c.status is not Status.CLOSED for c in cases)  # nothing done before confirming

    done = desk.send(action, button=("group_close-confirmed", "yes"))
    assert done.status_code == 302
    db.session.expire_all()
    for case in cases:
        assert case.status is Status.CLOSED and case.reply == reply
        closed = [e for e in case.events if e.kind is EventKind.CLOSED]
        assert len(closed) == 1 and closed[0].text == reply and closed[0].public
        assert EventKind.ACCEPTED in [e.kind for e in case.events]
        assert audited(case, "group_close") == 1

    citizen = app_factory().test_client()
    for case, code in sent:
        page = citizen.post("/track", data={"reference": case.reference, "code": code})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and reply in html and case.reference in html
        assert "同一诉求" not in html  # the grouping is the staff's, not the citizen's


def test_a_group_that_would_cross_bodies_or_notices_is_refused_and_changes_nothing(desk):
    mine = [case for case, _ in campaign(2)]
    elsewhere, _ = new_case(Kind.COMPLAINT, chosen="discipline", subject=SUBJECT, content=copy(1))
    no_notice, _ = new_case(Kind.COMPLAINT, item_code=None, subject=SUBJECT, content=copy(2))
    desk.get(f"/inbox/cases/{mine[0].id}")

    for intruder in (elsewhere, no_notice):
        refused = link(desk, mine[0], [mine[1].id, intruder.id])
        assert refused.status_code == 409
        assert "同一组只能包含同一机构、同一通报的案件，未作任何关联" in desk.html
    assert db.session.execute(select(func.count()).select_from(CaseGroup)).scalar_one() == 0
    grouped = select(func.count()).where(Event.kind == EventKind.GROUPED)
    assert db.session.execute(grouped).scalar_one() == 0
    db.session.expire_all()
    assert all(c.group_id is None for c in (*mine, elsewhere, no_notice))


def test_a_case_taken_out_of_its_group_leaves_it_and_a_group_of_one_dissolves(desk):
    cases = [case for case, _ in campaign(3)]
    desk.get(f"/inbox/cases/{cases[0].id}")
    assert link(desk, cases[0], [cases[1].id, cases[2].id]).status_code == 302

    desk.get(f"/inbox/cases/{cases[2].id}")
    assert desk.send(f"/inbox/cases/{cases[2].id}/ungroup").status_code == 302
    db.session.expire_all()
    assert cases[2].group_id is None and cases[0].group_id == cases[1].group_id is not None
    assert audited(cases[2], "ungroup") == 1
    desk.get(f"/inbox/cases/{cases[0].id}")
    assert "2 件" in desk.html

    desk.get(f"/inbox/cases/{cases[1].id}")
    assert desk.send(f"/inbox/cases/{cases[1].id}/ungroup").status_code == 302
    db.session.expire_all()
    assert cases[0].group_id is None and cases[1].group_id is None
    assert db.session.execute(select(func.count()).select_from(CaseGroup)).scalar_one() == 0
    desk.get(f"/inbox/cases/{cases[0].id}")
    assert 'id="group"' not in desk.html
    assert set(listed(desk.html)) == {cases[1].reference, cases[2].reference}


def test_a_group_reply_left_empty_says_so_at_the_top_and_closes_nothing(desk):
    cases = [case for case, _ in campaign(2)]
    desk.get(f"/inbox/cases/{cases[0].id}")
    assert link(desk, cases[0], [cases[1].id]).status_code == 302
    desk.get(f"/inbox/cases/{cases[0].id}")

    refused = desk.send(f"/inbox/cases/{cases[0].id}/group/close", {"group_close-reply": "  "})

    assert refused.status_code == 400 and "操作未完成" in desk.html
    assert 'id="group_close-reply"' in desk.html and "autofocus" in desk.html
    db.session.expire_all()
    assert all(c.status is Status.RECEIVED for c in cases)


def test_one_button_links_every_near_copy_listed(desk):
    cases = [case for case, _ in campaign(40)]
    unrelated, _ = new_case(Kind.COMPLAINT, subject="网上立案系统故障", content=UNRELATED)
    desk.get(f"/inbox/cases/{cases[0].id}")
    assert "将列出的 39 件全部与本件关联" in desk.html

    done = desk.send(f"/inbox/cases/{cases[0].id}/group", button=("group-every", "yes"))

    assert done.status_code == 302
    db.session.expire_all()
    assert len({c.group_id for c in cases}) == 1 and cases[0].group_id is not None
    assert unrelated.group_id is None
    desk.get(f"/inbox/cases/{cases[0].id}")
    assert "同一诉求组：共 40 件" in desk.html and listed(desk.html) == {}


def test_linking_with_nothing_ticked_says_so_and_links_nothing(desk):
    cases = [case for case, _ in campaign(2)]
    desk.get(f"/inbox/cases/{cases[0].id}")

    refused = link(desk, cases[0], [])

    assert refused.status_code == 400 and "请至少勾选一件相似件。" in desk.html
    assert db.session.execute(select(func.count()).select_from(CaseGroup)).scalar_one() == 0
