"""The inbox's reads: a page of a body's cases, a case's timeline, the body's colleagues.

Each is one query whatever the number of rows, with what a page shows loaded alongside. The
list reads plain rows of the columns it shows, not ORM entities, which would cost more to build
than the statement takes to run.
"""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from feedback.cases import figures, months
from feedback.extensions import DbSession
from feedback.models import (
    Aspect,
    Case,
    CaseGroup,
    Category,
    Event,
    Item,
    Kind,
    Role,
    Status,
    User,
)


@dataclass(frozen=True)
class InboxFilters:
    status: Status | None = None
    kind: Kind | None = None
    item_id: int | None = None
    received_between: tuple[datetime, datetime] | None = None  # UTC bounds of a local month
    overdue_only: bool = False


class InboxRow(NamedTuple):
    """What the list shows of one case."""

    id: int
    reference: str
    received_at: datetime
    kind: Kind
    item_code: str | None  # None: the case is about no particular item
    subject: str
    status: Status
    due_at: datetime | None
    assignee: str | None  # the assignee's username
    review_of: int | None  # a review (复查): the id of the case it reviews


class ItemOption(NamedTuple):
    """An item the inbox filter offers."""

    id: int
    label: str  # code and title, as Item.label


@dataclass(frozen=True)
class InboxPage:
    cases: list[InboxRow]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


# What the list shows of each case: the columns of a listed row (listing.listed).
LISTED = (
    Case.id,
    Case.reference,
    Case.received_at,
    Case.kind,
    Item.code,
    Case.subject,
    Case.status,
    Case.due_at,
    User.username,
    Case.review_of_id,
)


def inbox_page(
    session: DbSession, body_id: int, filters: InboxFilters, number: int, size: int, now: datetime
) -> InboxPage:
    """One page of a body's cases: the overdue ones first, longest overdue first, then the rest,
    newest received first.

    One statement whatever the size of the inbox: a UNION ALL of two branches that each walk an
    index in the order shown and stop after the rows this page needs: the overdue cases along
    ix_cases_open_due (body_id, due_at, and the filtered columns), the others along ix_cases_body_received (body_id,
    received_at), or along the index of the filter (status, kind or item) when one is set. The
    outer query sorts at most 2 x (offset + size + 1) ids and reads the shown columns of those
    cases with their item's code and assignee's name. No ORDER BY over an expression, so nothing
    sorts the whole inbox.
    """
    offset = (number - 1) * size
    wanted = offset + size + 1  # one more than shown tells whether a next page exists
    start, end = filters.received_between or (None, None)
    # Only an open case has a deadline (cases/operations.py clears due_at on closing and declining).
    shape = PageShape(
        status=filters.status is not None,
        kind=filters.kind is not None,
        item=filters.item_id is not None,
        month=filters.received_between is not None,
        overdue=filters.status is None or filters.status.is_open,
        others=not filters.overdue_only,
    )
    if not (shape.overdue or shape.others):  # overdue only, among closed or declined cases
        return InboxPage(cases=[], number=number, has_next=False)
    parameters = {
        "body_id": body_id,
        "status": filters.status,
        "kind": filters.kind,
        "item_id": filters.item_id,
        "start": start,
        "end": end,
        "now": now,
        "wanted": wanted,
        "offset": offset,
        "limit": size + 1,
    }
    result = session.connection().execute(page_statement(shape), parameters)
    rows = [InboxRow._make(row) for row in result]
    return InboxPage(cases=rows[:size], number=number, has_next=len(rows) > size)


def filter_conditions(filters: InboxFilters, now: datetime) -> list[sa.ColumnElement[bool]]:
    """The filters as conditions on the cases, for a search (inbox_page binds them itself)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Case.status == filters.status)
    if filters.kind is not None:
        conditions.append(Case.kind == filters.kind)
    if filters.item_id is not None:
        conditions.append(Case.item_id == filters.item_id)
    if filters.received_between is not None:
        start, end = filters.received_between
        conditions += [Case.received_at >= start, Case.received_at < end]
    if filters.overdue_only:
        conditions.append(Case.due_at < now)
    return conditions


class PageShape(NamedTuple):
    """Which filters a page statement has, and which of its two branches."""

    status: bool
    kind: bool
    item: bool
    month: bool
    overdue: bool  # the branch of the overdue cases
    others: bool  # the branch of the other cases


@functools.cache
def page_statement(shape: PageShape) -> sa.Select[*tuple[Any, ...]]:
    """The statement of inbox_page for filters of this shape, with every value a parameter.

    Built once per shape (at most 2 x 2^5 of them) and reused rather than built again for each
    page. Run through the connection, it skips the ORM's setup.
    """
    conditions = [Case.body_id == sa.bindparam("body_id")]
    if shape.status:
        conditions.append(Case.status == sa.bindparam("status"))
    if shape.kind:
        conditions.append(Case.kind == sa.bindparam("kind"))
    if shape.item:
        conditions.append(Case.item_id == sa.bindparam("item_id"))
    if shape.month:
        conditions += [
            Case.received_at >= sa.bindparam("start"),
            Case.received_at < sa.bindparam("end"),
        ]
    now = sa.bindparam("now", type_=Case.due_at.type)
    wanted = sa.bindparam("wanted", type_=sa.Integer)

    branches = []
    if shape.overdue:
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
    if shape.others:
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
    return (
        sa.select(*LISTED)
        .join(ranked, ranked.c.id == Case.id)
        .outerjoin(Item, Item.id == Case.item_id)
        .outerjoin(User, User.id == Case.assignee_id)
        .order_by(ranked.c.rank, ranked.c.due_key, ranked.c.received_key.desc(), ranked.c.id_key)
        .offset(sa.bindparam("offset", type_=sa.Integer))
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )


DUE_SOON = timedelta(days=3)


@dataclass(frozen=True)
class InboxFigures:
    """What the top of the inbox counts, over all of the body's cases whatever the filters."""

    by_status: dict[Status, int]
    overdue: int
    due_soon: int  # due within DUE_SOON, not overdue yet
    received_this_month: "Received"  # in the current local month, so far


@dataclass(frozen=True)
class Received:
    """The cases a body received in a period (and holds now), and the requests they make when
    each group of near copies (同一诉求, a campaign) counts once: 40 cases of which 30 are in
    2 groups are 12 requests. A group with cases received in two months counts in each."""

    cases: int
    grouped: int  # of those cases, the ones in a group
    groups: int  # the groups they are in

    @property
    def requests(self) -> int:
        return self.cases - self.grouped + self.groups


def received(session: DbSession, body_id: int, month: str) -> Received:
    """Count what the body received in a local month (2026-11): cases, and groups once.

    The cases from the month's tallies (figures.py); the grouped ones from the body's groups
    (few, often none), read first and then their cases along ix_cases_group_id, so that the
    month's cases are not read row by row (a group never holds another body's case).
    """
    cases = figures.received_in(session.connection(), body_id, month)
    group_ids = (
        session.execute(sa.select(CaseGroup.id).where(CaseGroup.body_id == body_id)).scalars().all()
    )
    if not group_ids:
        return Received(cases, 0, 0)
    start, end = months.parse_month(month)
    grouped, groups = session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(Case.group_id))).where(
            Case.group_id.in_(group_ids), Case.received_at >= start, Case.received_at < end
        )
    ).one()
    return Received(cases, grouped, groups)


def inbox_figures(session: DbSession, body_id: int, now: datetime) -> InboxFigures:
    """Count the body's cases by status, the overdue ones, those due soon and this month's.

    The counts by status and the overdue from the tallies kept with the cases (figures.py), so
    that a body with a million cases is not counted row by row on every inbox page; those due
    soon along ix_cases_open_due, the month as `received` counts it. Overdue means what the
    list marks: a deadline before now.
    """
    connection = session.connection()
    due_soon = session.execute(
        sa.select(sa.func.count()).where(
            Case.body_id == body_id, Case.due_at >= now, Case.due_at < now + DUE_SOON
        )
    ).scalar_one()
    return InboxFigures(
        figures.status_totals(connection, body_id),
        figures.overdue_count(connection, body_id, now),
        due_soon,
        received(session, body_id, months.month_of(now)),
    )


def first_received(session: DbSession, body_id: int) -> datetime | None:
    """When the body received its first case, the oldest month its pickers offer."""
    return session.execute(
        sa.select(sa.func.min(Case.received_at)).where(Case.body_id == body_id)
    ).scalar_one()


def timeline(session: DbSession, case: Case, body_id: int) -> list[Event]:
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


def notice_items(session: DbSession) -> list[ItemOption]:
    """The items a case may be about, in the notice's order, for the inbox filter.

    An item's position counts within its category, so the order is the aspect's, then the
    category's, then the item's.
    """
    rows = session.execute(
        sa.select(Item.id, Item.code, Item.title)
        .join(Category, Category.id == Item.category_id)
        .join(Aspect, Aspect.id == Category.aspect_id)
        .order_by(Item.notice_id, Aspect.position, Category.position, Item.position)
    )
    return [ItemOption(id, f"{code} {title}") for id, code, title in rows]


class Colleague(NamedTuple):
    """An account a case may be assigned to."""

    id: int
    username: str


def colleagues(session: DbSession, body_id: int) -> list[Colleague]:
    """The body's active staff and managers, to whom a case may be assigned."""
    rows = session.execute(
        sa.select(User.id, User.username)
        .where(
            User.body_id == body_id,
            User.active.is_(True),
            User.role.in_([Role.STAFF, Role.MANAGER]),
        )
        .order_by(User.username)
    )
    return [Colleague._make(row) for row in rows]


def body_accounts(session: DbSession, body_id: int) -> list[User]:
    """Every account of a body, active or not, for its managers."""
    return list(
        session.execute(
            sa.select(User)
            .where(User.body_id == body_id)
            .order_by(User.active.desc(), User.username)
        ).scalars()
    )


class Waiting(NamedTuple):
    """A case whose follow-up question (追问) waits for the body's answer."""

    id: int
    reference: str
    asked_at: datetime


def awaiting_answers(session: DbSession, body_id: int) -> list[Waiting]:
    """The body's cases with a follow-up question not answered yet, the oldest question first."""
    rows = session.execute(
        sa.select(Case.id, Case.reference, Case.follow_up_at)
        .where(
            Case.body_id == body_id,
            Case.follow_up_at.is_not(None),
            Case.answered_at.is_(None),
        )
        .order_by(Case.follow_up_at)
    )
    return [Waiting._make(row) for row in rows]
