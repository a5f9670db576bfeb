"""Retention: delete closed cases after a date, with their contacts, events and files.

"Closed" means closed (已办结) or declined (不予受理), with closed_at before the date. What stays
is an anonymous tally per month received, body, kind, outcome and rating (PurgedTally), for the
statistics, and one audit entry per body saying how many cases went. The caller commits: the
files' bytes go with that commit (attachment_store), so that a failed commit leaves every file.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from feedback import attachment_store, audit, months
from feedback.models import AuditAction, Body, Case, Kind, PurgedTally, Status

FINISHED = (Status.CLOSED, Status.DECLINED)


@dataclass
class PurgeReport:
    cases: int = 0
    files: int = 0
    by_body: Counter[str] = field(default_factory=Counter)  # body slug → cases


def start_of(day: date) -> datetime:
    """The UTC moment the local day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=months.zone()).astimezone(UTC)


def purgeable(session: Session, before: datetime) -> list[Case]:
    return list(
        session.execute(
            select(Case)
            .options(
                selectinload(Case.attachments),
                selectinload(Case.events),
                selectinload(Case.contact),
                selectinload(Case.body),
            )
            .where(Case.status.in_(FINISHED), Case.closed_at < before)
            .order_by(Case.id)
        ).scalars()
    )


def purge(session: Session, day: date, *, dry_run: bool = False) -> PurgeReport:
    """Delete the cases closed or declined before the local day (or only count them)."""
    report = PurgeReport()
    cases = purgeable(session, start_of(day))
    files = attachment_store.current()
    bodies: dict[str, Body] = {}
    tallies: dict[tuple[str, int, Kind, Status, str], PurgedTally] = {}
    for case in cases:
        report.cases += 1
        report.files += len(case.attachments)
        report.by_body[case.body.slug] += 1
        bodies[case.body.slug] = case.body
        if dry_run:
            continue
        files.delete(session, case.attachments)
        key = (
            months.month_of(case.received_at),
            case.body_id,
            case.kind,
            case.status,
            case.rating.value if case.rating else "",
        )
        if key not in tallies:
            tallies[key] = _tally(session, *key)
        tallies[key].cases += 1
        session.delete(case)
    if not dry_run:
        for slug, count in sorted(report.by_body.items()):
            audit.record(
                session,
                None,
                AuditAction.PURGED,
                body=bodies[slug],
                detail=f"{count}:{day.isoformat()}",
            )
        session.flush()
    return report


def _tally(
    session: Session, month: str, body_id: int, kind: Kind, status: Status, rating: str
) -> PurgedTally:
    found = session.execute(
        select(PurgedTally).where(
            PurgedTally.month == month,
            PurgedTally.body_id == body_id,
            PurgedTally.kind == kind,
            PurgedTally.status == status,
            PurgedTally.rating == rating,
        )
    ).scalar_one_or_none()
    if found is None:
        found = PurgedTally(
            month=month, body_id=body_id, kind=kind, status=status, rating=rating, cases=0
        )
        session.add(found)
    return found
