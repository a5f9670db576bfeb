"""Reference numbers (受理编号) and secret tracking codes (查询码) for the citizen's receipt.

The reference is readable and sequential per month; the tracking code is 100 random bits,
shown once and stored only as an HMAC keyed with a secret the database does not hold.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from feedback.models import ReferenceCounter
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
    key = hashlib.sha256(b"tracking-code:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()


def code_matches(code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_code(code), stored_hash)


def next_reference(session: Session, received_at: datetime) -> str:
    """Hand out the month's next number, atomically, on SQLite and PostgreSQL alike."""
    month = month_of(received_at)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(ReferenceCounter).values(month=month, last=0).on_conflict_do_nothing())
    number = session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.month == month)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    ).scalar_one()
    return f"{month}-{number:06d}"
