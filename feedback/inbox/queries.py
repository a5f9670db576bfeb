"""The inbox's reads: a page of a body's cases, a case's timeline, the body's colleagues.

Each is one query whatever the number of rows, with what a page shows loaded alongside.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from feedback.models import Body, Case, Event, Item, Kind, Role, Status, User


@dataclass(frozen=True)
class InboxFilters:
    status: Status | None = None
    kind: Kind | None = None
    item_id: int | None = None
    received_between: tuple[datetime, datetime] | None = None  # UTC bounds of a local month
    overdue_only: bool = False


@dataclass(frozen=True)
class InboxPage:
    cases: list[Case]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def inbox_page(
    session: Session, body_id: int, filters: InboxFilters, number: int, size: int, now: datetime
) -> InboxPage:
    """One page of a body's cases: overdue ones first, then the newest received first."""
    overdue = Case.due_at < now
    query = (
        sa.select(Case)
        .options(joinedload(Case.item), joinedload(Case.assignee))
        .where(Case.body_id == body_id)
    )
    if filters.status is not None:
        query = query.where(Case.status == filters.status)
    if filters.kind is not None:
        query = query.where(Case.kind == filters.kind)
    if filters.item_id is not None:
        query = query.where(Case.item_id == filters.item_id)
    if filters.received_between is not None:
        start, end = filters.received_between
        query = query.where(Case.received_at >= start, Case.received_at < end)
    if filters.overdue_only:
        query = query.where(overdue)
    query = (
        query.order_by(sa.case((overdue, 0), else_=1), Case.received_at.desc(), Case.id.desc())
        .offset((number - 1) * size)
        .limit(size + 1)  # one more than shown tells whether a next page exists, without COUNT(*)
    )
    rows = list(session.execute(query).scalars())
    return InboxPage(cases=rows[:size], number=number, has_next=len(rows) > size)


def timeline(session: Session, case: Case, body_id: int) -> list[Event]:
    """A case's events as its holding body sees them: every public event, and its own internal ones.

    Internal notes stay with the body that wrote them, even after the case moved on.
    """
    return list(
        session.execute(
            sa.select(Event)
            .options(joinedload(Event.actor), joinedload(Event.body), joinedload(Event.to_body))
            .where(
                Event.case_id == case.id, sa.or_(Event.public.is_(True), Event.body_id == body_id)
            )
            .order_by(Event.id)
        ).scalars()
    )


def all_bodies(session: Session) -> list[Body]:
    return list(session.execute(sa.select(Body).order_by(Body.id)).scalars())


def notice_items(session: Session) -> list[Item]:
    """The items a case may be about, in the notice's order, for the inbox filter."""
    return list(session.execute(sa.select(Item).order_by(Item.notice_id, Item.position)).scalars())


def colleagues(session: Session, body_id: int) -> list[User]:
    """The body's active staff and managers, to whom a case may be assigned."""
    return list(
        session.execute(
            sa.select(User)
            .where(
                User.body_id == body_id,
                User.active.is_(True),
                User.role.in_([Role.STAFF, Role.MANAGER]),
            )
            .order_by(User.username)
        ).scalars()
    )


def body_accounts(session: Session, body_id: int) -> list[User]:
    """Every account of a body, active or not, for its managers."""
    return list(
        session.execute(
            sa.select(User)
            .where(User.body_id == body_id)
            .order_by(User.active.desc(), User.username)
        ).scalars()
    )
