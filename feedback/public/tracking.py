"""What a citizen may see of a case once reference number and tracking code match."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from feedback import keys, receipts
from feedback.models import Case, Event, EventKind

# Compared against when no case has the reference, so that both failures take the same work.
DECOY_HASH = keys.HASH_PREFIX + "A" * 43


def find_case(session: Session, reference: str, code: str) -> Case | None:
    """Return the case only when both the reference and the code match; otherwise None."""
    reference = reference.strip()
    case = None
    # Anything else cannot be a case's, and PostgreSQL would refuse a NUL byte in the query.
    if receipts.is_reference(reference):
        case = session.execute(
            select(Case)
            .where(Case.reference == reference)
            .options(selectinload(Case.events).selectinload(Event.to_body))
        ).scalar_one_or_none()
    matches = receipts.code_matches(code, case.tracking_hash if case else DECOY_HASH)
    return case if case is not None and matches else None


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
