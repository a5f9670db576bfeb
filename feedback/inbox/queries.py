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
    """One page of a body's cases: the overdue ones first, longest overdue first, then the rest,
    newest received first.

    One statement whatever the size of the inbox: a UNION ALL of two branches that each walk an
    index in the order shown and stop after the rows this page needs: the overdue cases along
    ix_cases_open_due (body_id, due_at, and the filtered columns), the others along ix_cases_body_received (body_id,
    received_at), or along the index of the filter (status, kind or item) when one is set. The
    outer query sorts at most 2 x (offset + size + 1) ids and loads those cases with their item
    and assignee. No ORDER BY over an expression, so nothing sorts the whole inbox.
    """
    offset = (number - 1) * size
    wanted = offset + size + 1  # one more than shown tells whether a next page exists
    conditions = [Case.body_id == body_id]
    if filters.status is not None:
        conditions.append(Case.status == filters.status)
    if filters.kind is not None:
        conditions.append(Case.kind == filters.kind)
    if filters.item_id is not None:
        conditions.append(Case.item_id == filters.item_id)
    if filters.received_between is not None:
        start, end = filters.received_between
        conditions += [Case.received_at >= start, Case.received_at < end]

    branches = []
    # Only an open case has a deadline (cases.py clears due_at on closing and declining).
    if filters.status is None or filters.status.is_open:
        branches.append(
            sa.select(
                Case.id,
                sa.literal(0).label("rank"),
                Case.due_at.label("due_key"),
                sa.cast(sa.null(), Case.received_at.type).label("received_key"),
                Case.id.label("id_key"),
            )
            .where(*conditions, Case.due_at < now)
            .order_by(Case.due_at, Case.id)
            .limit(wanted)
            .subquery("overdue")
        )
    if not filters.overdue_only:
        branches.append(
            sa.select(
                Case.id,
                sa.literal(1).label("rank"),
                sa.cast(sa.null(), Case.due_at.type).label("due_key"),
                Case.received_at.label("received_key"),
                (-Case.id).label("id_key"),
            )
            .where(*conditions, sa.or_(Case.due_at.is_(None), Case.due_at >= now))
            .order_by(Case.received_at.desc(), Case.id.desc())
            .limit(wanted)
            .subquery("others")
        )
    ranked = sa.union_all(*(sa.select(branch) for branch in branches)).subquery("ranked")
    query = (
        sa.select(Case)
        .join(ranked, ranked.c.id == Case.id)
        .options(joinedload(Case.item), joinedload(Case.assignee))
        .order_by(ranked.c.rank, ranked.c.due_key, ranked.c.received_key.desc(), ranked.c.id_key)
        .offset(offset)
        .limit(size + 1)
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
