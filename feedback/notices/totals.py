"""The totals a notice states about itself (3个方面11类问题30项问题), checked against what was found.

Totals are read sentence by sentence. A sentence about tasks or measures (68项整改任务，已完成58项)
counts tasks: its numbers are never problems, and what it says is done is tasks done.
"""

import re
from dataclasses import dataclass, field, fields
from typing import Any

from feedback.notices.markers import CN_NUMERAL, cn_number

N = rf"(\d+|{CN_NUMERAL})"
UNIT = r"(?:个|项|条|件)"

# Each total with the phrasings that state it; the first phrasing found in the text counts.
PHRASES: dict[str, tuple[re.Pattern[str], ...]] = {
    "aspects": (re.compile(N + r"个方面"), re.compile(N + r"大方面")),
    "categories": (re.compile(N + r"(?:大类|个类别|个小类|类)"),),
    "items": (
        re.compile(N + UNIT + r"(?:具体|反馈|突出)?问题"),
        re.compile(r"问题(?:共(?:计)?|总数)?(?:为)?" + N + UNIT),
    ),
    "done": (
        re.compile(
            r"(?:已)?(?:全部)?(?:完成整改|整改完成|整改到位|完成|办结|销号)(?:了)?" + N + UNIT
        ),
        re.compile(
            N
            + UNIT
            + r"(?:问题)?(?:已)?(?:经)?(?:全部)?(?:完成整改|整改完成|整改到位|完成|办结|销号)"
        ),
    ),
    "ongoing": (
        re.compile(
            r"(?:正在整改|持续整改|持续推进|正在推进|需长期坚持|需要长期坚持|长期坚持|未完成|尚未完成)(?:的)?"
            + N
            + UNIT
        ),
        re.compile(
            r"(?:其余|剩余|另有|还有)?"
            + N
            + UNIT
            + r"(?:问题)?(?:正在|持续|按计划|按时序|需长期|需要长期|长期|尚未|未完成|基本完成)"
        ),
    ),
}
TASKS = (
    re.compile(N + UNIT + r"(?:具体)?整改(?:任务|措施|举措)"),
    re.compile(r"整改(?:任务|措施|举措)(?:共)?" + N + UNIT),
    re.compile(N + UNIT + r"任务"),
)
SENTENCES = re.compile(r"[^。；;\n]+")
ALL_DONE = re.compile(r"(?:均|全部|都)(?:已)?(?:经)?(?:全部)?(?:完成整改|整改完成|整改到位)")


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
    tasks: int | None = None  # stated, never compared: a task is not a problem


def stated(text: str) -> Totals:
    """Read the totals a notice states; a total it does not state is None."""
    values: dict[str, int] = {}
    for sentence in SENTENCES.findall(text):
        task = next((m for pattern in TASKS if (m := pattern.search(sentence))), None)
        if task is not None:
            values.setdefault("tasks", _number(task[1]))
            sentence = sentence[: task.start()]  # what follows is about the tasks
        for name, patterns in PHRASES.items():
            if name in values:
                continue
            if match := next((m for pattern in patterns if (m := pattern.search(sentence))), None):
                values[name] = _number(match[1])
        if "done" not in values and "items" in values and ALL_DONE.search(sentence):
            values["done"] = values["items"]
    return Totals(**values)


def compare(claimed: Totals, found: Totals) -> list[Finding]:
    """One finding for each total the notice states that differs from what was found."""
    return [
        Finding(f"total_{f.name}", {"stated": claimed_value, "found": found_value})
        for f in fields(Totals)
        if f.name != "tasks"
        and (claimed_value := getattr(claimed, f.name)) is not None
        and (found_value := getattr(found, f.name)) is not None
        and claimed_value != found_value
    ]


def _number(text: str) -> int:
    return int(text) if text.isdigit() else cn_number(text)
