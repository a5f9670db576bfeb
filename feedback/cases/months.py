"""Calendar months in the service's own time zone, for reference numbers, filters and exports."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def month_of(moment: datetime) -> str:
    """Name the local month a moment falls in, as 2026-11."""
    return moment.astimezone(zone()).strftime("%Y-%m")


def parse_month(text: str) -> tuple[datetime, datetime]:
    """Turn 2026-11 into the UTC bounds [start, end) of that local month; ValueError if malformed."""
    match = MONTH_PATTERN.match(text.strip())
    if not match:
        raise ValueError(text)
    year, month = int(match[1]), int(match[2])
    start = datetime(year, month, 1, tzinfo=zone())
    end = (start + timedelta(days=32)).replace(day=1)
    return start.astimezone(UTC), end.astimezone(UTC)


def previous(month: str) -> str:
    """The month before a month named as 2026-11."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def last_complete(now: datetime) -> str:
    """The last local month that has ended: what a monthly figure or export is usually about."""
    return previous(month_of(now))


def since(first: datetime | None, now: datetime) -> list[str]:
    """The months from the one of `first` (at latest the last complete one) to the current one,
    newest first: what a month picker offers."""
    oldest = last_complete(now)
    if first is not None:
        oldest = min(oldest, month_of(first))
    names = [month_of(now)]
    while names[-1] > oldest:
        names.append(previous(names[-1]))
    return names
