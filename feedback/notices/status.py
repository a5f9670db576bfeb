"""Whether a rectification is done (已完成) or still going on (持续推进), read from its words.

A notice rarely says so outright; it says 拟 (intends to), 将于 (will, in …), 争取 (strives to),
后期 (later), 正在 (is doing) … The first such cue in an item's text marks it as still going on;
the administrator can set the status by hand where the words mislead.
"""

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
)
# Words that contain a cue but mean nothing pending: 拟定 (to draft) is not 拟 (to intend).
NOT_CUES: tuple[str, ...] = ("拟定", "草拟", "模拟", "虚拟", "比拟")


def infer(text: str) -> tuple[ItemStatus, str]:
    """Return the item's status and the cue that decided it ("" when none: done)."""
    for phrase in NOT_CUES:
        text = text.replace(phrase, "\0" * len(phrase))
    found = [(text.find(cue), cue) for cue in PENDING_CUES if cue in text]
    if not found:
        return ItemStatus.DONE, ""
    return ItemStatus.ONGOING, min(found)[1]
