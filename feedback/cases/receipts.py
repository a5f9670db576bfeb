"""Reference numbers (受理编号) and secret tracking codes (查询码) for the citizen's receipt.

The reference is readable: the month, then a random number (2026-01-472913). Random, not a
counter: one series for all bodies would let any body, or anyone who received two receipts,
count the cases sent elsewhere. The cases table's unique constraint keeps references unique; a
number already taken is drawn again. The tracking code is 100 random bits, shown once and
stored only as an HMAC keyed from DATA_KEY, which the database does not hold.
"""

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from feedback.cases.months import month_of
from feedback.extensions import DbSession
from feedback.models import Case
from feedback.storage import keys
from feedback.web.i18n import NamedBody

# Crockford's base32: no I, L, O or U, so a code read aloud over the phone survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 5
GROUP_LENGTH = 4  # 20 symbols x 5 bits = 100 bits


def new_tracking_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(CODE_GROUPS * GROUP_LENGTH))
    return "-".join(symbols[i : i + GROUP_LENGTH] for i in range(0, len(symbols), GROUP_LENGTH))


# What citizens type between the groups besides "-": after NFKC has made full-width forms
# half-width, the Unicode dashes (Pd: ‐ – — ⸺ 〜 …), and these look-alikes: the low line, the
# minus sign, the box-drawing line, the katakana long vowel mark and 一 (yī, "one").
SEPARATORS = frozenset("_\u2212\u2500\u2501\u30fc\u4e00")


def _without_separators(text: str) -> str:
    """Make full-width characters half-width, and drop spaces, dashes and their look-alikes."""
    return "".join(
        c
        for c in unicodedata.normalize("NFKC", text)
        if not (c.isspace() or c in SEPARATORS or unicodedata.category(c) == "Pd")
    )


def normalise_code(code: str) -> str:
    """Accept a code as a citizen types it: full-width, lower case, spaces, any dash or none,
    O for 0, I or L for 1. What is not a code stays not a code (is_code says so)."""
    cleaned = _without_separators(code).upper().translate(str.maketrans("OIL", "011"))
    return "-".join(cleaned[i : i + GROUP_LENGTH] for i in range(0, len(cleaned), GROUP_LENGTH))


CODE = re.compile(
    rf"[{ALPHABET}]{{{GROUP_LENGTH}}}(?:-[{ALPHABET}]{{{GROUP_LENGTH}}}){{{CODE_GROUPS - 1}}}"
)


def is_code(text: str) -> bool:
    """Tell whether a normalised code has the shape of one: five groups of four symbols."""
    return CODE.fullmatch(text) is not None


def hash_code(code: str) -> str:
    return keys.keyed_hash(keys.Purpose.TRACKING_CODE, normalise_code(code))


def code_matches(code: str, stored_hash: str) -> bool:
    return keys.hash_matches(keys.Purpose.TRACKING_CODE, normalise_code(code), stored_hash)


# What new_reference hands out: the month, then its number, 2026-01-472913.
REFERENCE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{6,}")
REFERENCE_DIGITS = 6
# Draws before giving up; with a month's numbers a tenth taken, 20 draws all fail once in 10^20.
REFERENCE_DRAWS = 20


def is_reference(text: str) -> bool:
    return REFERENCE.fullmatch(text) is not None


def normalise_reference(reference: str) -> str:
    """Accept a reference as a citizen types it: full-width digits, any dash or none, spaces.

    The digits alone say where the dashes go (year, month, number); text that is not digits
    comes back without its separators, and is_reference then refuses it.
    """
    cleaned = _without_separators(reference)
    if not (cleaned.isascii() and cleaned.isdigit() and len(cleaned) >= 6 + REFERENCE_DIGITS):
        return cleaned
    return f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"


def draw_number() -> int:
    return secrets.randbelow(10**REFERENCE_DIGITS)


def new_reference(received_at: datetime) -> str:
    return f"{month_of(received_at)}-{draw_number():0{REFERENCE_DIGITS}d}"


def add_with_reference(session: DbSession, case: Case) -> None:
    """Add a new case under a random reference of its month, drawn again while it is taken.

    Each try is a savepoint: the unique constraint, not a prior look, decides, so two
    submissions drawing the same number at once cannot both keep it.
    """
    for _ in range(REFERENCE_DRAWS):
        case.reference = new_reference(case.received_at)
        try:
            with session.begin_nested():
                session.add(case)
        except IntegrityError:
            taken = select(Case.id).where(Case.reference == case.reference)
            if session.execute(taken).first() is None:
                raise  # another constraint failed: drawing again would not help
            continue
        return
    raise RuntimeError(f"no free reference number in {month_of(case.received_at)}")


def insert_with_reference(session: DbSession, values: dict[str, Any]) -> tuple[int, str]:
    """As add_with_reference, for a case written as a row (operations.submit): insert it and
    return its id and reference."""
    for _ in range(REFERENCE_DRAWS):
        reference = new_reference(values["received_at"])
        try:
            with session.begin_nested():
                added = session.connection().execute(ADD_CASE, {**values, "reference": reference})
        except IntegrityError:
            taken = select(Case.id).where(Case.reference == reference)
            if session.execute(taken).first() is None:
                raise  # another constraint failed: drawing again would not help
            continue
        key = added.inserted_primary_key
        assert key is not None  # an INSERT of one row
        return key[0], reference
    raise RuntimeError(f"no free reference number in {month_of(values['received_at'])}")


ADD_CASE = insert(Case.__table__)


class ShownBody(NamedBody, Protocol):
    """A body as the receipt names it: a stored one or the public catalog's snapshot."""

    @property
    def id(self) -> int: ...
    @property
    def phone(self) -> str: ...
    @property
    def accept_days(self) -> int: ...
    @property
    def close_days(self) -> int: ...
    @property
    def max_extension_days(self) -> int: ...


class ShownItem(Protocol):
    @property
    def label(self) -> str: ...


class ShownNotice(Protocol):
    @property
    def bodies(self) -> Sequence[ShownBody]: ...
    def body_for(self, role: str) -> ShownBody | None: ...


@dataclass(frozen=True)
class Receipt:
    """What the receipt page shows: the case as stored, with its code shown this once.

    The case's attributes stay loaded after the commit, so the page reads any of them there: a
    field added to the case needs nothing here. The bodies and the item are as the citizen saw
    them (the public catalog's snapshots, or the stored rows for a receipt shown again), so that
    rendering asks the database nothing more.
    """

    case: Case
    code: str  # shown this once, never stored readable
    item: ShownItem | None
    files: int
    body: ShownBody  # where the case went
    chosen: ShownBody | None  # where the citizen addressed it; None for "not sure"

    @classmethod
    def of(
        cls, case: Case, code: str, notice: ShownNotice, item: ShownItem | None, files: int
    ) -> "Receipt":
        return cls(
            case=case,
            code=code,
            item=item,
            files=files,
            body=next(body for body in notice.bodies if body.id == case.body_id),
            chosen=notice.body_for(case.chosen_body),
        )

    @property
    def overridden(self) -> bool:
        """Tell whether the rules sent it elsewhere than the body the citizen chose."""
        return self.chosen is not None and self.chosen.id != self.body.id
