"""Issue 13: the administrator cannot, alone, come to read a case.

Every way to an account in a body — create, reactivate, reset the password, reset the second
factor, move into the body — waits for the approval of an active manager of that body, on the
web as on the command line; a body with no active manager takes the change at once, and its log
and its managers are told.
"""

import re

import pytest
from conftest import PASSWORD, body, login, new_case
from security_helpers import code_for, enrol, log_in, running
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import (
    AccountRequest,
    AuditAction,
    AuditEntry,
    RequestKind,
    RequestState,
    Role,
    User,
)
from feedback.staff import accounts

NEW_PASSWORD = "a brand new passphrase 2026"
SENT = "申请已提交：须经五峰土家族自治县人民法院的负责人批准后才生效"
BANNER = "项由管理员提出的账号变更等待您批准"
UNAPPROVED_BANNER = "项账号变更未经负责人批准即在本机关生效"
NO_SUCH = "本机关没有这项申请。"


def account(username):
    db.session.expire_all()
    return db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def requests(state=None):
    db.session.expire_all()
    query = select(AccountRequest).order_by(AccountRequest.id)
    if state is not None:
        query = query.where(AccountRequest.state == state)
    return db.session.execute(query).scalars().all()


def actions(**where):
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id).filter_by(**where)
    return [(e.action, e.actor_name, e.detail) for e in db.session.execute(query).scalars()]


def can_log_in(client, username, password=PASSWORD):
    response = client.post("/staff/login", data={"username": username, "password": password})
    if response.status_code != 302:
        return False
    client.post("/staff/logout")
    return True


def as_manager_decide(client, manager, verb, request_id=None):
    """Log the manager in, see the banner, and approve or reject the (only) waiting request."""
    login(client, manager)
    page = client.get("/inbox/").text
    assert BANNER in page and 'href="/inbox/approvals"' in page
    approvals = client.get("/inbox/approvals").text
    if request_id is None:
        request_id = int(re.search(r"/inbox/approvals/(\d+)/approve", approvals)[1])
    response = client.post(f"/inbox/approvals/{request_id}/{verb}")
    assert response.status_code == 302, response.text
    client.post("/staff/logout")
    return request_id


def test_an_account_the_admin_creates_waits_for_a_manager_and_then_reads_cases(client, staff):
    case, _ = new_case(subject="只给法院看的意见")
    login(client, staff["admin"])
    form = {"username": "court-clerk", "password": PASSWORD, "role": "staff", "body": "court"}
    response = client.post("/admin/accounts", data=form)
    assert SENT in client.get(response.location).text
    assert "等待批准" in client.get("/admin/accounts").text
    client.post("/staff/logout")
    assert not account("court-clerk").active
    assert not can_log_in(client, "court-clerk")

    as_manager_decide(client, staff["court-manager"], "approve")
    assert account("court-clerk").active and requests()[-1].state is RequestState.APPROVED
    login(client, account("court-clerk"))
    assert "只给法院看的意见" in client.get("/inbox/").text
    assert client.get(f"/inbox/cases/{case.id}").status_code == 200


def test_a_rejected_account_is_gone(client, staff):
    login(client, staff["admin"])
    form = {"username": "court-clerk", "password": PASSWORD, "role": "manager", "body": "court"}
    client.post("/admin/accounts", data=form)
    client.post("/staff/logout")
    assert not can_log_in(client, "court-clerk")  # a failed login names the waiting account
    assert actions(action=AuditAction.LOGIN_FAILED)[-1] == (
        AuditAction.LOGIN_FAILED,
        "court-clerk",
        "inactive",
    )
    as_manager_decide(client, staff["court-manager"], "reject")
    assert account("court-clerk") is None
    assert actions(action=AuditAction.LOGIN_FAILED)[-1][1] == "court-clerk"  # the log keeps it
    assert not can_log_in(client, "court-clerk")
    rejected = requests()[-1]
    assert (rejected.state, rejected.username, rejected.decided_by_name) == (
        RequestState.REJECTED,
        "court-clerk",
        "court-manager",
    )


def test_reactivating_waits_for_a_manager(client, staff):
    login(client, staff["admin"])
    client.post(f"/admin/accounts/{staff['court'].id}/deactivate")  # made at once
    assert not account("court-staff").active
    response = client.post(f"/admin/accounts/{staff['court'].id}/reactivate")
    assert SENT in client.get(response.location).text
    again = client.post(f"/admin/accounts/{staff['court'].id}/reactivate")
    assert "court-staff 已有一项变更在等待" in client.get(again.location).text
    assert len(requests(RequestState.PENDING)) == 1
    client.post("/staff/logout")
    assert not can_log_in(client, "court-staff")
    as_manager_decide(client, staff["court-manager"], "approve")
    assert can_log_in(client, "court-staff")


def test_a_new_password_from_the_admin_works_only_once_approved(client, staff):
    login(client, staff["admin"])
    url = f"/admin/accounts/{staff['court'].id}"
    assert "court-staff" in client.get(url).text
    short = client.post(f"{url}/password", data={"password": "short"})
    assert short.status_code == 400 and "密码至少需要 12 个字符。" in short.text
    guessable = client.post(f"{url}/password", data={"password": "court-staff-2026"})
    assert guessable.status_code == 400 and "太容易被猜到" in guessable.text
    assert requests(RequestState.PENDING) == []
    response = client.post(f"{url}/password", data={"password": NEW_PASSWORD})
    assert SENT in client.get(response.location).text
    client.post("/staff/logout")
    assert requests()[-1].password_hash.startswith("scrypt:")
    assert can_log_in(client, "court-staff") and not can_log_in(client, "court-staff", NEW_PASSWORD)

    as_manager_decide(client, staff["court-manager"], "approve")
    assert can_log_in(client, "court-staff", NEW_PASSWORD) and not can_log_in(client, "court-staff")
    assert requests()[-1].password_hash is None  # not kept once decided


def test_the_command_line_resets_a_second_factor_only_with_a_managers_approval(app_factory):
    with running(app_factory()) as app:
        client = app.test_client()
        secret = enrol(account("court-staff"))
        result = app.test_cli_runner().invoke(
            args=["feedback", "reset-two-factor", "--username", "court-staff"]
        )
        assert result.exit_code == 0 and "request #" in result.output, result.output
        assert account("court-staff").has_two_factor
        assert log_in(client, account("court-staff")).status_code == 200  # still needs its code
        assert log_in(client, account("court-staff"), code_for(secret)).status_code == 302
        client.post("/staff/logout")
        as_manager_decide(client, account("court-manager"), "approve")
        assert not account("court-staff").has_two_factor
        assert actions(action=AuditAction.TWO_FACTOR_RESET) == [
            (AuditAction.TWO_FACTOR_RESET, "", "court-staff")
        ]


def test_the_command_line_creates_an_inactive_account_in_a_managed_body(runner, client, staff):
    result = runner.invoke(
        args=["feedback", "create-user", "--body", "court", "--username", "zhang"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0 and "inactive" in result.output, result.output
    assert not account("zhang").active
    assert not can_log_in(client, "zhang", "a long enough password")
    as_manager_decide(client, staff["court-manager"], "approve")
    assert can_log_in(client, "zhang", "a long enough password")


def test_moving_an_account_needs_the_destinations_manager(client, staff):
    login(client, staff["admin"])
    url = f"/admin/accounts/{staff['inspection'].id}"
    unknown = client.post(f"{url}/move", data={"body": "nowhere"})
    assert unknown.status_code == 400 and "不是有效的选择" in unknown.text
    response = client.post(f"{url}/move", data={"body": "court"})
    assert SENT in client.get(response.location).text
    client.post("/staff/logout")
    assert account("inspection-staff").body.slug == "inspection"
    request_id = requests(RequestState.PENDING)[0].id

    login(client, staff["inspection-manager"])  # the body it leaves does not decide
    refused = client.post(f"/inbox/approvals/{request_id}/approve")
    assert refused.status_code == 404 and NO_SUCH in refused.text
    client.post("/staff/logout")
    assert account("inspection-staff").body.slug == "inspection"

    as_manager_decide(client, staff["court-manager"], "approve", request_id)
    assert account("inspection-staff").body.slug == "court"
    moved = [e for e in actions(action=AuditAction.ACCOUNT_MOVED)]
    assert len(moved) == 2 and moved[0][2] == "inspection-staff: inspection → court"


def test_a_body_without_an_active_manager_is_told_what_was_done_unasked(client, staff):
    login(client, staff["admin"])
    client.post(f"/admin/accounts/{staff['discipline-manager'].id}/deactivate")
    form = {"username": "disc-new", "password": PASSWORD, "role": "manager", "body": "discipline"}
    response = client.post("/admin/accounts", data=form)
    page = client.get(response.location).text
    assert "目前没有在职的负责人可以批准" in page
    client.post("/staff/logout")
    assert account("disc-new").active  # nobody could be asked
    flagged = requests(RequestState.UNAPPROVED)[-1]
    assert (flagged.kind, flagged.username) == (RequestKind.CREATE, "disc-new")

    login(client, account("disc-new"))  # the first manager since is told, on every page
    for url in ("/inbox/", "/inbox/accounts", "/staff/two-factor"):
        assert UNAPPROVED_BANNER in client.get(url).text
    log = client.get("/inbox/audit").text
    assert 'class="unapproved"' in log and "未经负责人批准" in log and "disc-new" in log
    approvals = client.get("/inbox/approvals").text
    assert f'id="unapproved-{flagged.id}"' in approvals
    bad = client.post("/inbox/approvals/acknowledge", data={"up_to": "many"})
    assert bad.status_code == 400 and "请刷新页面后重试。" in bad.text
    assert UNAPPROVED_BANNER in client.get("/inbox/").text
    client.post("/inbox/approvals/acknowledge", data={"up_to": str(flagged.id)})
    assert UNAPPROVED_BANNER not in client.get("/inbox/").text

    # Now the body has a manager again: the admin's next change waits for them.
    client.post("/staff/logout")
    login(client, staff["admin"])
    response = client.post(f"/admin/accounts/{staff['discipline-manager'].id}/reactivate")
    assert "申请已提交" in client.get(response.location).text


def test_bad_decisions_are_explained_and_change_nothing(client, staff):
    login(client, staff["admin"])
    form = {"username": "court-clerk", "password": PASSWORD, "role": "staff", "body": "court"}
    client.post("/admin/accounts", data=form)
    client.post("/staff/logout")
    request_id = requests(RequestState.PENDING)[0].id

    login(client, staff["court"])  # staff who are not managers decide nothing
    assert client.post(f"/inbox/approvals/{request_id}/approve").status_code == 403
    assert client.get("/inbox/approvals").status_code == 403
    client.post("/staff/logout")
    assert not account("court-clerk").active

    login(client, staff["court-manager"])
    unknown = client.post("/inbox/approvals/999999/approve")
    assert unknown.status_code == 404 and NO_SUCH in unknown.text
    assert client.post(f"/inbox/approvals/{request_id}/approve").status_code == 302
    twice = client.post(f"/inbox/approvals/{request_id}/reject")
    assert twice.status_code == 409 and "这项申请已由 court-manager 处理过。" in twice.text
    assert account("court-clerk").active  # the second decision changed nothing
    assert [r.state for r in requests() if r.id == request_id] == [RequestState.APPROVED]


def test_deciding_needs_the_forms_token(app_factory):
    with running(app_factory(WTF_CSRF_ENABLED=True)) as app:
        client = app.test_client()
        change = accounts.create(
            db.session, account("admin"), "court-clerk", PASSWORD, Role.STAFF, "court"
        )
        db.session.commit()
        page = client.get("/staff/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        client.post(
            "/staff/login",
            data={"username": "court-manager", "password": PASSWORD, "csrf_token": token},
        )
        request_id = change.request.id
        forged = client.post(f"/inbox/approvals/{request_id}/approve")
        assert forged.status_code == 400
        assert not account("court-clerk").active
        page = client.get("/inbox/approvals").text
        form = re.search(
            rf'action="/inbox/approvals/{request_id}/approve">\s*<input[^>]*value="([^"]+)"', page
        )
        approved = client.post(
            f"/inbox/approvals/{request_id}/approve", data={"csrf_token": form[1]}
        )
        assert approved.status_code == 302 and account("court-clerk").active


def test_each_account_operation_writes_its_audit_entry(app, staff):
    admin, manager = staff["admin"], staff["court-manager"]
    court, inspection = body("court"), body("inspection")
    before = len(actions())
    made = accounts.create(db.session, manager, "court-clerk", PASSWORD, Role.STAFF, "court")
    clerk = made.account
    accounts.set_active(db.session, manager, clerk, False)
    accounts.set_active(db.session, manager, clerk, True)
    accounts.reset_password(db.session, manager, clerk, NEW_PASSWORD)
    accounts.reset_two_factor(db.session, manager, clerk)
    moving = accounts.move(db.session, admin, clerk, inspection)
    accounts.reject(db.session, staff["inspection-manager"], moving.request.id)
    asked = accounts.reset_password(db.session, admin, clerk, NEW_PASSWORD + "!")
    accounts.approve(db.session, manager, asked.request.id)
    db.session.commit()
    number = asked.request.id
    assert actions()[before:] == [
        (AuditAction.ACCOUNT_CREATED, "court-manager", "court-clerk (staff)"),
        (AuditAction.ACCOUNT_DEACTIVATED, "court-manager", "court-clerk"),
        (AuditAction.ACCOUNT_REACTIVATED, "court-manager", "court-clerk"),
        (AuditAction.PASSWORD_RESET, "court-manager", "court-clerk"),
        (AuditAction.TWO_FACTOR_RESET, "court-manager", "court-clerk"),
        (AuditAction.CHANGE_REQUESTED, "admin", f"#{moving.request.id} move court-clerk"),
        (
            AuditAction.CHANGE_REJECTED,
            "inspection-manager",
            f"#{moving.request.id} move court-clerk",
        ),
        (AuditAction.CHANGE_REQUESTED, "admin", f"#{number} reset_password court-clerk"),
        (AuditAction.PASSWORD_RESET, "admin", "court-clerk"),
        (AuditAction.CHANGE_APPROVED, "court-manager", f"#{number} reset_password court-clerk"),
    ]
    assert {e.body_id for e in db.session.scalars(select(AuditEntry))} >= {court.id, inspection.id}


def test_a_manager_acts_within_their_body_only_and_the_admins_accounts_need_no_one(app, staff):
    with pytest.raises(LookupError):
        accounts.create(
            db.session, staff["court-manager"], "x-clerk", PASSWORD, Role.STAFF, "inspection"
        )
    with pytest.raises(LookupError):
        accounts.move(db.session, staff["court-manager"], staff["court"], body("inspection"))
    second_admin = accounts.create(db.session, None, "admin2", PASSWORD, Role.ADMIN, None)
    assert second_admin.account.active and not second_admin.waiting


def test_a_manager_who_activates_a_waiting_account_has_approved_it(client, staff):
    login(client, staff["admin"])
    form = {"username": "court-clerk", "password": PASSWORD, "role": "staff", "body": "court"}
    client.post("/admin/accounts", data=form)
    client.post("/staff/logout")
    login(client, staff["court-manager"])
    assert "等待批准: 创建账号" in client.get("/inbox/accounts").text
    client.post(f"/inbox/accounts/{account('court-clerk').id}/reactivate")
    assert BANNER not in client.get("/inbox/").text
    assert account("court-clerk").active
    assert [(r.state, r.decided_by_name) for r in requests() if r.username == "court-clerk"] == [
        (RequestState.APPROVED, "court-manager")
    ]
