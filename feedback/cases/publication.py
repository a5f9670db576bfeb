"""公开答复: a reply published on the notice's public page, as the citizen allowed.

Only when the citizen ticked the box when sending (Case.publish_allowed), only a closed case
about an item and never a report of misconduct. Names and contacts are removed twice: staff
read, edit and confirm the text to publish, which starts as the reply with `mask` applied; and
`mask` runs again on what they confirm, so that a number typed back in is still removed.
"""

import re
from collections.abc import Iterable

from feedback.models import Case, Kind, Status

MASK = "＊＊＊"

# Longest first: an ID number holds what looks like a phone number.
PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    # 身份证: region, birth date, sequence, check digit.
    re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z])"),
    re.compile(r"(?<!\d)\d{15}(?!\d)"),  # the old 15-digit ID number
    re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"),  # mobile
    re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{7,8}(?:-\d{1,5})?(?!\d)"),  # landline
)


def may_publish(case: Case) -> bool:
    """Whether staff may publish this case's reply on the public page."""
    return (
        case.publish_allowed
        and case.status is Status.CLOSED
        and case.kind is not Kind.REPORT
        and case.item_id is not None
        and bool(case.reply)
    )


def mask(text: str, names: Iterable[str] = ()) -> str:
    """The text with e-mail addresses, ID numbers, phone numbers and the given names removed."""
    for pattern in PATTERNS:
        text = pattern.sub(MASK, text)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, MASK)
    return text


def names_in(case: Case) -> list[str]:
    """The names the published text must not carry: the citizen's own, if given."""
    return [case.contact.name] if case.contact else []


def draft(case: Case) -> str:
    """What staff are first offered to publish: the reply, masked."""
    return mask(case.reply or "", names_in(case))
