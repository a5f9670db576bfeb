"""The totals a notice states about itself (3个方面11类问题30项问题), checked against what was found."""

import re
from dataclasses import dataclass, field, fields
from typing import Any

from feedback.notices.markers import CN_NUMERAL, cn_number

NUMBER = rf"(\d+|{CN_NUMERAL})"

# Each total with the phrasings that state it; the first phrasing found in the text counts.
PHRASES: dict[str, tuple[re.Pattern[str], ...]] = {
    "aspects": (re.compile(NUMBER + r"个方面"),),
    "categories": (re.compile(NUMBER + r"(?:类|个类别|个小类|大类)"),),
    "items": (
        re.compile(NUMBER + r"(?:项|个|条)(?:具体)?问题"),
        re.compile(r"问题(?:共)?" + NUMBER + r"(?:项|个|条)"),
    ),
    "done": (
        re.compile(r"已(?:完成|经完成)?(?:整改)?(?:完成|到位)?" + NUMBER + r"(?:项|个|条)"),
        re.compile(NUMBER + r"(?:项|个|条)(?:问题)?已(?:经)?(?:完成整改|整改完成|整改到位)"),
    ),
    "ongoing": (
        re.compile(
            r"(?:正在整改|持续整改|持续推进|正在推进|需长期坚持|需要长期坚持)"
            + NUMBER
            + r"(?:项|个|条)"
        ),
        re.compile(NUMBER + r"(?:项|个|条)(?:问题)?(?:正在整改|持续推进|正在推进|需长期坚持)"),
    ),
}


@dataclass(frozen=True)
class Finding:
    """Something the administrator should check before publishing; `code` names the message."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Totals:
    aspects: int | None = None
    categories: int | None = None
    items: int | None = None
    done: int | None = None
    ongoing: int | None = None


def stated(text: str) -> Totals:
    """Read the totals a notice states; a total it does not state is None."""
    values: dict[str, int] = {}
    for name, patterns in PHRASES.items():
        for pattern in patterns:
            if match := pattern.search(text):
                values[name] = _number(match[1])
                break
    return Totals(**values)


def compare(claimed: Totals, found: Totals) -> list[Finding]:
    """One finding for each total the notice states that differs from what was found."""
    return [
        Finding(f"total_{f.name}", {"stated": claimed_value, "found": found_value})
        for f in fields(Totals)
        if (claimed_value := getattr(claimed, f.name)) is not None
        and (found_value := getattr(found, f.name)) is not None
        and claimed_value != found_value
    ]


def _number(text: str) -> int:
    return int(text) if text.isdigit() else cn_number(text)
