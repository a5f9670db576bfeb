"""Keys: SECRET_KEY rotates (DEPLOY.md) without losing tracking codes or second factors, which
are keyed from DATA_KEY; sealed secrets are authenticated; data from before DATA_KEY still works."""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterator

import pytest
from conftest import PASSWORD, new_case
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from public_helpers import receipt, valid_form
from security_helpers import code_for
from sqlalchemy import delete, select

from feedback import create_app
from feedback.config import ConfigurationError
from feedback.extensions import db
from feedback.models import RecoveryCode, User
from feedback.staff import two_factor

KEY_A = secrets.token_hex(32)
KEY_B = secrets.token_hex(32)
GENERIC_FAILURE = "用户名或密码不正确，或该账号无法登录。"


@pytest.fixture
def deployed(monkeypatch, database_url) -> Iterator[Callable[..., Flask]]:
    """Start the service as /etc/feedback.env would: keys from the environment, CSRF on."""
    made: list[Flask] = []

    def start(**environment: str) -> Flask:
        for name in ("FEEDBACK_ENV", "SECRET_KEY", "DATA_KEY", "SECRET_KEY_FALLBACKS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "RATELIMIT_ENABLED": False,
                "TOTP_REQUIRED_ROLES": ("manager", "admin"),
            }
        )
        made.append(app)
        return app

    yield start
    for app in made:
        with app.app_context():
            db.engine.dispose()


def token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def log_in(client: FlaskClient, code: str) -> int:
    data = {"username": "court-manager", "password": PASSWORD, "code": code}
    response = client.post(
        "/staff/login", data={**data, "csrf_token": token(client, "/staff/login")}
    )
    return response.status_code


def track(client: FlaskClient, reference: str, code: str) -> str:
    data = {"reference": reference, "code": code, "csrf_token": token(client, "/track")}
    return client.post("/track", data=data).get_data(as_text=True)


def browser(app: Flask, cookie: str) -> FlaskClient:
    """A client of `app` holding a session cookie that another app set, as a browser would."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def signed_in(app: Flask, cookie: str) -> bool:
    return browser(app, cookie).get("/inbox/").status_code == 200


def test_rotating_secret_key_as_deploy_md_says_keeps_codes_and_second_factors(deployed):
    # Before: the service has run with SECRET_KEY alone, which keyed everything.
    before = deployed(SECRET_KEY=KEY_A)
    citizen = before.test_client()
    reference, code = receipt(
        citizen.post("/submit", data=valid_form(csrf_token=token(citizen, "/submit")))
    )
    half_written = token(citizen, "/submit")  # a form still open while the key changes
    citizen_cookie = citizen.get_cookie("session").value
    with before.app_context():
        manager = db.session.execute(select(User).where(User.username == "court-manager"))
        secret, recovery = two_factor.enrol_now(db.session, manager.scalar_one())
        db.session.commit()
    staff = before.test_client()
    assert log_in(staff, code_for(secret, -1)) == 302
    signed_with_a = staff.get_cookie("session").value

    # Steps 1 and 2: DATA_KEY pinned to the old key; the new SECRET_KEY, the old one as fallback.
    rotating = deployed(SECRET_KEY=KEY_B, SECRET_KEY_FALLBACKS=KEY_A, DATA_KEY=KEY_A)
    assert signed_in(rotating, signed_with_a)
    sent = browser(rotating, citizen_cookie).post(
        "/submit", data=valid_form(subject="轮换期间提交", csrf_token=half_written)
    )
    assert sent.status_code == 200 and receipt(sent)
    assert "关于便民工作的意见" in track(rotating.test_client(), reference, code)
    staff = rotating.test_client()
    assert log_in(staff, code_for(secret)) == 302
    signed_with_b = staff.get_cookie("session").value

    # Step 3: the fallback removed. Sessions signed with the old key end; nothing else does.
    after = deployed(SECRET_KEY=KEY_B, DATA_KEY=KEY_A)
    assert not signed_in(after, signed_with_a)
    assert signed_in(after, signed_with_b)
    assert "关于便民工作的意见" in track(after.test_client(), reference, code)
    assert log_in(after.test_client(), code_for(secret, 1)) == 302
    assert log_in(after.test_client(), recovery[0]) == 302


def test_rotating_without_pinning_data_key_stops_the_service(deployed):
    with pytest.raises(ConfigurationError, match="DATA_KEY"):
        deployed(SECRET_KEY=KEY_B, SECRET_KEY_FALLBACKS=KEY_A)


def test_a_second_factor_copied_to_another_account_does_not_log_it_in(client, staff):
    secret, _codes = two_factor.enrol_now(db.session, staff["court-manager"])
    two_factor.enrol_now(db.session, staff["discipline-manager"])
    staff["discipline-manager"].totp_secret = staff["court-manager"].totp_secret
    db.session.commit()
    data = {"username": "discipline-manager", "password": PASSWORD, "code": code_for(secret)}
    response = client.post("/staff/login", data=data)
    assert response.status_code == 200 and GENERIC_FAILURE in response.get_data(as_text=True)
    assert client.get("/inbox/").status_code == 302


# The release before DATA_KEY keyed everything with SECRET_KEY (here the tests' key); this is
# how it hashed codes and read sealed secrets.
OLD_KEY = "test secret key, not for production"
BEFORE_DATA_KEY = "d4e9a2b6c8f1"


def old_hash(label: bytes, text: str) -> str:
    key = hashlib.sha256(label + OLD_KEY.encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def old_unseal(sealed: str) -> str:
    nonce_hex, _, data_hex = sealed.partition(":")
    key = hashlib.sha256(b"totp-secret:" + OLD_KEY.encode()).digest()
    pad = hmac.new(key, bytes.fromhex(nonce_hex), hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(bytes.fromhex(data_hex), pad, strict=False)).decode()


def test_codes_and_second_factors_from_before_data_key_work_after_the_upgrade(
    app_factory, database_url
):
    """Hashes made the old way are still checked; sealed secrets go down to the old form and up
    again to AES-GCM through the migration."""
    app = app_factory(TOTP_REQUIRED_ROLES=("manager", "admin"))
    with app.app_context():
        case, code = new_case()
        case.tracking_hash = old_hash(b"tracking-code:", code)
        manager = db.session.execute(
            select(User).where(User.username == "court-manager")
        ).scalar_one()
        secret, _codes = two_factor.enrol_now(db.session, manager)
        recovery = "ABCDE-12345"
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == manager.id))
        db.session.add(
            RecoveryCode(
                user_id=manager.id,
                code_hash=old_hash(b"recovery-code:", f"{manager.id}:ABCDE12345"),
            )
        )
        reference, manager_id = case.reference, manager.id
        db.session.commit()
        db.session.remove()  # objects stay loaded after a commit: read what the migrations write
        directory = app.extensions["migrate"].directory
        downgrade(directory=directory, revision=BEFORE_DATA_KEY)
        # Only the column read: the downgraded table lacks columns the model has since gained.
        sealed = db.session.scalar(select(User.totp_secret).where(User.id == manager_id))
        assert old_unseal(sealed) == secret
        db.session.remove()  # on SQLite, the session's transaction would hold the write lock
        upgrade(directory=directory, revision="heads")
        assert ":" not in db.session.get(User, manager_id).totp_secret
        db.session.remove()

    client = app.test_client()
    found = client.post("/track", data={"reference": reference, "code": code})
    assert "关于整改落实的意见" in found.get_data(as_text=True)
    for factor in (code_for(secret), recovery.lower()):
        data = {"username": "court-manager", "password": PASSWORD, "code": factor}
        assert app.test_client().post("/staff/login", data=data).status_code == 302
