"""An account changes its own password; a manager resets a colleague's password and second
factor, who then chooses their own; staff read routing reasons written for them."""

import re

import pytest
from conftest import PASSWORD, login, new_case
from security_helpers import code_for, enrol, log_in, running
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry, Kind, User
from feedback.staff import accounts
from feedback.web import labels

NEW = "a fresh password of my own 2026"
TEMPORARY = "a temporary password 2026"
GENERIC_FAILURE = "用户名或密码不正确，或该账号无法登录。"


def entries(action):
    return db.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars().all()


def reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def change(client, secret, **typed):
    data = {
        "current": PASSWORD,
        "code": code_for(secret, steps_ahead=1),  # the login used this step's code
        "password": NEW,
        "again": NEW,
        **typed,
    }
    return client.post("/staff/password", data=data)


def test_an_account_changes_its_password_with_the_old_one_and_a_code(app, client, staff):
    manager = staff["court-manager"]
    secret = enrol(manager)
    elsewhere = app.test_client()
    assert log_in(elsewhere, manager, code_for(secret, steps_ahead=-1)).status_code == 302
    assert log_in(client, manager, code_for(secret)).status_code == 302

    done = change(client, secret)

    assert done.status_code == 302
    assert "密码已修改" in client.get(done.location).get_data(as_text=True)
    assert client.get("/inbox/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/inbox/").status_code == 302  # the other session has ended
    client.post("/staff/logout")
    assert GENERIC_FAILURE in log_in(client, manager).get_data(as_text=True)
    client.post("/staff/logout")
    assert (
        client.post(
            "/staff/login", data={"username": manager.username, "password": NEW}
        ).status_code
        == 200
    )  # the code is still asked
    assert [e.actor_name for e in entries(AuditAction.PASSWORD_CHANGED)] == ["court-manager"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"current": "not my password at all"}, "当前密码不正确。"),
        ({"code": "000000"}, "验证码不正确或已使用过。"),
        ({"password": "short", "again": "short"}, "至少需要 12 个字符"),
        ({"password": "1234567890123", "again": "1234567890123"}, "该密码太容易被猜到"),
        ({"again": "something else entirely"}, "两次输入的新密码不一致。"),
        ({"password": PASSWORD, "again": PASSWORD}, "新密码不能与当前密码相同。"),
    ],
)
def test_a_refused_change_says_why_in_chinese_and_changes_nothing(
    app, client, staff, typed, message
):
    manager = staff["court-manager"]
    secret = enrol(manager)
    log_in(client, manager, code_for(secret))
    before = manager.password_hash

    refused = change(client, secret, **typed)

    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert reload(manager).password_hash == before
    assert entries(AuditAction.PASSWORD_CHANGED) == []
    assert client.get("/inbox/").status_code == 200


def test_a_refused_code_is_not_spent(app, client, staff):
    manager = staff["court-manager"]
    secret = enrol(manager)
    log_in(client, manager, code_for(secret))
    assert change(client, secret, current="not my password at all").status_code == 400
    assert change(client, secret).status_code == 302  # the same code works once it is right


def test_an_account_without_a_second_factor_is_told_to_set_one_up_first(app, client, staff):
    clerk = staff["court"]
    login(client, clerk)
    page = client.get("/staff/password").get_data(as_text=True)
    assert "请先设置双重验证登录" in page and "/staff/two-factor" in page
    before = clerk.password_hash
    refused = client.post(
        "/staff/password",
        data={"current": PASSWORD, "code": "123456", "password": NEW, "again": NEW},
    )
    assert refused.status_code == 400
    assert reload(clerk).password_hash == before


def test_wrong_current_passwords_lock_the_change_as_failed_logins_do(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, ACCOUNT_LOGIN_LIMITS="2 per hour")
    with running(app):
        client = app.test_client()
        manager = db.session.execute(
            select(User).where(User.username == "court-manager")
        ).scalar_one()
        secret = enrol(manager)
        log_in(client, manager, code_for(secret))
        for _ in range(2):
            assert change(client, secret, current="not my password at all").status_code == 400
        locked = change(client, secret)
        assert locked.status_code == 400 and "尝试失败次数过多" in locked.get_data(as_text=True)
        assert reload(manager).password_hash == manager.password_hash


def test_a_manager_resets_a_clerk_who_then_chooses_their_own_password(app, client, staff):
    clerk, manager = staff["court"], staff["court-manager"]
    clerk_secret = enrol(clerk)
    clerks_browser = app.test_client()
    assert log_in(clerks_browser, clerk, code_for(clerk_secret)).status_code == 302
    login(client, manager)

    page = client.get(f"/inbox/accounts/{clerk.id}/reset").get_data(as_text=True)
    assert "重置 court-staff 的登录" in page and "审计日志" in page
    done = client.post(f"/inbox/accounts/{clerk.id}/reset", data={"password": TEMPORARY})

    assert done.status_code == 302
    assert "court-staff 已设置新密码" in client.get(done.location).get_data(as_text=True)
    clerk = reload(clerk)
    assert clerk.must_change_password and not clerk.has_two_factor
    assert clerks_browser.get("/inbox/").status_code == 302  # signed out everywhere
    logged = {(e.action, e.detail, e.body_id) for e in entries(AuditAction.PASSWORD_RESET)} | {
        (e.action, e.detail, e.body_id) for e in entries(AuditAction.TWO_FACTOR_RESET)
    }
    assert logged == {
        (AuditAction.PASSWORD_RESET, "court-staff", clerk.body_id),
        (AuditAction.TWO_FACTOR_RESET, "court-staff", clerk.body_id),
    }

    # The old password no longer opens the account; the temporary one opens only the password page.
    fresh = app.test_client()
    assert GENERIC_FAILURE in log_in(fresh, clerk).get_data(as_text=True)
    signed = fresh.post("/staff/login", data={"username": "court-staff", "password": TEMPORARY})
    assert signed.status_code == 302
    for path in ("/inbox/", f"/inbox/cases/{new_case()[0].id}", "/inbox/export"):
        sent = fresh.get(path)
        assert sent.status_code == 302 and sent.location == "/staff/password", path
    page = fresh.get("/staff/password").get_data(as_text=True)
    assert "您的密码是由他人设置的" in page and "请先设置双重验证登录" in page
    secret = _enrol_on_the_page(fresh)
    assert fresh.get("/inbox/").location == "/staff/password"
    chosen = fresh.post(
        "/staff/password",
        data={"current": TEMPORARY, "code": code_for(secret, 1), "password": NEW, "again": NEW},
    )
    assert chosen.status_code == 302
    assert fresh.get("/inbox/").status_code == 200
    assert not reload(clerk).must_change_password


def _enrol_on_the_page(client):
    page = client.get("/staff/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([^<]+)<', page)[1].replace(" ", "")
    assert client.post("/staff/two-factor", data={"code": code_for(secret)}).status_code == 200
    return secret


@pytest.mark.parametrize(
    ("who", "whom", "status"),
    [
        ("discipline-manager", "court", 404),  # another body's account
        ("court-manager", "court-manager", 404),  # their own: the password page is for that
        ("court-manager", "admin", 404),  # the administrator belongs to no body
        ("court", "court-manager", 403),  # a clerk is no manager
        ("admin", "court", 403),  # the administrator's reset waits for approval elsewhere
    ],
)
def test_a_reset_outside_a_managers_own_body_is_refused_and_changes_nothing(
    app, client, staff, who, whom, status
):
    target = staff[whom]
    before = (target.password_hash, target.session_token)
    login(client, staff[who])
    path = f"/inbox/accounts/{target.id}/reset"
    assert client.get(path).status_code == status
    assert client.post(path, data={"password": TEMPORARY}).status_code == status
    target = reload(target)
    assert (target.password_hash, target.session_token) == before
    assert not target.must_change_password
    assert entries(AuditAction.PASSWORD_RESET) == []


def test_a_weak_temporary_password_is_refused_in_chinese(app, client, staff):
    clerk = staff["court"]
    before = clerk.password_hash
    login(client, staff["court-manager"])
    refused = client.post(
        f"/inbox/accounts/{clerk.id}/reset", data={"password": "court-staff-2026"}
    )
    assert refused.status_code == 400 and "该密码太容易被猜到" in refused.get_data(as_text=True)
    assert reload(clerk).password_hash == before and not reload(clerk).must_change_password


def test_a_password_the_administrator_set_is_replaced_at_next_login_once_approved(
    app, client, staff
):
    clerk = staff["court"]
    asked = accounts.reset_password(db.session, staff["admin"], clerk, TEMPORARY)
    db.session.commit()
    assert not reload(clerk).must_change_password  # nothing changes before the approval
    accounts.approve(db.session, staff["court-manager"], asked.request.id)
    db.session.commit()
    assert reload(clerk).must_change_password
    assert (
        client.post(
            "/staff/login", data={"username": "court-staff", "password": TEMPORARY}
        ).status_code
        == 302
    )
    assert client.get("/inbox/").location == "/staff/password"


@pytest.mark.parametrize(
    ("kind", "chosen", "staff_reason"),
    [
        (Kind.OPINION, "court", "受理机关由群众自行选择。"),
        (Kind.REPORT, "court", "按回避规则，改由派驻纪检监察组受理。"),
        (Kind.OPINION, "unsure", "群众未确定受理机关；按规则，意见建议"),
    ],
)
def test_staff_read_the_routing_reason_written_for_staff(
    app, client, staff, kind, chosen, staff_reason
):
    case, _code = new_case(kind=kind, chosen=chosen)
    login(client, staff[case.body.slug])
    page = client.get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    reason = re.search(r"<dt>分办理由</dt>\s*<dd>([^<]*)</dd>", page)[1]
    assert staff_reason in reason and "您" not in reason  # not the words the citizen read


def test_every_routing_reason_has_a_staff_wording():
    assert set(labels.ROUTING_REASON_STAFF) == set(labels.ROUTING_REASON)
