"""Near copies (相似件): the open cases of a body that say almost the same as a given one.

Only the subject and the text are compared, never who sent them or from where. Both are
normalised (full-width forms folded, letters lower-cased, spaces and punctuation dropped) and cut
into shingles of 2 and 3 characters. Two cases are near copies when the Jaccard similarity of
their shingle sets is at least SHOWN.

Finding them without comparing a case with every other: each open case has a MinHash signature
(datasketch, NUM_PERM values) cut into BANDS bands of ROWS values; each band is hashed to one key,
stored in case_bands (band, key) beside the case in the same transaction that stores or opens the
case, and deleted when it is declined or closed (operations.py). Cases sharing a key with this
one are the candidates: with 20 bands of 6 values a pair at similarity 0.6 shares a key with
probability 0.61, at 0.7 with 0.92, at 0.8 with 0.998 (1 - (1 - s^6)^20), and a pair at 0.4
with 0.08, so that loosely related cases rarely cost a look. The candidates (at most
CANDIDATES, most keys shared first) are then scored exactly from their texts.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from datasketch import MinHash

from feedback.extensions import DbSession
from feedback.models import Case, CaseBand, Status

NUM_PERM = 120
BANDS = 20
ROWS = NUM_PERM // BANDS
SHOWN = 0.6  # the least similarity shown as a near copy
CANDIDATES = 50  # candidates scored at most, those sharing the most band keys first: a
# campaign larger than that is linked in turns (its members are no longer candidates)
OPEN = (Status.RECEIVED, Status.ACCEPTED)


NOT_A_WORD = re.compile(r"[\W_]+")


def normalised(text: str) -> str:
    """Fold full-width forms (NFKC), lower-case, and keep letters and digits only."""
    return NOT_A_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def shingles(subject: str, content: str) -> frozenset[str]:
    """The 2- and 3-character shingles of the subject and the text, each taken on its own."""
    found: set[str] = set()
    for part in (normalised(subject), normalised(content)):
        length = len(part)
        found |= {part[i : i + 2] for i in range(length - 1)}
        found |= {part[i : i + 3] for i in range(length - 2)}
    return frozenset(found)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """The Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


@cache
def _permutations() -> tuple[Any, str]:
    """The hash permutations every signature uses (fixed seed: keys stored stay comparable)."""
    seeded = MinHash(num_perm=NUM_PERM, seed=1)
    return seeded.permutations, seeded.scheme


def band_keys(subject: str, content: str) -> list[int]:
    """The BANDS keys of a text's signature, the band's number hashed in: signed 64-bit."""
    found = shingles(subject, content)
    if not found:
        return []
    permutations, scheme = _permutations()
    signature = MinHash(num_perm=NUM_PERM, permutations=permutations, scheme=scheme)
    signature.update_batch([s.encode() for s in sorted(found)])
    values = signature.hashvalues
    keys = []
    for band in range(BANDS):
        rows = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + rows, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def band_rows(case_id: int, subject: str, content: str) -> list[dict[str, int]]:
    """The case_bands rows of a case (for bulk inserts too: demo data, migration)."""
    keys = band_keys(subject, content)
    return [{"case_id": case_id, "band": band, "key": key} for band, key in enumerate(keys)]


def index(session: DbSession, case: Case) -> None:
    """Store the band keys of a new case (after its row has an id)."""
    session.flush()
    rows = band_rows(case.id, case.subject, case.content)
    if rows:
        session.execute(sa.insert(CaseBand), rows)


def forget(session: DbSession, case: Case) -> None:
    """Drop the band keys of a case that is no longer open: it is no one's candidate."""
    session.execute(sa.delete(CaseBand).where(CaseBand.case_id == case.id))


@dataclass(frozen=True)
class NearCopy:
    id: int
    reference: str
    subject: str
    status: Status
    received_at: datetime
    group_id: int | None
    similarity: float  # 0 to 1

    @property
    def percent(self) -> int:
        return int(self.similarity * 100 + 0.5)


def near_copies(session: DbSession, case: Case) -> list[NearCopy]:
    """The open cases of the same body and notice that are near copies of this one, the most
    similar first; those already in its group are the group's, not listed again. Read from the
    case's own text, so a closed case finds its open copies too."""
    keys = band_keys(case.subject, case.content)
    if not keys:
        return []
    same_notice = (
        Case.notice_id.is_(None) if case.notice_id is None else Case.notice_id == case.notice_id
    )
    not_grouped = (
        sa.true()
        if case.group_id is None
        else sa.or_(Case.group_id.is_(None), Case.group_id != case.group_id)
    )
    # The keys' matches first, grouped (along ix_case_bands_key), then their cases by id: the
    # planner must not walk the body's open cases instead.
    matches = (
        sa.select(CaseBand.case_id, sa.func.count().label("shared"))
        .where(CaseBand.key.in_(keys), CaseBand.case_id != case.id)
        .group_by(CaseBand.case_id)
        .subquery()
    )
    candidates = (
        sa.select(Case.id)
        .join(matches, matches.c.case_id == Case.id)
        .where(Case.body_id == case.body_id, same_notice, Case.status.in_(OPEN), not_grouped)
        .order_by(matches.c.shared.desc(), Case.id)
        .limit(CANDIDATES)
    )
    ids = list(session.execute(candidates).scalars())
    if not ids:
        return []
    mine = shingles(case.subject, case.content)
    rows = session.execute(
        sa.select(
            Case.id,
            Case.reference,
            Case.subject,
            Case.content,
            Case.status,
            Case.received_at,
            Case.group_id,
        ).where(Case.id.in_(ids))
    )
    found = []
    for row in rows:
        score = similarity(mine, shingles(row.subject, row.content))
        if score >= SHOWN:
            found.append(
                NearCopy(
                    row.id,
                    row.reference,
                    row.subject,
                    row.status,
                    row.received_at,
                    row.group_id,
                    score,
                )
            )
    return sorted(found, key=lambda c: (-c.similarity, c.received_at, c.id))
