"""Whether a rectification is done (已完成) or still going on (持续推进), read from its words.

A notice may say so in a field of its own (整改结果：已完成, 完成情况：持续推进); that decides. Else
it rarely says so outright; it says 拟 (intends to), 将于 (will, in …), 争取 (strives to), 后期
(later), 正在 (is doing) … The first such cue in an item's text marks it as still going on. A sentence
about the work to come in general (下一步将持续巩固…) says nothing of this problem and is not read.
The administrator can set the status by hand where the words mislead.
"""

import re

from feedback.models import ItemStatus

# Words that mean work is still pending; the earliest one in a text decides, and is shown.
PENDING_CUES: tuple[str, ...] = (
    "拟",
    "将于",
    "争取",
    "后期",
    "正在",
    "持续",
    "逐步",
    "尚未",
    "计划于",
    "长期坚持",
    "未完成",
    "推进中",
)
# Words that contain a cue but mean nothing pending: 拟定 (to draft) is not 拟 (to intend).
NOT_CUES: tuple[str, ...] = ("拟定", "草拟", "模拟", "虚拟", "比拟", "积极争取", "争取到", "争取了")

# A field that states the status: 整改结果：已完成 / 完成情况：正在推进 / 整改进展：已整改到位.
STATUS_FIELD = re.compile(
    r"(?:整改结果|完成情况|整改进展|进展情况|整改状态|完成状态)[:：]\s*(?P<value>[^。；;\n]*)"
)
DONE_VALUE = re.compile(r"完成|到位|办结|销号|已整改|已落实")
# Sentences on the work to come, not on this problem: 下一步，将持续巩固整改成果。
FORWARD = re.compile(r"(?:^|(?<=[。；;\n]))\s*(?:下一步|下步|下阶段|今后)[^。；;\n]*")


def infer(text: str) -> tuple[ItemStatus, str]:
    """Return the item's status and the cue that decided it ("" when none: done)."""
    if field := STATUS_FIELD.search(text):
        value = field["value"]
        if pending := _first_cue(value):
            return ItemStatus.ONGOING, pending
        if DONE_VALUE.search(value):
            return ItemStatus.DONE, ""
    cue = _first_cue(FORWARD.sub("", text))
    return (ItemStatus.ONGOING, cue) if cue else (ItemStatus.DONE, "")


def _first_cue(text: str) -> str:
    for phrase in NOT_CUES:
        text = text.replace(phrase, "\0" * len(phrase))
    found = [(text.find(cue), cue) for cue in PENDING_CUES if cue in text]
    return min(found)[1] if found else ""
