"""Staff accounts: two-factor login, password rules, throttling, idle timeout, session cookies."""

import hashlib
import re
import time

import pytest
from conftest import PASSWORD, IsolatedClient, login
from security_helpers import code_for, enrol, log_in, running
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry, Role, User
from feedback.staff import accounts, totp
from feedback.staff import sessions as auth_session

GENERIC_FAILURE = "用户名或密码不正确，或该账号无法登录。"
REQUIRED = ("manager", "admin")


def entries(action):
    return db.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars().all()


@pytest.mark.parametrize(
    ("digest", "key", "vectors"),
    [
        (
            hashlib.sha1,
            b"12345678901234567890",
            {
                59: "94287082",
                1111111109: "07081804",
                1234567890: "89005924",
                20000000000: "65353130",
            },
        ),
        (
            hashlib.sha256,
            b"12345678901234567890123456789012",
            {59: "46119246", 1111111111: "67062674", 2000000000: "90698825"},
        ),
        (
            hashlib.sha512,
            b"1234567890123456789012345678901234567890123456789012345678901234",
            {59: "90693936", 1234567890: "93441116", 20000000000: "47863826"},
        ),
    ],
)
def test_codes_match_the_test_vectors_of_rfc_6238(digest, key, vectors):
    for when, expected in vectors.items():
        assert totp.hotp(key, when // 30, digits=8, digest=digest) == expected


def test_a_code_of_the_next_or_previous_step_is_accepted_but_no_further():
    secret = totp.new_secret()
    now = 1_800_000_000
    for steps, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        code = totp.code_at(secret, now + steps * 30)
        assert (totp.matching_step(secret, code, now) is not None) is accepted, steps
    assert totp.matching_step(secret, "12345", now) is None
    assert totp.matching_step(secret, "abcdef", now) is None


def test_the_secret_is_not_in_the_database_in_clear(app, staff):
    secret = enrol(staff["court-manager"])
    db.session.expire_all()
    stored = db.session.get(User, staff["court-manager"].id).totp_secret
    assert secret not in stored and secret.lower() not in stored


def test_a_manager_without_a_second_factor_must_set_one_up_before_anything_else(app_factory):
    with running(app_factory(TOTP_REQUIRED_ROLES=REQUIRED)) as app:
        client = app.test_client()
        manager = db.session.execute(
            select(User).where(User.username == "court-manager")
        ).scalar_one()
        response = log_in(client, manager)
        assert response.status_code == 302 and response.location.startswith("/staff/login/enrol")
        assert client.get("/inbox/").status_code == 302  # not signed in yet
        page = client.get(response.location).get_data(as_text=True)
        assert "设置两步验证" in page and 'src="data:image/svg+xml' in page
        secret = re.search(r'id="totp-secret">([^<]+)<', page)[1].replace(" ", "")
        assert "otpauth://totp/" in page and f"secret={secret}" in page
        wrong = client.post(response.location, data={"code": "000000"})
        assert wrong.status_code == 400 and "验证码不正确" in wrong.get_data(as_text=True)
        # The same secret is offered again, not a new one.
        assert secret in client.get(response.location).get_data(as_text=True).replace(" ", "")
        done = client.post(response.location, data={"code": code_for(secret)})
        codes = re.findall(
            r'<li class="code">([0-9A-Z]{5}-[0-9A-Z]{5})</li>', done.get_data(as_text=True)
        )
        assert done.status_code == 200 and len(codes) == 10
        assert client.get("/inbox/").status_code == 200
        assert len(entries(AuditAction.TWO_FACTOR_ENROLLED)) == 1


def test_the_enrolment_page_is_only_for_an_account_that_gave_its_password(app_factory):
    with running(app_factory(TOTP_REQUIRED_ROLES=REQUIRED)) as app:
        client = app.test_client()
        response = client.get("/staff/login/enrol")
        assert response.status_code == 302 and response.location.startswith("/staff/login")


def test_an_enrolled_account_needs_its_code_and_every_failure_looks_the_same(client, staff):
    manager = staff["court-manager"]
    secret = enrol(manager)
    pages = []
    for code in ("", "123456", "not-a-code"):
        response = log_in(client, manager, code)
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True))
    wrong_password = client.post(
        "/staff/login", data={"username": manager.username, "password": "wrong" * 4, "code": ""}
    )
    pages.append(wrong_password.get_data(as_text=True))
    assert all(GENERIC_FAILURE in p for p in pages)
    assert client.get("/inbox/").status_code == 302
    assert log_in(client, manager, code_for(secret)).status_code == 302
    assert client.get("/inbox/").status_code == 200


def test_a_code_works_once(client, staff):
    manager = staff["court-manager"]
    secret = enrol(manager)
    code = code_for(secret)
    assert log_in(client, manager, code).status_code == 302
    client.post("/staff/logout")
    assert GENERIC_FAILURE in log_in(client, manager, code).get_data(as_text=True)


def test_a_recovery_code_works_once_and_is_recorded(client, staff):
    manager = staff["court-manager"]
    enrol(manager)
    from feedback.staff import two_factor

    codes = two_factor.new_recovery_codes(db.session, manager)
    db.session.commit()
    assert log_in(client, manager, codes[3].lower().replace("-", "")).status_code == 302
    client.post("/staff/logout")
    assert GENERIC_FAILURE in log_in(client, manager, codes[3]).get_data(as_text=True)
    assert len(entries(AuditAction.RECOVERY_CODE_USED)) == 1


def test_staff_may_set_up_a_second_factor_of_their_own_accord(client, staff):
    login(client, staff["court"])
    page = client.get("/staff/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([^<]+)<', page)[1].replace(" ", "")
    assert client.post("/staff/two-factor", data={"code": code_for(secret)}).status_code == 200
    assert "已开启两步验证" in client.get("/staff/two-factor").get_data(as_text=True)
    client.post("/staff/logout")
    assert log_in(client, staff["court"]).status_code == 200  # the password alone is not enough
    assert log_in(client, staff["court"], code_for(secret, 1)).status_code == 302


def test_the_admin_resets_a_lost_second_factor(client, staff):
    secret = enrol(staff["court-manager"])
    login(client, staff["admin"])
    response = client.post(f"/admin/accounts/{staff['court-manager'].id}/reset-two-factor")
    assert response.status_code == 302
    # The court has an active manager: the reset waits for a manager's approval (issue 13).
    db.session.expire_all()
    assert db.session.get(User, staff["court-manager"].id).has_two_factor
    client.post("/staff/logout")
    assert log_in(client, staff["court-manager"], code_for(secret)).status_code == 302
    request_id = re.search(r"/inbox/approvals/(\d+)/approve", client.get("/inbox/approvals").text)
    client.post(f"/inbox/approvals/{request_id[1]}/approve")
    db.session.expire_all()
    assert not db.session.get(User, staff["court-manager"].id).has_two_factor
    assert len(entries(AuditAction.TWO_FACTOR_RESET)) == 1


@pytest.mark.parametrize(
    "password",
    ["password1234", "iloveyou2026!", "aaaaaaaaaaaaaa", "123456789012345", "court-clerk-2026"],
)
def test_a_common_or_guessable_password_is_refused_beside_its_field(client, staff, password):
    login(client, staff["court-manager"])
    response = client.post(
        "/inbox/accounts", data={"username": "court-clerk", "password": password, "role": "staff"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="password-error">[^<]*太容易被猜到', html)
    assert not accounts.exists(db.session, "court-clerk")


def test_the_command_line_refuses_a_common_password_too(runner):
    result = runner.invoke(
        args=["feedback", "create-user", "--body", "court", "--username", "li", "--role", "staff"],
        input="qwertyuiop123\n",
    )
    assert result.exit_code != 0 and not accounts.exists(db.session, "li")


def test_an_old_password_hash_is_replaced_by_scrypt_at_login(client, staff):
    staff["court"].password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256")
    db.session.commit()
    login(client, staff["court"])
    db.session.expire_all()
    assert db.session.get(User, staff["court"].id).password_hash.startswith("scrypt:")


def test_failed_logins_lock_the_account_for_every_client_and_unknown_names_alike(app_factory):
    with running(
        app_factory(
            RATELIMIT_ENABLED=True, LOGIN_LIMITS="100 per hour", ACCOUNT_LOGIN_LIMITS="3 per hour"
        )
    ) as app:
        for username in ("court-staff", "nobody-at-all"):
            attacker = app.test_client()
            for _ in range(3):
                response = attacker.post(
                    "/staff/login", data={"username": username, "password": "wrong password!"}
                )
                assert GENERIC_FAILURE in response.get_data(as_text=True)
            other_client = app.test_client()
            locked = other_client.post(
                "/staff/login",
                data={"username": username, "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "198.51.100.9"},
            )
            assert locked.status_code == 429, username
            assert "尝试失败次数过多" in locked.get_data(as_text=True)
        assert entries(AuditAction.LOGIN_FAILED)[-1].detail == "unknown"
        # Another account is not affected.
        ok = app.test_client().post(
            "/staff/login", data={"username": "court-manager", "password": PASSWORD}
        )
        assert ok.status_code == 302


def test_logins_per_client_are_limited(app_factory):
    with running(app_factory(RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per hour")) as app:
        client = app.test_client()
        for name in ("a-one", "b-two", "c-three"):
            client.post("/staff/login", data={"username": name, "password": "wrong password!"})
        response = client.post(
            "/staff/login", data={"username": "court-staff", "password": PASSWORD}
        )
        assert response.status_code == 429


def test_a_session_idle_for_thirty_minutes_is_ended(client, staff, monkeypatch):
    login(client, staff["court"])
    start = time.time()
    monkeypatch.setattr(auth_session.time, "time", lambda: start + 29 * 60)
    assert client.get("/inbox/").status_code == 200  # activity keeps it alive
    monkeypatch.setattr(auth_session.time, "time", lambda: start + 29 * 60 + 31 * 60)
    response = client.get("/inbox/")
    assert response.status_code == 302 and response.location.startswith("/staff/login")
    assert "分钟未操作" in client.get(response.location).get_data(as_text=True)


def test_the_session_cookie_is_httponly_lax_secure_over_https_and_holds_no_client_hash(app, staff):
    app.test_client_class = IsolatedClient
    for base, secure in (("http://localhost", False), ("https://localhost", True)):
        client = app.test_client()
        response = client.post(
            "/staff/login",
            data={"username": "court-staff", "password": PASSWORD},
            base_url=base,
        )
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure
        with client.session_transaction(base_url=base) as session:
            assert "_id" not in session  # Flask-Login's hash of address and user agent
            assert session["_user_id"].startswith(f"{staff['court'].id}:")


def test_roles_that_need_a_second_factor_are_configurable(app_factory):
    with running(app_factory(TOTP_REQUIRED_ROLES=("staff",))) as app:
        client = app.test_client()
        staff_member = (
            db.session.execute(select(User).where(User.role == Role.STAFF)).scalars().first()
        )
        assert log_in(client, staff_member).location.startswith("/staff/login/enrol")
