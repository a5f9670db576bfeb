"""Who may change an account in a body at once, and the requests everyone else makes.

The administrator manages accounts but must not, alone, come to read a case. So a change that
opens a way to an account in a body (create, reactivate, reset a password or a second factor,
move into the body) is made at once only by an active manager of that body. Asked by anyone
else — the administrator on the web, the server's operator on the command line — it becomes a
request that one of the body's active managers approves or rejects, shown to them on every page
of their inbox. A body with no active manager has nobody to ask (a new body, say): the change is
made at once, written to the body's audit log as made without approval, and shown to each of
its managers, once there is one, until they acknowledge it.

The account operations (feedback.staff.accounts) ask `route` and call `ask` or `made_unapproved`;
every function here writes its audit entry and flushes; the caller commits.
"""

from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from feedback.extensions import DbSession
from feedback.models import (
    AccountRequest,
    Acknowledgement,
    AuditAction,
    Body,
    RequestKind,
    RequestState,
    Role,
    User,
    utcnow,
)
from feedback.staff import audit

Actor = User | None  # None: the command line, run by the server's operator


class Route(StrEnum):
    DIRECT = "direct"  # a manager within their own body, or an account of no body
    ASK = "ask"  # the body's active managers decide
    UNAPPROVED = "unapproved"  # the body has no active manager: made at once, and shown


def route(session: DbSession, by: Actor, body: Body | None) -> Route:
    """Tell how a change by `by` to an account in `body` (or moving into it) may be made."""
    if body is None:  # the administrator's accounts, which read no case
        return Route.DIRECT
    if by is not None and by.is_manager and by.active and by.body_id == body.id:
        return Route.DIRECT
    return Route.ASK if has_active_manager(session, body.id) else Route.UNAPPROVED


def has_active_manager(session: DbSession, body_id: int) -> bool:
    found = session.execute(
        sa.select(User.id).where(
            User.body_id == body_id, User.role == Role.MANAGER, User.active.is_(True)
        )
    ).first()
    return found is not None


def _new(
    session: DbSession,
    by: Actor,
    kind: RequestKind,
    state: RequestState,
    account: User,
    body: Body,
    **extra: object,
) -> AccountRequest:
    request = AccountRequest(
        at=utcnow(),
        kind=kind,
        state=state,
        account=account,
        username=account.username,
        body=body,
        requested_by_id=by.id if by is not None else None,
        requested_by_name=by.username if by is not None else "",
        **extra,
    )
    session.add(request)
    session.flush()
    return request


def ask(
    session: DbSession,
    by: Actor,
    kind: RequestKind,
    account: User,
    body: Body,
    *,
    from_body: Body | None = None,
    password_hash: str | None = None,
) -> AccountRequest:
    """Ask the body's managers for a change; nothing about the account changes yet."""
    request = _new(
        session,
        by,
        kind,
        RequestState.PENDING,
        account,
        body,
        from_body=from_body,
        password_hash=password_hash,
    )
    audit.record(session, by, AuditAction.CHANGE_REQUESTED, body=body, detail=detail(request))
    return request


def made_unapproved(
    session: DbSession, by: Actor, kind: RequestKind, account: User, body: Body
) -> AccountRequest:
    """Keep a change made without approval, for the body's log and each of its managers."""
    request = _new(session, by, kind, RequestState.UNAPPROVED, account, body, decided_at=utcnow())
    audit.record(session, by, AuditAction.CHANGE_UNAPPROVED, body=body, detail=detail(request))
    return request


def detail(request: AccountRequest) -> str:
    """The audit entry's detail: the request's number, kind and account (labels.audit_detail)."""
    return f"#{request.id} {request.kind.value} {request.username}"


def pending(session: DbSession, account: User) -> list[AccountRequest]:
    return list(
        session.execute(
            sa.select(AccountRequest).where(
                AccountRequest.account_id == account.id,
                AccountRequest.state == RequestState.PENDING,
            )
        ).scalars()
    )


def decide(request: AccountRequest, manager: User, state: RequestState) -> None:
    """Close a pending request; a new password's hash is not kept once decided."""
    request.state = state
    request.decided_by_id = manager.id
    request.decided_by_name = manager.username
    request.decided_at = utcnow()
    request.password_hash = None


def for_manager(session: DbSession, manager: User, request_id: int) -> AccountRequest | None:
    """A request of the manager's body, or None (unknown, or another body's)."""
    if not manager.is_manager or manager.body_id is None:
        return None
    return session.execute(
        sa.select(AccountRequest)
        .options(joinedload(AccountRequest.account))
        .where(AccountRequest.id == request_id, AccountRequest.body_id == manager.body_id)
    ).scalar_one_or_none()


def _unacknowledged(manager: User) -> sa.ColumnElement[bool]:
    seen = sa.exists().where(
        Acknowledgement.request_id == AccountRequest.id, Acknowledgement.user_id == manager.id
    )
    return sa.and_(
        AccountRequest.body_id == manager.body_id,
        AccountRequest.state == RequestState.UNAPPROVED,
        ~seen,
    )


def _waiting(manager: User) -> sa.ColumnElement[bool]:
    return sa.and_(
        AccountRequest.body_id == manager.body_id, AccountRequest.state == RequestState.PENDING
    )


@dataclass(frozen=True)
class Waiting:
    """What a manager's banner shows: requests to decide, and changes made without approval."""

    pending: int
    unapproved: int

    def __bool__(self) -> bool:
        return bool(self.pending or self.unapproved)


def waiting(session: DbSession, manager: User) -> Waiting:
    """Count, in one query, what waits for the manager (nothing for anyone else)."""
    if not manager.is_manager or manager.body_id is None:
        return Waiting(0, 0)
    count = sa.func.count(AccountRequest.id)
    row = session.execute(
        sa.select(count.filter(_waiting(manager)), count.filter(_unacknowledged(manager))).where(
            AccountRequest.body_id == manager.body_id
        )
    ).one()
    return Waiting(row[0], row[1])


@dataclass(frozen=True)
class Overview:
    pending: list[AccountRequest]
    unapproved: list[AccountRequest]  # not yet acknowledged by this manager
    decided: list[AccountRequest]  # the latest decisions and unapproved changes


def overview(session: DbSession, manager: User, history: int = 50) -> Overview:
    """The approvals page of a manager's body."""

    def listed(
        where: sa.ColumnElement[bool], newest_first: bool, limit: int | None = None
    ) -> list[AccountRequest]:
        order = AccountRequest.id.desc() if newest_first else AccountRequest.id
        query = sa.select(AccountRequest).options(
            joinedload(AccountRequest.from_body), joinedload(AccountRequest.body)
        )
        return list(session.execute(query.where(where).order_by(order).limit(limit)).scalars())

    return Overview(
        pending=listed(_waiting(manager), newest_first=False),
        unapproved=listed(_unacknowledged(manager), newest_first=False),
        decided=listed(
            sa.and_(
                AccountRequest.body_id == manager.body_id,
                AccountRequest.state != RequestState.PENDING,
            ),
            newest_first=True,
            limit=history,
        ),
    )


def acknowledge(session: DbSession, manager: User, up_to: int) -> int:
    """Note that the manager has seen the unapproved changes up to `up_to`; return how many."""
    ids = list(
        session.execute(
            sa.select(AccountRequest.id).where(_unacknowledged(manager), AccountRequest.id <= up_to)
        ).scalars()
    )
    session.add_all(Acknowledgement(request_id=i, user_id=manager.id, at=utcnow()) for i in ids)
    if ids:
        audit.record(session, manager, AuditAction.UNAPPROVED_SEEN, detail=str(len(ids)))
    session.flush()
    return len(ids)


def pending_by_account(session: DbSession) -> dict[int, list[AccountRequest]]:
    """Every waiting request, by account, for the administrator's list of accounts."""
    found: dict[int, list[AccountRequest]] = {}
    for request in session.execute(
        sa.select(AccountRequest)
        .options(joinedload(AccountRequest.body))
        .where(AccountRequest.state == RequestState.PENDING)
        .order_by(AccountRequest.id)
    ).scalars():
        if request.account_id is not None:
            found.setdefault(request.account_id, []).append(request)
    return found
