"""Helpers for the notice tests: the sample notices under tests/notices/, and importing one."""

from pathlib import Path
from typing import Any

from feedback.extensions import db
from feedback.models import Notice
from feedback.notices.loader import import_notice

NOTICES = Path(__file__).resolve().parent / "notices"

# Each sample notice with the unit it belongs to, as an administrator would type it.
UNITS = {
    "paren-aspects-circled-items": "长阳土家族自治县水利和湖泊局",
    "comma-aspects": "中共渔洋关镇委员会",
    "guanyu-measures": "五峰土家族自治县人民医院",
    "fullwidth-wrapped": "五峰土家族自治县人民检察院",
    "totals-mismatch": "五峰土家族自治县林业局",
}


def sample(name: str) -> str:
    return (NOTICES / f"{name}.txt").read_text(encoding="utf-8")


def import_sample(name: str, **options: Any) -> Notice:
    """Import and commit a sample notice (published unless publish=False)."""
    notice = import_notice(db.session, sample(name), UNITS[name], slug=name, **options).notice
    db.session.commit()
    return notice
