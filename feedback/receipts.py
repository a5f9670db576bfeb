"""Reference numbers (受理编号) and secret tracking codes (查询码) for the citizen's receipt.

The reference is readable and sequential per month; the tracking code is 100 random bits,
shown once and stored only as an HMAC keyed from DATA_KEY, which the database does not hold.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Insert, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from feedback import keys
from feedback.models import Body, Case, Item, Kind, Notice, ReferenceCounter
from feedback.months import month_of

# Crockford's base32: no I, L, O or U, so a code read aloud over the phone survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 5
GROUP_LENGTH = 4  # 20 symbols x 5 bits = 100 bits


def new_tracking_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(CODE_GROUPS * GROUP_LENGTH))
    return "-".join(symbols[i : i + GROUP_LENGTH] for i in range(0, len(symbols), GROUP_LENGTH))


def normalise_code(code: str) -> str:
    """Accept what a citizen types: lower case, spaces, missing dashes, O for 0, I or L for 1."""
    cleaned = code.upper().translate(str.maketrans("OIL", "011", " -\t"))
    return "-".join(cleaned[i : i + GROUP_LENGTH] for i in range(0, len(cleaned), GROUP_LENGTH))


def hash_code(code: str) -> str:
    return keys.keyed_hash(keys.Purpose.TRACKING_CODE, normalise_code(code))


def code_matches(code: str, stored_hash: str) -> bool:
    return keys.hash_matches(keys.Purpose.TRACKING_CODE, normalise_code(code), stored_hash)


def _bump(insert: Callable[[Table], sqlite.Insert | postgresql.Insert]) -> Insert:
    """Add one to the month's counter (1 if the month is new) and return it, in one statement."""
    counters = ReferenceCounter.__table__
    return (
        insert(counters)
        .values(month=bindparam("month"), last=1)
        .on_conflict_do_update(
            index_elements=[counters.c.month], set_={"last": counters.c.last + 1}
        )
        .returning(counters.c.last)
    )


# Built once: the statement is the same for every submission, and each one needs it.
BUMP = {"sqlite": _bump(sqlite.insert), "postgresql": _bump(postgresql.insert)}


# What next_reference hands out: the month, then its number, 2026-01-000001.
REFERENCE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{6,}")


def is_reference(text: str) -> bool:
    return REFERENCE.fullmatch(text) is not None


def next_reference(session: Session, received_at: datetime) -> str:
    """Hand out the month's next number, atomically, in one statement on SQLite and PostgreSQL."""
    month = month_of(received_at)
    connection = session.connection()
    number = connection.execute(BUMP[connection.dialect.name], {"month": month}).scalar_one()
    return f"{month}-{number:06d}"


@dataclass(frozen=True)
class Receipt:
    """What the receipt page shows, taken before the commit, which expires the case's attributes.

    The bodies and the item are the public catalog's read-only copies.
    """

    reference: str
    code: str  # shown this once, never stored readable
    received_at: datetime
    due_at: datetime
    kind: Kind
    item: Item | None
    anonymous: bool
    subject: str
    content: str
    files: int
    routing_reason: str
    body: Body  # where the case went
    chosen: Body | None  # where the citizen addressed it; None for "not sure"

    @classmethod
    def of(cls, case: Case, code: str, notice: Notice, item: Item | None, files: int) -> "Receipt":
        assert case.due_at is not None  # a new case is due to be accepted
        return cls(
            reference=case.reference,
            code=code,
            received_at=case.received_at,
            due_at=case.due_at,
            kind=case.kind,
            item=item,
            anonymous=case.anonymous,
            subject=case.subject,
            content=case.content,
            files=files,
            routing_reason=case.routing_reason,
            body=next(body for body in notice.bodies if body.id == case.body_id),
            chosen=notice.body_for(case.chosen_body),
        )

    @property
    def overridden(self) -> bool:
        """Tell whether the rules sent it elsewhere than the body the citizen chose."""
        return self.chosen is not None and self.chosen.id != self.body.id
