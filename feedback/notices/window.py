"""The feedback window of a notice: the local dates between which it takes comments."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from feedback.cases import months
from feedback.notices.errors import NoticeError


def today() -> date:
    """Today in the service's own time zone (Asia/Shanghai by default)."""
    return datetime.now(months.zone()).date()


def check(opens_on: date | None, closes_on: date | None) -> None:
    """Refuse a window that closes before it opens."""
    if opens_on and closes_on and closes_on < opens_on:
        raise NoticeError("closes_on", _l("The closing date is before the opening date."))
