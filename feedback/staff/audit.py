"""The audit log: every case view, contact reveal, download, export, login, case step and notice change.

`record` is the only way in; nothing here or anywhere else changes or deletes an entry, and the
model refuses it. No entry holds an IP address or a user agent. A failed login names the account
only if the username exists: an unknown "username" is often a password typed in the wrong field.
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import joinedload

from feedback.extensions import DbSession
from feedback.models import AuditAction, AuditEntry, Body, Case, User, utcnow

# What the administrator reads: sign-ins and account changes, never anything about a case.
ACCOUNT_ACTIONS = frozenset(
    {
        AuditAction.LOGIN,
        AuditAction.LOGIN_FAILED,
        AuditAction.LOGOUT,
        AuditAction.ACCOUNT_CREATED,
        AuditAction.ACCOUNT_DEACTIVATED,
        AuditAction.ACCOUNT_REACTIVATED,
        AuditAction.TWO_FACTOR_ENROLLED,
        AuditAction.TWO_FACTOR_RESET,
        AuditAction.RECOVERY_CODE_USED,
        AuditAction.BODY_CHANGED,
        AuditAction.PASSWORD_CHANGED,
    }
)
# Also the administrator's: a notice's import, edits (which body plays which role), publication.
NOTICE_ACTIONS = frozenset(
    {
        AuditAction.NOTICE_IMPORTED,
        AuditAction.NOTICE_CHANGED,
        AuditAction.NOTICE_PUBLISHED,
        AuditAction.NOTICE_DISCARDED,
    }
)
_UNSET: Any = object()


def record(
    session: DbSession,
    actor: User | None,
    action: AuditAction,
    case: Case | None = None,
    body: Body | None = _UNSET,
    detail: str = "",
) -> AuditEntry:
    """Add an entry to the log of the case's body (or the actor's); the caller commits."""
    if body is _UNSET:
        body = case.body if case is not None else (actor.body if actor is not None else None)
    entry = AuditEntry(
        at=utcnow(),
        actor=actor,
        actor_name=actor.username if actor is not None else "",
        action=action,
        body_id=body.id if body is not None else None,
        case_id=case.id if case is not None else None,
        case_reference=case.reference if case is not None else "",
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class LogPage:
    entries: list[AuditEntry]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _page(session: DbSession, query: sa.Select[Any], number: int, size: int) -> LogPage:
    rows = list(
        session.execute(
            query.options(joinedload(AuditEntry.actor), joinedload(AuditEntry.body))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset((number - 1) * size)
            .limit(size + 1)
        ).scalars()
    )
    return LogPage(entries=rows[:size], number=number, has_next=len(rows) > size)


def body_log(session: DbSession, body_id: int, number: int, size: int) -> LogPage:
    """A body's log, newest first, for its managers."""
    return _page(session, sa.select(AuditEntry).where(AuditEntry.body_id == body_id), number, size)


def account_log(session: DbSession, number: int, size: int) -> LogPage:
    """Sign-ins, account changes and notice changes of every body, newest first, for the admin."""
    query = sa.select(AuditEntry).where(AuditEntry.action.in_(ACCOUNT_ACTIONS | NOTICE_ACTIONS))
    return _page(session, query, number, size)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise PermissionError("audit entries are never changed or deleted")
