"""Staff accounts: every change to one, with the rules accounts obey, and signing in.

Each operation writes its own audit entry and flushes; the caller commits. Changes that open a
way to an account in a body follow the approval rule of feedback.staff.approvals: made by anyone but
that body's manager, they wait for a manager's approval (`Change.request`).
"""

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from feedback.extensions import DbSession
from feedback.models import (
    AccountRequest,
    AuditAction,
    Body,
    RequestKind,
    RequestState,
    Role,
    User,
)
from feedback.staff import approvals, audit, two_factor
from feedback.staff.approvals import Actor, Route

MIN_PASSWORD_LENGTH = 12
MIN_DISTINCT_CHARACTERS = 5
# werkzeug's default: scrypt (N=2^15, r=8, p=1). Older hashes are replaced at the next login.
HASH_METHOD_PREFIX = "scrypt:"


class AccountError(Exception):
    """A change to an account that may not be made as asked."""


class WrongCredentials(AccountError):
    """The password or second-factor code given to change a password is not right."""


@dataclass(frozen=True)
class Change:
    """What an account operation did: made the change, or asked a manager for it."""

    account: User | None
    request: AccountRequest | None = None  # waiting for a manager: nothing changed yet
    unapproved: bool = False  # made without approval: the body had no active manager

    @property
    def waiting(self) -> bool:
        return self.request is not None


def find(session: DbSession, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def exists(session: DbSession, username: str) -> bool:
    return session.execute(select(User.id).where(User.username == username)).first() is not None


def create(
    session: DbSession, by: Actor, username: str, password: str, role: Role, body_slug: str | None
) -> Change:
    """Create an account: the admin belongs to no body, everyone else to exactly one.

    Made by someone other than the body's manager, the account is created inactive and waits
    for a manager's approval (feedback.staff.approvals); it cannot log in until then.
    """
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
    _within_reach(by, body)
    way = approvals.route(session, by, body)
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        role=role,
        body=body,
        active=way is not Route.ASK,
    )
    session.add(user)
    session.flush()
    audit.record(session, by, AuditAction.ACCOUNT_CREATED, body=body, detail=f"{username} ({role})")
    if way is Route.DIRECT:
        return Change(user)
    assert body is not None  # route() makes an account of no body directly
    if way is Route.ASK:
        return Change(user, request=approvals.ask(session, by, RequestKind.CREATE, user, body))
    approvals.made_unapproved(session, by, RequestKind.CREATE, user, body)
    return Change(user, unapproved=True)


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


def set_active(session: DbSession, by: Actor, user: User, active: bool) -> Change:
    """Deactivate or reactivate an account: the admin any, a manager their body's, not their own.

    Deactivating is done at once; reactivating follows the approval rule (feedback.staff.approvals).
    """
    _within_reach(by, user.body)
    if by is not None and user.id == by.id:
        raise AccountError(_l("You cannot deactivate or reactivate your own account."))
    if not active:
        user.active = False
        audit.record(
            session, by, AuditAction.ACCOUNT_DEACTIVATED, body=user.body, detail=user.username
        )
        return Change(user)
    return _change(session, by, RequestKind.REACTIVATE, user, user.body)


def reset_password(session: DbSession, by: Actor, user: User, password: str) -> Change:
    """Give an account a new password; until a manager approves, the old one still works."""
    check_password(password, user.username)
    _within_reach(by, user.body)
    return _change(
        session,
        by,
        RequestKind.RESET_PASSWORD,
        user,
        user.body,
        password_hash=generate_password_hash(password),
    )


def reset_sign_in(session: DbSession, by: User, user: User, password: str) -> Change:
    """Give an account of the manager's body a new password and no second factor (a lost phone
    or password): its sessions end, and at its next login it sets up a second factor if its role
    needs one, then chooses its own password. Another manager of the body sees it in the log."""
    if user.body is None or approvals.route(session, by, user.body) is not Route.DIRECT:
        raise LookupError(user.id)  # only an active manager of the account's own body
    if user.id == by.id:
        raise AccountError(_l("Change your own password on the page “Password”."))
    check_password(password, user.username)
    _apply(
        session,
        by,
        RequestKind.RESET_PASSWORD,
        user,
        user.body,
        password_hash=generate_password_hash(password),
    )
    _apply(session, by, RequestKind.RESET_TWO_FACTOR, user, user.body)
    return Change(user)


def change_own_password(session: DbSession, user: User, old: str, code: str, new: str) -> None:
    """Replace the account's password, given the old one and a second-factor code.

    The account's other sessions end; the caller starts a new one for this browser. An account
    without a second factor sets one up first: a password alone must not be enough to change it.
    """
    if not user.has_two_factor:
        raise AccountError(_l("Set up two-factor login first: changing the password needs it."))
    check_password(new, user.username)
    if not check_password_hash(user.password_hash, old):
        raise WrongCredentials(_l("The current password is not right."))
    if check_password_hash(user.password_hash, new):
        raise AccountError(_l("The new password must differ from the current one."))
    factor = two_factor.verify(session, user, code)
    if factor is None:
        raise WrongCredentials(
            _l(
                "This code is not right, or was used already. Enter the six digits the app shows now."
            )
        )
    if factor is two_factor.Factor.RECOVERY_CODE:
        audit.record(session, user, AuditAction.RECOVERY_CODE_USED)
    user.password_hash = generate_password_hash(new)
    user.must_change_password = False
    user.rotate_session_token()
    audit.record(session, user, AuditAction.PASSWORD_CHANGED)


def reset_two_factor(session: DbSession, by: Actor, user: User) -> Change:
    """Forget an account's second factor (a lost phone): it sets one up at its next login."""
    _within_reach(by, user.body)
    return _change(session, by, RequestKind.RESET_TWO_FACTOR, user, user.body)


def move(session: DbSession, by: Actor, user: User, to: Body) -> Change:
    """Move an account to another body; the managers of the body it joins decide."""
    if by is not None and by.role is not Role.ADMIN:
        raise LookupError(user.id)
    if user.role is Role.ADMIN:
        raise AccountError(_l("The administrator belongs to no body."))
    if user.body_id == to.id:
        raise AccountError(_l("%(name)s belongs to this body already.", name=user.username))
    return _change(session, by, RequestKind.MOVE, user, to, from_body=user.body)


def approve(session: DbSession, manager: User, request_id: int) -> AccountRequest:
    """Make the change a request asks for, as an active manager of its body."""
    request = _open_request(session, manager, request_id)
    account = request.account
    assert account is not None  # _open_request saw to it
    _apply(
        session,
        request.requested_by,
        request.kind,
        account,
        request.body,
        password_hash=request.password_hash,
    )
    approvals.decide(request, manager, RequestState.APPROVED)
    audit.record(
        session,
        manager,
        AuditAction.CHANGE_APPROVED,
        body=request.body,
        detail=approvals.detail(request),
    )
    return request


def reject(session: DbSession, manager: User, request_id: int) -> AccountRequest:
    """Refuse a request: nothing changes, and an account created for it is deleted."""
    request = _open_request(session, manager, request_id)
    account = request.account
    approvals.decide(request, manager, RequestState.REJECTED)
    if request.kind is RequestKind.CREATE and account is not None:
        request.account = None
        session.flush()
        session.delete(account)
    audit.record(
        session,
        manager,
        AuditAction.CHANGE_REJECTED,
        body=request.body,
        detail=approvals.detail(request),
    )
    return request


def _open_request(session: DbSession, manager: User, request_id: int) -> AccountRequest:
    """A pending request of the manager's body whose account is still as it was asked."""
    request = approvals.for_manager(session, manager, request_id)
    if request is None:
        raise LookupError(request_id)
    if request.state is not RequestState.PENDING:
        raise AccountError(
            _l(
                "This request was decided already, by %(name)s.",
                name=request.decided_by_name or "—",
            )
        )
    account = request.account
    where = request.from_body_id if request.kind is RequestKind.MOVE else request.body_id
    if account is None or account.body_id != where:
        raise AccountError(
            _l("The account has changed since this request was made: reject it, and ask again.")
        )
    return request


def _change(
    session: DbSession,
    by: Actor,
    kind: RequestKind,
    user: User,
    body: Body | None,
    *,
    from_body: Body | None = None,
    password_hash: str | None = None,
) -> Change:
    """Make a change now, or ask the body's managers for it (feedback.staff.approvals)."""
    way = approvals.route(session, by, body)
    if way is Route.ASK:
        assert body is not None
        for waiting in approvals.pending(session, user):
            if waiting.kind in (kind, RequestKind.CREATE):
                raise AccountError(
                    _l(
                        "A change to %(name)s already waits for the approval of a manager of "
                        "%(body)s.",
                        name=user.username,
                        body=waiting.body.name,
                    )
                )
        request = approvals.ask(
            session, by, kind, user, body, from_body=from_body, password_hash=password_hash
        )
        return Change(user, request=request)
    _apply(session, by, kind, user, body, password_hash=password_hash)
    if way is Route.UNAPPROVED:
        assert body is not None
        approvals.made_unapproved(session, by, kind, user, body)
    elif by is not None and kind is RequestKind.REACTIVATE:
        # The body's manager activates the account: what waited for that is settled.
        for waiting in approvals.pending(session, user):
            if waiting.kind in (RequestKind.CREATE, RequestKind.REACTIVATE):
                approvals.decide(waiting, by, RequestState.APPROVED)
    return Change(user, unapproved=way is Route.UNAPPROVED)


def _apply(
    session: DbSession,
    by: Actor,
    kind: RequestKind,
    user: User,
    body: Body | None,
    *,
    password_hash: str | None = None,
) -> None:
    """Change the account as `kind` says, and write the change to the audit log."""
    name = user.username
    match kind:
        case RequestKind.CREATE | RequestKind.REACTIVATE:
            user.active = True
            if kind is RequestKind.REACTIVATE:
                audit.record(session, by, AuditAction.ACCOUNT_REACTIVATED, body=body, detail=name)
        case RequestKind.RESET_PASSWORD:
            assert password_hash is not None
            user.password_hash = password_hash
            user.must_change_password = True  # someone else knows it
            user.rotate_session_token()  # its sessions end
            audit.record(session, by, AuditAction.PASSWORD_RESET, body=body, detail=name)
        case RequestKind.RESET_TWO_FACTOR:
            two_factor.reset(session, user)
            audit.record(session, by, AuditAction.TWO_FACTOR_RESET, body=body, detail=name)
        case RequestKind.MOVE:
            assert body is not None
            left = user.body
            user.body = body
            user.rotate_session_token()
            moved = f"{name}: {left.slug if left else '—'} → {body.slug}"
            for log in (left, body) if left is not None else (body,):
                audit.record(session, by, AuditAction.ACCOUNT_MOVED, body=log, detail=moved)
    session.flush()


def _within_reach(by: Actor, body: Body | None) -> None:
    """Let the administrator and the command line act on any account, a manager on their body's."""
    if by is None or by.role is Role.ADMIN:
        return
    if by.is_manager and body is not None and by.body_id == body.id:
        return
    raise LookupError(body.id if body else None)


def authenticate(session: DbSession, username: str, password: str) -> User | None:
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


def sign_in(session: DbSession, username: str, password: str, code: str) -> SignIn:
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
