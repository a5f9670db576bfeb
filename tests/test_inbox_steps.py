"""Steps without mistakes: a failed step says so at the top and opens on its field; a step that
cannot be undone (decline, transfer, close) is confirmed on a page that says what will happen
and what the citizen will see. Forms are read off the pages and sent with their CSRF tokens."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import PASSWORD, IsolatedClient, body, new_case
from page_forms import form_on
from sqlalchemy import select
from werkzeug.test import TestResponse

from feedback.cases import operations
from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry, Case, EventKind, Status, User


class Desk:
    """A member of staff's browser: the page it shows, and its forms sent as a browser sends them."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.url = "/"
        self.html = ""

    def get(self, path: str) -> TestResponse:
        response = self.client.get(path)
        self.url = path
        self.html = response.get_data(as_text=True)
        return response

    def send(
        self,
        action: str,
        typed: dict[str, str] | None = None,
        button: tuple[str, str] | None = None,
    ) -> TestResponse:
        data = form_on(self.html, action).data(typed or {}, button)
        response = self.client.post(action or self.url, data=data)
        if response.status_code != 302:
            self.html = response.get_data(as_text=True)
        return response


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


def on_the_case(desk: Desk, accepted: bool = False) -> Case:
    case, _code = new_case()
    if accepted:
        staff = db.session.execute(select(User).where(User.username == "court-staff")).scalar_one()
        operations.accept(db.session, case, staff)
        db.session.commit()
    assert desk.get(f"/inbox/cases/{case.id}").status_code == 200
    return case


def steps_taken(case: Case) -> list[str | None]:
    taken = select(AuditEntry.detail).where(
        AuditEntry.case_id == case.id, AuditEntry.action == AuditAction.CASE_STEP
    )
    return list(db.session.execute(taken).scalars())


def autofocused(html: str) -> list[str]:
    """The ids of the controls the page focuses when it opens."""
    return re.findall(
        r'<(?:input|textarea|select|button)\b[^>]*\bautofocus\b[^>]*\bid="([^"]+)"', html
    )


def test_declining_is_confirmed_on_a_page_that_shows_what_the_citizen_will_read(desk):
    case = on_the_case(desk)
    action = f"/inbox/cases/{case.id}/decline"
    shown = desk.send(action, {"decline-reason": "不属于本院受理范围，请向县信访局反映。"})

    assert shown.status_code == 200
    assert f"确认：对 {case.reference} 号件不予受理" in desk.html
    assert "此件立即按不予受理办结，之后不能再受理。" in desk.html
    assert "群众可在 30 天内申请复查" in desk.html and "此操作无法撤销。" in desk.html
    citizen = desk.html.split("群众在查询页面将看到", 1)[1]
    assert '<strong class="status-word declined">不予受理</strong>' in citizen
    assert "不属于本院受理范围，请向县信访局反映。" in citizen
    db.session.refresh(case)
    assert case.status is Status.RECEIVED and len(case.events) == 1 and steps_taken(case) == []

    done = desk.send(action, button=("decline-confirmed", "yes"))
    assert done.status_code == 302
    db.session.refresh(case)
    assert case.status is Status.DECLINED
    assert case.events[-1].text == "不属于本院受理范围，请向县信访局反映。"
    assert steps_taken(case) == ["decline"]
    assert "已作不予受理处理，群众可以看到理由。" in desk.get(done.location).get_data(as_text=True)


def test_going_back_from_a_confirmation_keeps_the_text_and_opens_on_it(desk):
    case = on_the_case(desk, accepted=True)
    action = f"/inbox/cases/{case.id}/close"
    reply = "经核实，已于11月整改到位。\n附：整改台账。"
    desk.send(action, {"close-reply": reply})
    assert "确认答复并办结" in desk.html

    back = desk.send(action, button=("close-confirmed", "no"))
    assert back.status_code == 200
    assert re.search(
        r'<textarea[^>]*id="close-reply"[^>]*>\s*经核实，已于11月整改到位。\r?\n附：整改台账。</textarea>',
        desk.html,
    )
    assert autofocused(desk.html) == ["close-reply"]
    db.session.refresh(case)
    assert case.status is Status.ACCEPTED and steps_taken(case) == []

    # Sent again from the case page, the form asks for confirmation again: it is not taken.
    desk.send(action)
    assert "确认答复并办结" in desk.html
    db.session.refresh(case)
    assert case.status is Status.ACCEPTED


def test_a_transfer_is_confirmed_with_the_body_that_will_hold_the_case(desk):
    case = on_the_case(desk)
    inspection = body("inspection")
    action = f"/inbox/cases/{case.id}/transfer"
    desk.send(
        action, {"transfer-to_body": str(inspection.id), "transfer-reason": "属于巡察办职责。"}
    )

    days = inspection.accept_days
    assert f"此件将交给{inspection.name}，由其在 {days} 天内决定是否受理。" in desk.html
    assert "此件将移出本收件箱" in desk.html and "本单位的内部备注留在本单位" in desk.html
    citizen = desk.html.split("群众在查询页面将看到", 1)[1]
    assert f"已转{inspection.name}办理。" in citizen and "属于巡察办职责。" in citizen
    assert '<strong class="status-word received">待受理</strong>' in citizen
    db.session.refresh(case)
    assert case.body.slug == "court"

    assert desk.send(action, button=("transfer-confirmed", "yes")).location == "/inbox/"
    db.session.refresh(case)
    assert case.body.slug == "inspection"
    assert case.events[-1].kind is EventKind.TRANSFERRED


def test_closing_is_confirmed_with_the_reply_as_the_citizen_will_read_it(desk):
    case = on_the_case(desk, accepted=True)
    action = f"/inbox/cases/{case.id}/close"
    desk.send(action, {"close-reply": "经核实，已整改到位。"})
    citizen = desk.html.split("群众在查询页面将看到", 1)[1]
    assert '<strong class="status-word closed">已办结</strong>' in citizen
    assert "经核实，已整改到位。" in citizen
    assert "群众可以评价办理结果，并可追问一次。" in desk.html
    db.session.refresh(case)
    assert case.status is Status.ACCEPTED

    desk.send(action, button=("close-confirmed", "yes"))
    db.session.refresh(case)
    assert case.status is Status.CLOSED and case.reply == "经核实，已整改到位。"


def test_a_step_taken_meanwhile_by_a_colleague_is_not_taken_twice(desk):
    case = on_the_case(desk)
    action = f"/inbox/cases/{case.id}/decline"
    desk.send(action, {"decline-reason": "不属于本院受理范围。"})
    manager = db.session.execute(select(User).where(User.username == "court-manager")).scalar_one()
    operations.accept(db.session, case, manager)
    db.session.commit()

    refused = desk.send(action, button=("decline-confirmed", "yes"))
    assert refused.status_code == 409
    assert "该件当前状态为“已受理”，不能进行此操作。" in desk.html
    db.session.refresh(case)
    assert case.status is Status.ACCEPTED and steps_taken(case) == []


def test_a_failed_step_says_so_at_the_top_and_opens_on_its_field(desk):
    case = on_the_case(desk)
    refused = desk.send(f"/inbox/cases/{case.id}/decline", {"decline-reason": " "})

    assert refused.status_code == 400
    main = desk.html.split("<main>", 1)[1]
    banner = re.search(r'<div class="errorbox error-summary" role="alert".*?</div>', main, re.S)
    assert banner and main.index(banner[0]) < main.index("<h1")  # above the case itself
    assert "操作未完成" in banner[0]
    assert '<a href="#decline-reason">不予受理理由：请填写此项。</a>' in banner[0]
    assert autofocused(desk.html) == ["decline-reason"]
    db.session.refresh(case)
    assert case.status is Status.RECEIVED and len(case.events) == 1


def test_a_page_without_a_failed_step_has_no_banner_and_takes_no_focus(desk):
    on_the_case(desk)
    assert "error-summary" not in desk.html and autofocused(desk.html) == []


def test_the_irreversible_steps_look_unlike_the_others(desk):
    case = on_the_case(desk)

    def button_class(step: str) -> str:
        form = re.search(rf'action="/inbox/cases/{case.id}/{step}".*?</form>', desk.html, re.S)
        assert form
        return re.search(r'<button type="submit" class="([^"]+)"', form[0])[1]

    assert button_class("accept") == "primary"
    assert button_class("decline") == button_class("transfer") == "destructive"
    assert button_class("note") == "secondary"
