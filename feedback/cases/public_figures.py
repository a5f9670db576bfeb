"""The public figures of a notice (/n/<slug>/figures): per item and month, counts only.

For each item: messages received, answered (a reply or a reason for declining was given),
closed (办结), per month of receipt and in total, and the share of rated outcomes that were
满意 or 基本满意. Reports of misconduct (检举控告) are left out, as are reviews (复查: a second
look at a message already counted). Every count under 5 is hidden, with what would reveal it
(feedback/cases/suppression.py): each measure is a table of items × months whose rows, columns
and grand total are all shown, so all four kinds of line are guarded. A share is shown only
when at least 5 outcomes were rated. Beside the counts, the replies citizens allowed to be
published and staff published (feedback/cases/publication.py), with their item and month only.

Computing it counts the notice's cases by item, month, state and rating in the database, along
ix_cases_item_id; each worker keeps the result for CACHE_MINUTES per notice, catalog stamp and
day: a new case, reply, rating or answer shows within that time.
"""

import time
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import case, func, select

from feedback.cases import months, suppression, verdicts
from feedback.extensions import DbSession
from feedback.models import Case, Kind, Rating, Status
from feedback.notices.catalog import PublishedNotice

CACHE_MINUTES = 5
EXTENSION_KEY = "feedback.public_figures"
MEASURES = ("received", "answered", "closed")
TOTAL = ""  # the key of the column (all months) or row (all items) of totals
ALL_ITEMS = 0
SATISFIED = (Rating.SATISFIED, Rating.FAIRLY_SATISFIED)
PUBLISHED_SHOWN = 100  # the latest published replies


@dataclass(frozen=True)
class PublishedReply:
    item_id: int
    month: str  # when the case was closed
    text: str


@dataclass(frozen=True)
class Row:
    """One item's figures (or all items', item_id ALL_ITEMS) in one month or all (TOTAL).

    None stands for a hidden count ("少于5") or a share of fewer than 5 ratings.
    """

    received: int | None
    answered: int | None
    closed: int | None
    satisfied_percent: int | None


@dataclass(frozen=True)
class Figures:
    notice_id: int
    months: list[str]  # from the first message's, oldest first, up to the current month
    rows: dict[tuple[int, str], Row]  # (item id or ALL_ITEMS, month or TOTAL) → row
    answers: dict[int, verdicts.ItemAnswers]  # 属实 / 不属实 / 不了解 per item, and ALL_ITEMS
    published: list[PublishedReply]  # the latest first

    def row(self, item_id: int, month: str = TOTAL) -> Row:
        return self.rows[(item_id, month)]


def month_range(first: str, last: str) -> list[str]:
    """The months from `first` to `last`, both named as 2026-11, oldest first."""
    names = [last]
    while names[-1] > first:
        names.append(months.previous(names[-1]))
    return names[::-1]


def compute(session: DbSession, notice: PublishedNotice, today: date) -> Figures:
    """Count the notice's messages per item and month, and hide what must not be shown."""
    item_ids = [item.id for item in notice.items]
    # By item (ix_cases_item_id): the notice's cases about an item are those about its items.
    counted = (
        Case.item_id.in_(item_ids),
        Case.kind != Kind.REPORT,
        Case.review_of_id.is_(None),
    )
    current = f"{today:%Y-%m}"
    first = session.scalar(select(func.min(Case.received_at)).where(*counted))
    # From the first message on: empty months before it would only hide more counts.
    names = month_range(min(current, months.month_of(first)) if first else current, current)
    # Each case's month by its place among the months' local bounds: the same on every database.
    month = case(
        *(
            (Case.received_at < months.parse_month(name)[1], index)
            for index, name in enumerate(names)
        ),
        else_=len(names) - 1,
    )
    groups = session.execute(
        select(Case.item_id, month, Case.status, Case.rating, func.count())
        .where(*counted)
        .group_by(Case.item_id, month, Case.status, Case.rating)
    )
    items, columns = [*item_ids, ALL_ITEMS], [*names, TOTAL]
    counts = {(m, i, c): 0 for m in MEASURES for i in items for c in columns}
    rated = {(i, c): 0 for i in items for c in columns}
    satisfied = dict(rated)
    for item_id, index, status, rating, number in groups:
        for key in (
            (item_id, names[index]),
            (item_id, TOTAL),
            (ALL_ITEMS, names[index]),
            (ALL_ITEMS, TOTAL),
        ):
            counts[("received", *key)] += number
            counts[("answered", *key)] += number * (status in (Status.CLOSED, Status.DECLINED))
            counts[("closed", *key)] += number * (status is Status.CLOSED)
            rated[key] += number * (rating is not None)
            satisfied[key] += number * (rating in SATISFIED)
    lines = [
        line
        for m in MEASURES
        for line in (
            *(suppression.Line([(m, i, c) for c in names], (m, i, TOTAL)) for i in items),
            *(suppression.Line([(m, i, c) for i in item_ids], (m, ALL_ITEMS, c)) for c in columns),
        )
    ]
    hidden = suppression.hidden_cells(counts, lines)

    def shown(measure: str, item: int, column: str) -> int | None:
        key = (measure, item, column)
        return None if key in hidden else counts[key]

    rows = {
        (i, c): Row(
            received=shown("received", i, c),
            answered=shown("answered", i, c),
            closed=shown("closed", i, c),
            satisfied_percent=(
                round(100 * satisfied[(i, c)] / rated[(i, c)])
                if rated[(i, c)] >= suppression.THRESHOLD
                else None
            ),
        )
        for i in items
        for c in columns
    }
    answers = verdicts.answers_per_item(session, item_ids)
    published = [
        PublishedReply(item_id, months.month_of(closed_at), text)
        for item_id, closed_at, text in session.execute(
            select(Case.item_id, Case.closed_at, Case.published_reply)
            .where(Case.item_id.in_(item_ids), Case.published_reply.is_not(None))
            .order_by(Case.published_at.desc(), Case.id.desc())
            .limit(PUBLISHED_SHOWN)
        )
        if item_id and closed_at and text  # as the query asks; for the type checker
    ]
    return Figures(
        notice_id=notice.id, months=names, rows=rows, answers=answers, published=published
    )


def cached(session: DbSession, notice: PublishedNotice, stamp: str, today: date) -> Figures:
    """The notice's figures as this worker last computed them, for CACHE_MINUTES at most."""
    held: dict[tuple[int, str, date], tuple[float, Figures]]
    held = current_app.extensions.setdefault(EXTENSION_KEY, {})
    key = (notice.id, stamp, today)
    now = time.monotonic()
    entry = held.get(key)
    if entry is not None and now - entry[0] < CACHE_MINUTES * 60:
        return entry[1]
    for old in [k for k, (at, _) in held.items() if now - at >= CACHE_MINUTES * 60]:
        del held[old]
    figures = compute(session, notice, today)
    held[key] = (now, figures)
    return figures
