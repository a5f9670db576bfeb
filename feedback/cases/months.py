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
