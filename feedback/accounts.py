"""Staff accounts: creation with the rules every account obeys, and password checks."""

from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from feedback.models import Body, Role, User

MIN_PASSWORD_LENGTH = 12


class AccountError(Exception):
    """An account that may not be created as asked."""


def exists(session: Session, username: str) -> bool:
    return session.execute(select(User.id).where(User.username == username)).first() is not None


def create(
    session: Session, username: str, password: str, role: Role, body_slug: str | None
) -> User:
    """Create an account: the admin belongs to no body, everyone else to exactly one."""
    if exists(session, username):
        raise AccountError(_l("The user %(name)s exists already.", name=username))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
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
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)  # take as long as for a real account
        return None
    return user if check_password_hash(user.password_hash, password) else None


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a real password")
