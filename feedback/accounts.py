"""Staff accounts: creation with the rules every account obeys, and password checks."""

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from feedback import two_factor
from feedback.models import Body, Role, User

MIN_PASSWORD_LENGTH = 12
MIN_DISTINCT_CHARACTERS = 5
# werkzeug's default: scrypt (N=2^15, r=8, p=1). Older hashes are replaced at the next login.
HASH_METHOD_PREFIX = "scrypt:"


class AccountError(Exception):
    """An account that may not be created as asked."""


def find(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def exists(session: Session, username: str) -> bool:
    return session.execute(select(User.id).where(User.username == username)).first() is not None


def create(
    session: Session, username: str, password: str, role: Role, body_slug: str | None
) -> User:
    """Create an account: the admin belongs to no body, everyone else to exactly one."""
    if exists(session, username):
        raise AccountError(_l("The user %(name)s exists already.", name=username))
    check_password(password, username)
    body = None
    if role is Role.ADMIN:
        if body_slug:
            raise AccountError(_l("The administrator belongs to no body."))
    else:
        if not body_slug:
            raise AccountError(_l("Staff and managers belong to a body: give --body."))
        body = session.execute(select(Body).where(Body.slug == body_slug)).scalar_one_or_none()
        if body is None:
            raise AccountError(_l("There is no body called %(slug)s.", slug=body_slug))
    user = User(
        username=username, password_hash=generate_password_hash(password), role=role, body=body
    )
    session.add(user)
    session.flush()
    return user


def check_password(password: str, username: str = "") -> None:
    """Refuse a password that is short, common, made of few characters or holds the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    lowered = password.lower()
    stem = lowered.strip("0123456789!@#$%^&*()_+-=.,;:?~ ")
    if (
        not stem
        or lowered in common_passwords()
        or stem in common_passwords()
        or len(set(lowered)) < MIN_DISTINCT_CHARACTERS
        or (len(username) >= 3 and username.lower() in lowered)
    ):
        raise AccountError(
            _l(
                "This password is too easy to guess: it is a common password, only digits, "
                "repeats a few characters or contains the username. Choose another."
            )
        )


@cache
def common_passwords() -> frozenset[str]:
    """The most common passwords (feedback/data/common-passwords.txt), lower case."""
    text = files("feedback").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate or reactivate an account: the admin any, a manager their body's, not their own."""
    within_reach = actor.role is Role.ADMIN or (actor.is_manager and user.body_id == actor.body_id)
    if not within_reach:
        raise LookupError(user.id)
    if user.id == actor.id:
        raise AccountError(_l("You cannot deactivate or reactivate your own account."))
    user.active = active


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active account these credentials open, or None; the caller says no more."""
    return sign_in(session, username, password, "").user


@dataclass(frozen=True)
class SignIn:
    """The outcome of a login attempt. `account` is the account named, even when it failed."""

    account: User | None
    user: User | None = None  # set when the attempt succeeded
    failure: str = ""  # for the audit log: password, inactive, second factor, unknown
    factor: two_factor.Factor | None = None
    must_enrol: bool = False  # the password was right; the role needs a second factor first


def sign_in(session: Session, username: str, password: str, code: str) -> SignIn:
    """Check a username, password and (if the account has one) second-factor code.

    An account whose role needs a second factor and has none yet gets `must_enrol`: it may do
    nothing but enrol. Otherwise every failure looks the same to the caller's visitor.
    """
    account = find(session, username)
    if account is None:
        check_password_hash(_dummy_hash(), password)  # take as long as for a real account
        return SignIn(None, failure="unknown")
    if not check_password_hash(account.password_hash, password):
        return SignIn(account, failure="password")
    if not account.active:
        return SignIn(account, failure="inactive")
    if not account.password_hash.startswith(HASH_METHOD_PREFIX):
        account.password_hash = generate_password_hash(password)
    if account.has_two_factor:
        factor = two_factor.verify(session, account, code)
        if factor is None:
            return SignIn(account, failure="second factor")
        return SignIn(account, user=account, factor=factor)
    if two_factor.required(account):
        return SignIn(account, user=account, must_enrol=True)
    return SignIn(account, user=account)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a real password")
