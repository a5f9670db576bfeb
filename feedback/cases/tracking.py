"""What a citizen may see of a case once reference number and tracking code match, and how
wrong codes for one reference number are counted.

Wrong pairs are counted per reference number, from any client (TRACK_REFERENCE_LIMITS), in the
rate limiter's storage only. Past that limit a wrong pair gets a 429 and a time to wait, but the
pair is still checked and the right one still opens the case: a lock that the right code could
not pass would let anyone shut a citizen out of their own case (SECURITY.md says why that gives
a guesser nothing).
"""

import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse_many
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from feedback.cases import receipts
from feedback.extensions import DbSession, limiter
from feedback.models import Case, Event, EventKind
from feedback.storage import keys

SCOPE = "track-reference"

# Compared against when no case has the reference, so that both failures take the same work.
DECOY_HASH = keys.HASH_PREFIX + "A" * 43


def find_case(session: DbSession, reference: str, code: str) -> Case | None:
    """Return the case only when both the reference and the code match; otherwise None.

    Both are read as a citizen types them (receipts.normalise_reference and normalise_code).
    """
    reference = receipts.normalise_reference(reference)
    case = None
    # Anything else cannot be a case's, and PostgreSQL would refuse a NUL byte in the query.
    if receipts.is_reference(reference):
        case = session.execute(
            select(Case)
            .where(Case.reference == reference)
            .options(
                # what the case page shows of it, read with it rather than one by one
                joinedload(Case.body),
                joinedload(Case.item),
                joinedload(Case.review),
                selectinload(Case.events).selectinload(Event.to_body),
            )
        ).scalar_one_or_none()
    matches = receipts.code_matches(code, case.tracking_hash if case else DECOY_HASH)
    return case if case is not None and matches else None


def reference_key(reference: str) -> str:
    """The counter's key: the reference as read, known or not, so that a limit reveals nothing.

    Every way of typing one reference (full-width, without dashes) counts against it alike.
    """
    return receipts.normalise_reference(reference).upper()[:40]


def count_failure(reference: str) -> int | None:
    """Count a wrong pair against its reference; return the seconds to wait if it is over its limit."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    key = reference_key(reference)
    over = [tier for tier in _tiers() if not limiter.limiter.hit(tier, SCOPE, key)]
    if not over:
        return None
    reset = max(limiter.limiter.get_window_stats(tier, SCOPE, key).reset_time for tier in over)
    return max(1, math.ceil(reset - time.time()))


def _tiers() -> list[RateLimitItem]:
    return parse_many(current_app.config["TRACK_REFERENCE_LIMITS"])


@dataclass(frozen=True)
class PublicView:
    """The citizen's view of a case: the public timeline and the body's last word."""

    timeline: list[Event]
    reply: Event | None  # the closing reply
    declined: Event | None  # the reason for not accepting


def public_view(case: Case) -> PublicView:
    timeline = [e for e in case.events if e.public]
    return PublicView(
        timeline=timeline,
        reply=_last(timeline, EventKind.CLOSED),
        declined=_last(timeline, EventKind.DECLINED),
    )


def _last(events: list[Event], kind: EventKind) -> Event | None:
    return next((e for e in reversed(events) if e.kind is kind), None)
