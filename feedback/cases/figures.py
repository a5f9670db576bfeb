"""A body's month in figures (月度统计): the tallies kept with the cases, and what they add up to.

Every case counts in `case_tallies` (feedback/models/tally.py), under the body that holds it and
the local month it was received, once in each dimension of its sort: kind, item, how it came,
whether it is a review, whether a review of it was asked for, how its acceptance and its closing
kept their time limits, its rating.
A month is then a few dozen rows, whatever the number of cases. A flush that adds, changes or
deletes a case moves its counts from its old sort to its new one in the same transaction
(`_remember_old_sorts`, `_move_counts`), reading both from the database rather than from the
objects, so that a value the session never loaded counts as well. `recount` rebuilds the table
from the cases (the migration, `feedback demo-data`, which inserts rows without the ORM).

The time-limit verdicts follow the export's (exports.timeliness): the acceptance clock starts at
the receipt or the last transfer, a decline counts as the acceptance decision, and the closing
limit runs from the acceptance, with any extension. What depends on the time now (overdue) is
counted from a tally of the open cases by the day of their deadline, and today's deadlines
from the cases along the deadline index.
"""

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import chain
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from feedback.cases import months, routing
from feedback.extensions import DbSession
from feedback.models import Body, Case, CaseTally, Item, Kind, Rating, Status


class Came(StrEnum):
    """How a case reached the body that holds it."""

    CHOSEN = "chosen"  # the citizen chose the body
    PROPOSED = "proposed"  # the citizen was unsure; a rule proposed it
    CONFLICT = "conflict"  # redirected by the conflict-of-interest rule
    TRANSFERRED = "transferred"  # transferred in (转办) from another body
    REVIEW = "review"  # a review (复查) of another body's decision


class Verdict(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    PENDING = "pending"  # not decided yet
    NONE = "none"  # no closing: the case was declined


class Sort(NamedTuple):
    """Where one case counts: its body and month, and its value in each dimension."""

    body_id: int
    month: str
    kind: str
    item_id: int
    came: str
    review: bool
    contested: bool  # a review (复查) of its decision was asked for
    acceptance: str
    closing: str
    rating: str
    due_on: str  # the UTC day of the deadline now running, 2026-11-24; "" for none


_REVIEW = aliased(Case)
# What a case's sort is made of, read from the database with its body's limits.
SORT_COLUMNS = (
    Case.id,
    Case.body_id,
    Case.received_at,
    Case.kind,
    Case.item_id,
    Case.routing_reason,
    Case.transfers,
    Case.transferred_at,
    Case.review_of_id,
    Case.status,
    Case.accepted_at,
    Case.closed_at,
    Case.extension_days,
    Case.rating,
    Case.due_at,
    Body.accept_days,
    Body.close_days,
    sa.exists().where(_REVIEW.review_of_id == Case.id).label("contested"),
)
WATCHED = tuple(c.key for c in SORT_COLUMNS[1:15])  # a change to any of these moves the count
# Relationships whose change sets a watched column only as the flush writes it (case.body = …).
MOVED_BY = ("body", "item", "review_of")
DIMENSIONS = ("kind", "item_id", "came", "review", "contested", "acceptance", "closing", "rating")
Tally = tuple[int, str, str, str]  # body_id, month, dimension, value: a row of case_tallies


DEADLINES = ""  # the "month" of the open cases counted by the UTC day of their deadline


def tallies_of(sort: Sort) -> list[Tally]:
    """The rows a case counts in: one per dimension of its month and, while it has a
    deadline, one for that deadline's day, so that counting the overdue reads a row a day."""
    values = sort._asdict()
    rows = [(sort.body_id, sort.month, d, _text(values[d])) for d in DIMENSIONS]
    if sort.due_on:
        rows.append((sort.body_id, DEADLINES, "due_on", sort.due_on))
    return rows


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def came(reason: str, transfers: int) -> Came:
    if transfers:
        return Came.TRANSFERRED
    if reason == routing.REVIEW:
        return Came.REVIEW
    if reason == routing.CHOSEN:
        return Came.CHOSEN
    if reason == routing.CONFLICT:
        return Came.CONFLICT
    return Came.PROPOSED


def verdicts(
    status: Status,
    clock_start: datetime,
    accepted_at: datetime | None,
    closed_at: datetime | None,
    accept_days: int,
    close_days: int,
    extension_days: int,
) -> tuple[Verdict, Verdict]:
    """Whether the acceptance (or the decline) and the closing kept their limits, if done yet."""
    accept_by = clock_start + timedelta(days=accept_days)
    if status is Status.DECLINED:
        decided = closed_at or accepted_at
        on_time = decided is not None and decided <= accept_by
        return (Verdict.ON_TIME if on_time else Verdict.LATE), Verdict.NONE
    if accepted_at is None:
        return Verdict.PENDING, Verdict.PENDING
    acceptance = Verdict.ON_TIME if accepted_at <= accept_by else Verdict.LATE
    if status is not Status.CLOSED or closed_at is None:
        return acceptance, Verdict.PENDING
    close_by = accepted_at + timedelta(days=close_days + extension_days)
    return acceptance, Verdict.ON_TIME if closed_at <= close_by else Verdict.LATE


def sort_of(row: Any) -> Sort:
    """The sort of a case, from a row of SORT_COLUMNS."""
    acceptance, closing = verdicts(
        Status(row.status),
        row.transferred_at or row.received_at,
        row.accepted_at,
        row.closed_at,
        row.accept_days,
        row.close_days,
        row.extension_days,
    )
    return Sort(
        body_id=row.body_id,
        month=months.month_of(row.received_at),
        kind=Kind(row.kind).value,
        item_id=row.item_id or 0,
        came=came(row.routing_reason, row.transfers).value,
        review=row.review_of_id is not None,
        contested=bool(row.contested),
        acceptance=acceptance.value,
        closing=closing.value,
        rating=Rating(row.rating).value if row.rating else "",
        due_on=row.due_at.astimezone(UTC).date().isoformat() if row.due_at else "",
    )


def _sorts(connection: Connection, case_ids: Iterable[int]) -> dict[int, Sort]:
    ids = sorted(set(case_ids))
    found: dict[int, Sort] = {}
    for start in range(0, len(ids), 500):
        rows = connection.execute(
            sa.select(*SORT_COLUMNS)
            .join(Body, Body.id == Case.body_id)
            .where(Case.id.in_(ids[start : start + 500]))
        )
        found.update((row.id, sort_of(row)) for row in rows)
    return found


def add(connection: Connection, counts: Mapping[Tally, int]) -> None:
    """Add each count to its tally, creating it if new; in key order, so that two
    transactions take the rows' locks in the same order."""
    names = ("body_id", "month", "dimension", "value")
    changes = [
        {**dict(zip(names, key, strict=True)), "cases": n} for key, n in sorted(counts.items()) if n
    ]
    if changes:
        connection.execute(_upsert(connection.dialect.name), changes)


@functools.cache
def _upsert(dialect_name: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE adding to the count: built once, run with many rows."""
    table = CaseTally.__table__
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"cases": table.c.cases + statement.excluded.cases},
    )


_OLD = "case_tallies.old_sorts"


def _touched(session: Session, objects: Iterable[object]) -> list[Case]:
    cases = []
    for case in objects:
        if isinstance(case, Case) and case.id is not None:
            attrs = sa.inspect(case).attrs
            if any(attrs[name].history.has_changes() for name in WATCHED + MOVED_BY):
                cases.append(case)
    return cases


@event.listens_for(Session, "before_flush")
def _remember_old_sorts(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush writes them, the sorts the changed and deleted cases count under (anew
    for every flush: a flush that failed leaves nothing behind for the next).

    A review added or deleted changes the sort of the case it reviews; a case deleted, that of
    its review (the database unlinks it).
    """
    deleted = [c.id for c in session.deleted if isinstance(c, Case) and c.id is not None]
    ids = [case.id for case in _touched(session, session.dirty)] + deleted
    for case in chain(session.new, session.deleted):
        if isinstance(case, Case):
            reviewed = case.review_of.id if case.review_of is not None else case.review_of_id
            if reviewed is not None:
                ids.append(reviewed)
    if deleted:
        ids += (
            session.connection()
            .execute(sa.select(Case.id).where(Case.review_of_id.in_(deleted)))
            .scalars()
        )
    session.info[_OLD] = _sorts(session.connection(), ids) if ids else {}


@event.listens_for(Session, "after_flush")
def _move_counts(session: Session, _context: Any) -> None:
    """After the flush, count the new and changed cases under their sorts, uncount the old."""
    old: dict[int, Sort] = session.info.pop(_OLD, {})
    added = [c for c in session.new if isinstance(c, Case)]
    if not old and not added:
        return
    connection = session.connection()
    counts: Counter[Tally] = Counter()
    for sort in old.values():
        counts.subtract(tallies_of(sort))
    for sort in _sorts(connection, old).values():  # a deleted case is not found
        counts.update(tallies_of(sort))
    for case in added:  # as just written; nothing reviews a case yet
        counts.update(tallies_of(sort_of(_NewCase(case, session))))
    add(connection, counts)


class _NewCase:
    """A case just added, read as a row of SORT_COLUMNS: its own values, its body's limits."""

    def __init__(self, case: Case, session: Session) -> None:
        self.case = case
        body = session.get(Body, case.body_id)  # in the session already, as a rule
        assert body is not None  # the flush has just written its id
        self.accept_days = body.accept_days
        self.close_days = body.close_days
        self.contested = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.case, name)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_OLD, None)


def recount(connection: Connection) -> int:
    """Count every case afresh; return the number of cases counted."""
    connection.execute(sa.delete(CaseTally))
    counts: Counter[Tally] = Counter()
    statement = (
        sa.select(*SORT_COLUMNS)
        .join(Body, Body.id == Case.body_id)
        .execution_options(yield_per=5000)
    )
    total = 0
    with connection.execute(statement) as result:
        for row in result:
            counts.update(tallies_of(sort_of(row)))
            total += 1
    add(connection, counts)
    return total


# --- a month's figures ------------------------------------------------------------------------

TOP_ITEMS = 10
OVERDUE_LISTED = 50
HISTORY = 6  # the months before the one shown


class Share(NamedTuple):
    """A count out of a whole; `rate` in percent, None when the whole is 0."""

    done: int
    whole: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.done / self.whole, 1) if self.whole else None


class TopItem(NamedTuple):
    code: str
    title: str
    cases: int


class Overdue(NamedTuple):
    case_id: int
    reference: str
    due_at: datetime


class MonthLine(NamedTuple):
    """One month of the comparison: received, and the limits kept among the decided."""

    month: str
    received: int
    accepted_on_time: Share
    closed_on_time: Share


@dataclass(frozen=True)
class MonthFigures:
    month: str
    received: int
    by_kind: dict[Kind, int]
    by_came: dict[Came, int]
    by_status: dict[Status, int]
    top_items: list[TopItem]
    no_item: int
    accepted_on_time: Share  # out of those decided (accepted or declined)
    closed_on_time: Share  # out of those closed
    ratings: dict[Rating, int]
    unrated: int  # closed, not rated
    reviews: int  # review requests (复查) received
    contested: int  # cases of the month whose review was asked for (at the reviewing body)
    overdue: int  # open past the deadline now, whatever the month
    overdue_cases: list[Overdue]  # the longest overdue first, at most OVERDUE_LISTED
    history: list[MonthLine]  # the previous HISTORY months then this one, oldest first


def statuses(acceptance: Mapping[str, int], closing: Mapping[str, int]) -> dict[Status, int]:
    """The statuses the verdicts imply: a case not yet accepted is received, one with no
    closing declined, one whose closing is pending (and acceptance not) accepted."""
    received = acceptance.get(Verdict.PENDING, 0)
    return {
        Status.RECEIVED: received,
        Status.ACCEPTED: closing.get(Verdict.PENDING, 0) - received,
        Status.DECLINED: closing.get(Verdict.NONE, 0),
        Status.CLOSED: closing.get(Verdict.ON_TIME, 0) + closing.get(Verdict.LATE, 0),
    }


def recent_months(month: str, count: int = HISTORY) -> list[str]:
    """The month and the `count` before it, oldest first."""
    names = [month]
    while len(names) <= count:
        names.append(months.previous(names[-1]))
    return names[::-1]


def month_figures(session: DbSession, body_id: int, month: str, now: datetime) -> MonthFigures:
    """The body's figures for a local month (2026-11) received, with the previous six months.

    Reads the month's tallies (a few dozen rows), the six months before (their kinds and
    verdicts), the top items' names, and the overdue cases along ix_cases_open_due.
    """
    connection = session.connection()
    tally = CaseTally.__table__.c
    rows = connection.execute(
        sa.select(tally.dimension, tally.value, tally.cases).where(
            tally.body_id == body_id, tally.month == month, tally.cases != 0
        )
    ).all()
    found: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    for dimension, value, cases in rows:
        found[dimension][value] += cases
    by_kind = {k: found["kind"][k.value] for k in Kind}
    by_came = {c: found["came"][c.value] for c in Came}
    ratings = {r: found["rating"][r.value] for r in Rating}
    by_item = Counter({int(i): n for i, n in found["item_id"].items()})
    acceptance, closing = found["acceptance"], found["closing"]
    by_status = statuses(acceptance, closing)
    reviews = found["review"]["1"]
    contested = found["contested"]["1"]
    received = sum(by_kind.values())
    no_item = by_item.pop(0, 0)
    top = [(item_id, n) for item_id, n in by_item.most_common(TOP_ITEMS) if n]
    names = {}
    if top:
        names = {
            row.id: (row.code, row.title)
            for row in connection.execute(
                sa.select(Item.id, Item.code, Item.title).where(Item.id.in_([i for i, _ in top]))
            )
        }
    top_items = [TopItem(*names.get(i, ("?", "")), n) for i, n in top]
    closed_count = by_status[Status.CLOSED]
    history = _history(connection, body_id, month)
    history.append(MonthLine(month, received, _on_time(acceptance), _on_time(closing)))
    overdue, overdue_cases = _overdue(connection, body_id, now)
    return MonthFigures(
        month=month,
        received=received,
        by_kind=by_kind,
        by_came=by_came,
        by_status=by_status,
        top_items=top_items,
        no_item=no_item,
        accepted_on_time=_on_time(acceptance),
        closed_on_time=_on_time(closing),
        ratings=ratings,
        unrated=closed_count - sum(ratings.values()),
        reviews=reviews,
        contested=contested,
        overdue=overdue,
        overdue_cases=overdue_cases,
        history=history,
    )


def _on_time(verdicts: Mapping[str, int]) -> Share:
    on_time = verdicts.get(Verdict.ON_TIME, 0)
    return Share(on_time, on_time + verdicts.get(Verdict.LATE, 0))


def _history(connection: Connection, body_id: int, month: str) -> list[MonthLine]:
    earlier = recent_months(month)[:-1]
    tally = CaseTally.__table__.c
    found: dict[str, dict[str, Counter[str]]] = {
        m: {"received": Counter(), "acceptance": Counter(), "closing": Counter()} for m in earlier
    }
    for name, dimension, value, cases in connection.execute(
        sa.select(tally.month, tally.dimension, tally.value, tally.cases).where(
            tally.body_id == body_id,
            tally.month.in_(earlier),
            tally.dimension.in_(("kind", "acceptance", "closing")),
        )
    ):
        if dimension == "kind":
            found[name]["received"]["all"] += cases
        else:
            found[name][dimension][value] += cases
    return [
        MonthLine(
            m,
            found[m]["received"]["all"],
            _on_time(found[m]["acceptance"]),
            _on_time(found[m]["closing"]),
        )
        for m in earlier
    ]


def _overdue(connection: Connection, body_id: int, now: datetime) -> tuple[int, list[Overdue]]:
    """The body's cases open past their deadline now: how many, and the longest overdue."""
    listed = connection.execute(
        sa.select(Case.id, Case.reference, Case.due_at)
        .where(Case.body_id == body_id, Case.due_at < now)
        .order_by(Case.due_at, Case.id)
        .limit(OVERDUE_LISTED)
    )
    overdue = [Overdue(id, reference, due) for id, reference, due in listed if due]
    return overdue_count(connection, body_id, now), overdue


def overdue_count(connection: Connection, body_id: int, now: datetime) -> int:
    """How many of the body's cases are open past their deadline now.

    Those due before today (UTC) are counted from the tallies of deadlines, a row a day; those
    due earlier today along ix_cases_open_due.
    """
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    tally = CaseTally.__table__.c
    before_today = sa.select(sa.func.coalesce(sa.func.sum(tally.cases), 0)).where(
        tally.body_id == body_id,
        tally.month == DEADLINES,
        tally.dimension == "due_on",
        tally.value < today.date().isoformat(),
    )
    earlier_today = sa.select(sa.func.count()).where(
        Case.body_id == body_id, Case.due_at < now, Case.due_at >= today
    )
    return connection.execute(
        sa.select(before_today.scalar_subquery() + earlier_today.scalar_subquery())
    ).scalar_one()


def received_in(connection: Connection, body_id: int, month: str) -> int:
    """How many cases the body holds of those received in a local month: its tallies by kind."""
    tally = CaseTally.__table__.c
    return connection.execute(
        sa.select(sa.func.coalesce(sa.func.sum(tally.cases), 0)).where(
            tally.body_id == body_id, tally.month == month, tally.dimension == "kind"
        )
    ).scalar_one()


def status_totals(connection: Connection, body_id: int) -> dict[Status, int]:
    """The body's cases by status, every month together: the statuses its tallies of verdicts
    imply, a few rows a month, however many cases it holds."""
    tally = CaseTally.__table__.c
    found: dict[str, Counter[str]] = {"acceptance": Counter(), "closing": Counter()}
    for dimension, value, cases in connection.execute(
        sa.select(tally.dimension, tally.value, sa.func.sum(tally.cases))
        .where(
            tally.body_id == body_id,
            tally.month != DEADLINES,
            tally.dimension.in_(("acceptance", "closing")),
        )
        .group_by(tally.dimension, tally.value)
    ):
        found[dimension][value] += cases
    return statuses(found["acceptance"], found["closing"])
