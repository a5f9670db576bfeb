"""Retention: delete closed cases after a date, with their contacts, events and files.

"Closed" means closed (已办结) or declined (不予受理), with closed_at before the date. What stays
is an anonymous tally per month received, body, kind, outcome and rating (PurgedTally), for the
statistics, and one audit entry per body saying how many cases went. The caller commits: the
files' bytes go with that commit (attachment_store), so that a failed commit leaves every file.
The caller then scrubs the database (`scrub`), so that the deleted text cannot be read back from
its files.
"""

import sqlite3
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from feedback.cases import months
from feedback.extensions import DbSession
from feedback.models import (
    Attachment,
    AttachmentContent,
    AuditAction,
    Body,
    Case,
    CaseNews,
    Contact,
    Event,
    Kind,
    OutboxMessage,
    PurgedTally,
    Status,
)
from feedback.staff import audit
from feedback.storage import attachment_store, timeouts

FINISHED = (Status.CLOSED, Status.DECLINED)
# What a purge deletes rows from: PostgreSQL rewrites these tables afterwards (`scrub`).
PURGED_TABLES = tuple(
    model.__table__.name
    for model in (Case, Event, Contact, Attachment, AttachmentContent, CaseNews, OutboxMessage)
)
SEARCH_INDEX_MERGE = "INSERT INTO cases_search (cases_search) VALUES ('optimize')"
# How long the scrub waits for the service's requests to let go of a table (or of SQLite's log),
# and on PostgreSQL for the transactions begun before it to end.
SCRUB_WAIT_SECONDS = 10
# Whether a transaction older than a transaction id is still running, in any database (its id is
# in every snapshot), or holds a snapshot in this one (a backup, say): VACUUM would keep for it
# the rows deleted before. The id is an xid8; backend_xmin, an xid, is its low 32 bits.
OLDER_TRANSACTIONS = """
SELECT pg_snapshot_xmin(pg_current_snapshot()) <= %(now)s::xid8 OR EXISTS (
    SELECT FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
    AND age(backend_xmin) >= age((%(now)s::text::numeric %% 4294967296)::text::xid)
)
"""


@dataclass
class PurgeReport:
    cases: int = 0
    files: int = 0
    by_body: Counter[str] = field(default_factory=Counter)  # body slug → cases


def start_of(day: date) -> datetime:
    """The UTC moment the local day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=months.zone()).astimezone(UTC)


def purgeable(session: DbSession, before: datetime) -> list[Case]:
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


def purge(session: DbSession, day: date, *, dry_run: bool = False) -> PurgeReport:
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


def scrub(engine: Engine) -> bool:
    """Leave no deleted text in the database's files; False if it must be run again later.

    SQLite overwrites deleted content with zeros as it goes (secure_delete, database.py), but
    its search index holds the deleted text's trigrams until it is merged (done here, holding
    the write lock meanwhile: DEPLOY.md, "Retention"), and earlier versions of the
    pages stay in the write-ahead log: it is checkpointed and emptied here, once no reader
    needs it. PostgreSQL keeps deleted rows in its pages (VACUUM marks the
    space free without clearing it): VACUUM FULL rewrites the purged tables without them,
    locking each table while it copies it. It keeps rows that a transaction begun before the
    purge may still read, so it waits first until none is left (`_older_transactions`).
    Neither reaches the disk's free blocks, PostgreSQL's WAL archive or earlier backups.
    """
    if engine.dialect.name == "sqlite":
        path = engine.url.database or ""
        with closing(sqlite3.connect(path, timeout=SCRUB_WAIT_SECONDS)) as connection:
            connection.execute("PRAGMA secure_delete=ON")
            try:
                # The search index (inbox/search.py) keeps a deleted case's trigrams in its
                # segments until they are merged: merge them all into one, without them.
                connection.execute(SEARCH_INDEX_MERGE)
                connection.commit()
            except sqlite3.OperationalError:
                return False
            busy, _frames, _copied = connection.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).fetchone()
        return busy == 0
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        now = connection.exec_driver_sql("SELECT pg_current_xact_id()::text").scalar_one()
        deadline = time.monotonic() + SCRUB_WAIT_SECONDS
        while connection.exec_driver_sql(OLDER_TRANSACTIONS, {"now": now}).scalar_one():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        timeouts.lift(connection)  # rewriting a large table takes longer than a request may
        # Waiting longer for a lock would hold up every request queued behind the VACUUM.
        connection.exec_driver_sql(f"SET lock_timeout = '{SCRUB_WAIT_SECONDS}s'")
        try:
            connection.exec_driver_sql(f"VACUUM FULL {', '.join(PURGED_TABLES)}")
        except OperationalError:
            return False
    return True


def _tally(
    session: DbSession, month: str, body_id: int, kind: Kind, status: Status, rating: str
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
