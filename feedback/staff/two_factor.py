"""Two-factor sign-in: enrolment with a TOTP app, checking a code, recovery codes, a reset.

The TOTP secret is stored sealed (AES-GCM, bound to its account) with a key derived from
DATA_KEY; recovery codes are stored only as keyed hashes and each works once. A code already
used (its time step) is refused. Every function flushes; the caller commits.
"""

import secrets
import time
from enum import StrEnum

from cryptography.exceptions import InvalidTag
from flask import current_app
from sqlalchemy import delete, select

from feedback.cases.receipts import ALPHABET
from feedback.extensions import DbSession
from feedback.models import AuditAction, RecoveryCode, User, utcnow
from feedback.staff import audit, totp
from feedback.storage import keys

RECOVERY_CODES = 10
RECOVERY_GROUP = 5  # xxxxx-xxxxx: 50 random bits


class Factor(StrEnum):
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


def required(user: User) -> bool:
    """Tell whether the account's role must use a second factor (TOTP_REQUIRED_ROLES)."""
    return user.role.value in current_app.config["TOTP_REQUIRED_ROLES"]


def pending_secret(user: User) -> str:
    """The secret being enrolled: made and stored (sealed) the first time, then the same."""
    if user.has_two_factor:
        raise ValueError("two-factor login is already set up")
    if user.totp_secret is None:
        user.totp_secret = _seal(user, totp.new_secret())
    return _secret(user)


def confirm(session: DbSession, user: User, code: str) -> list[str] | None:
    """Finish enrolment with a first code from the app; return the new recovery codes, or None."""
    if user.has_two_factor or user.totp_secret is None:
        return None
    found = totp.matching_step(_secret(user), code)
    if found is None:
        return None
    user.totp_enabled_at = utcnow()
    user.totp_last_step = found
    return new_recovery_codes(session, user)


def verify(session: DbSession, user: User, code: str) -> Factor | None:
    """Check a TOTP code (once per time step) or an unused recovery code, and spend it."""
    if not user.has_two_factor or user.totp_secret is None:
        return None
    try:
        secret = _secret(user)
    except InvalidTag:
        current_app.logger.error(
            "The two-factor secret of account %d does not open: it was altered or copied from "
            "another account, or DATA_KEY is not the key it was sealed with.",
            user.id,
        )
        return None
    found = totp.matching_step(secret, code)
    if found is not None:
        if user.totp_last_step is not None and found <= user.totp_last_step:
            return None  # replayed, or older than one already used
        user.totp_last_step = found
        return Factor.TOTP
    typed = _text(user, code)
    for stored in session.execute(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalars():
        if keys.hash_matches(keys.Purpose.RECOVERY_CODE, typed, stored.code_hash):
            stored.used_at = utcnow()
            session.flush()
            return Factor.RECOVERY_CODE
    return None


def new_recovery_codes(session: DbSession, user: User) -> list[str]:
    """Replace the account's recovery codes with fresh ones; shown once, kept as hashes."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    session.add_all(
        RecoveryCode(
            user_id=user.id,
            code_hash=keys.keyed_hash(keys.Purpose.RECOVERY_CODE, _text(user, code)),
        )
        for code in codes
    )
    session.flush()
    return codes


def replace_recovery_codes(session: DbSession, user: User) -> list[str]:
    """Give the account fresh recovery codes in place of its old ones, and record that."""
    codes = new_recovery_codes(session, user)
    audit.record(session, user, AuditAction.RECOVERY_CODES_NEW)
    return codes


def unused_codes(session: DbSession, user: User) -> int:
    return len(
        session.execute(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def reset(session: DbSession, user: User) -> None:
    """Forget the account's second factor (a lost phone); it enrols again at the next login."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()


def enrol_now(session: DbSession, user: User) -> tuple[str, list[str]]:
    """Set up two-factor login at once, for the command line; return the secret and codes."""
    secret = totp.new_secret()
    user.totp_secret = _seal(user, secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    return secret, new_recovery_codes(session, user)


def current_code(user: User) -> str:
    """The code the account's app shows now (for the development command demo-code)."""
    if user.totp_secret is None:
        raise ValueError("no two-factor secret")
    return totp.code_at(_secret(user), time.time())


def normalise(code: str) -> str:
    """Recovery codes are read back as typed: any case, with or without the dash or spaces."""
    return code.upper().translate(str.maketrans("OIL", "011", " -\t"))


def _new_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(2 * RECOVERY_GROUP))
    return f"{symbols[:RECOVERY_GROUP]}-{symbols[RECOVERY_GROUP:]}"


def _text(user: User, code: str) -> str:
    """What a recovery code's hash is made of: the account as well, so a hash moved is no use."""
    return f"{user.id}:{normalise(code)}"


def _seal(user: User, secret: str) -> str:
    return keys.seal(keys.Purpose.TWO_FACTOR_SECRET, secret, _bound_to(user))


def _secret(user: User) -> str:
    assert user.totp_secret is not None
    return keys.unseal(keys.Purpose.TWO_FACTOR_SECRET, user.totp_secret, _bound_to(user))


def _bound_to(user: User) -> str:
    """The sealed secret opens only in its own account's row."""
    return f"user:{user.id}"
