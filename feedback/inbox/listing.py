"""The inbox list's rows, ready to print: every word, time and link worked out once per page.

Babel's date filters, the translated labels and url_for would do again for every row what is
the same for the whole page; here each label is translated once per page, local times come from strftime in
the reader's time zone (the same text as Babel's "yyyy-MM-dd HH:mm" and "yyyy-MM-dd", which are
plain digits in every locale), and each link is the case page's address with the id appended.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from enum import Enum
from typing import Any, NamedTuple

from flask import url_for
from flask_babel import get_timezone

from feedback.inbox.queries import InboxRow
from feedback.web import labels

SUBJECT_WIDTH = 30  # as Jinja's truncate(30, true, "…", 0)


class ListedCase(NamedTuple):
    """One row of the inbox list, as text (the template escapes it)."""

    href: str
    reference: str
    received_iso: str
    received: str  # local, yyyy-MM-dd HH:mm
    kind: str
    item_code: str | None
    subject: str
    status: str  # the status's value, a CSS class
    status_label: str
    due_iso: str | None
    due: str | None  # local, yyyy-MM-dd
    overdue: bool
    assignee: str | None
    review: bool  # a review (复查) of another case's decision


class LocalTimes:
    """Times as Flask-Babel's datetimeformat and dateformat show them, in the reader's zone."""

    def __init__(self, zone: Any | None = None) -> None:
        self.zone: Any = zone if zone is not None else get_timezone()

    def local(self, moment: datetime) -> datetime:
        """The moment in the reader's zone, as flask_babel.to_user_timezone computes it (its
        pytz normalize() changes nothing after astimezone, which goes through fromutc)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone)

    def minute(self, moment: datetime) -> str:
        """Babel's "yyyy-MM-dd HH:mm"."""
        local = self.local(moment)
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local:%H:%M}"

    def day(self, moment: datetime) -> str:
        """Babel's "yyyy-MM-dd"."""
        local = self.local(moment)
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"


class Words:
    """Translated labels of one mapping (labels.KIND, labels.STATUS), each translated once."""

    def __init__(self, lazy: Mapping[Any, Any]) -> None:
        self.lazy = lazy
        self.done: dict[Any, str] = {}

    def __getitem__(self, key: Enum) -> str:
        word = self.done.get(key)
        if word is None:
            word = self.done[key] = str(self.lazy[key])
        return word


def case_href_prefix() -> str:
    """The address of the case pages up to the id: url_for once instead of once per row."""
    sample = url_for("inbox.case", case_id=0)
    if not sample.endswith("/0"):  # pragma: no cover - the route names the id last
        raise RuntimeError(f"unexpected case address {sample}")
    return sample[:-1]


def short_subject(subject: str, width: int = SUBJECT_WIDTH) -> str:
    """The subject cut as Jinja's truncate(width, killwords=True, end="…", leeway=0) cuts it."""
    return subject if len(subject) <= width else subject[: width - 1] + "…"


def listed(rows: Sequence[InboxRow], now: datetime, zone: tzinfo | None = None) -> list[ListedCase]:
    """The rows of the inbox list, with every label, local time and link worked out."""
    prefix = case_href_prefix()
    times = LocalTimes(zone)
    kinds = Words(labels.KIND)
    statuses = Words(labels.STATUS)
    return [
        ListedCase(
            href=f"{prefix}{row.id}",
            reference=row.reference,
            received_iso=row.received_at.isoformat(),
            received=times.minute(row.received_at),
            kind=kinds[row.kind],
            item_code=row.item_code,
            subject=short_subject(row.subject),
            status=row.status.value,
            status_label=statuses[row.status],
            due_iso=row.due_at.isoformat() if row.due_at is not None else None,
            due=times.day(row.due_at) if row.due_at is not None else None,
            overdue=row.due_at is not None and row.due_at < now,
            assignee=row.assignee,
            review=row.review_of is not None,
        )
        for row in rows
    ]
