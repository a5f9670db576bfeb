"""`flask feedback purge`: closed cases go with their contacts, events and files; anonymous
counts and an audit entry stay."""

import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import body, new_case
from security_helpers import pdf, stored_files
from sqlalchemy import func, make_url, select

from feedback.cases import attachments, operations
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import (
    AuditAction,
    AuditEntry,
    Case,
    Contact,
    Event,
    Kind,
    PurgedTally,
    Rating,
    Status,
)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def history(app, staff, tmp_path):
    """Cases closed in 2025, declined in 2025, closed in 2026, and one still open."""
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "files")
    app.config["ATTACHMENT_STORE"] = "disk"  # the tests look at the folder
    contact = ContactDetails("王五", "13700000000", "")
    made = {}
    for name, closed_on in (("old", 2025), ("declined", 2025), ("recent", 2026), ("open", None)):
        case, _ = new_case(contact=contact, subject=f"{name}-subject")
        attachments.store(db.session, case, [attachments.CleanFile("pdf", pdf(name.encode()))])
        me = staff["court"]
        if name == "declined":
            operations.decline(db.session, case, me, "不属于受理范围")
        elif closed_on:
            operations.accept(db.session, case, me)
            operations.close(db.session, case, me, "已办结")
            operations.rate(db.session, case, Rating.SATISFIED, "")
        if closed_on:
            case.closed_at = datetime(closed_on, 3, 1, tzinfo=UTC)
        db.session.commit()
        made[name] = case.id
    return made


def test_a_dry_run_counts_and_deletes_nothing(runner, history, tmp_path):
    result = runner.invoke(args=["feedback", "purge", "--closed-before", "2026-01-01", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 closed cases would be deleted" in result.output and "court 2" in result.output
    assert count(Case) == 4 and len(stored_files(tmp_path / "files")) == 4
    assert count(PurgedTally) == 0


def test_purge_deletes_closed_cases_with_contacts_events_and_files(runner, history, tmp_path):
    result = runner.invoke(args=["feedback", "purge", "--closed-before", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert "2 closed cases deleted" in result.output and "2 files" in result.output
    remaining = set(db.session.execute(select(Case.id)).scalars())
    assert remaining == {history["recent"], history["open"]}
    assert count(Contact) == 2
    assert not db.session.execute(
        select(Event.id).where(Event.case_id.in_([history["old"], history["declined"]]))
    ).all()
    files = stored_files(tmp_path / "files")
    assert len(files) == 2 and all(b"old" not in f.read_bytes() for f in files)
    # What stays: anonymous counts, and the deletion in the body's audit log.
    tallies = db.session.execute(select(PurgedTally)).scalars().all()
    assert sorted((t.status, t.rating, t.cases) for t in tallies) == [
        (Status.CLOSED, "satisfied", 1),
        (Status.DECLINED, "", 1),
    ]
    assert all(t.kind is Kind.OPINION and t.body_id == body("court").id for t in tallies)
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == AuditAction.PURGED)
    ).scalar_one()
    assert entry.body_id == body("court").id and entry.detail == "2:2026-01-01"
    # Running it again finds nothing more, and adds to the same counts later.
    again = runner.invoke(args=["feedback", "purge", "--closed-before", "2026-01-01"])
    assert "0 closed cases deleted" in again.output


def test_a_malformed_date_is_refused(runner, history):
    result = runner.invoke(args=["feedback", "purge", "--closed-before", "01/01/2026"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output
    assert count(Case) == 4


def database_bytes(database_url: str) -> bytes:
    """Everything the database keeps on disk, as a copy of its files would show it.

    SQLite: the database file and its write-ahead log. PostgreSQL: every page of this database's
    own tables, their indexes and TOAST tables, read raw (pageinspect), whatever rows they hold.
    """
    if db.engine.dialect.name == "sqlite":
        path = Path(make_url(database_url).database)
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    with db.engine.connect() as connection:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
        pages = connection.exec_driver_sql(
            "SELECT get_raw_page(c.oid::regclass::text, block) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "CROSS JOIN generate_series(0, pg_relation_size(c.oid) / 8192 - 1) AS block "
            "WHERE c.relkind IN ('r', 't', 'i') AND n.nspname IN ('public', 'pg_toast') "
            "AND c.relfilenode <> 0 AND c.relpersistence = 'p'"
        ).scalars()
        data = b"".join(bytes(page) for page in pages)
        connection.rollback()
    return data


def test_a_purged_case_leaves_no_text_in_the_database_files(app, staff, runner, database_url):
    marker = f"PURGED-{secrets.token_hex(6)}"
    # The search index stores trigrams, not the text: a phrase of rare characters of its own
    # shows whether the index still holds the deleted case's (its tail survives the index's
    # prefix compression of sorted terms).
    rare = "鼋鼍蛟螭麒麟"
    long_text = f"{marker}-start {secrets.token_hex(3000)} {rare} {marker}-end"  # TOAST
    for subject in ("kept before", marker, "kept after"):
        case, _ = new_case(
            subject=subject,
            content=long_text if subject == marker else "留着的内容",
            contact=ContactDetails(f"{subject}-name", "13700000000", ""),
        )
        if subject == marker:
            operations.decline(db.session, case, staff["court"], f"{marker}-reason")
            case.closed_at = datetime(2025, 3, 1, tzinfo=UTC)
        db.session.commit()
    before = database_bytes(database_url)
    assert before.count(marker.encode()) >= 5  # the scan finds it
    tail = rare[-2:].encode()
    assert before.count(tail) >= (2 if db.engine.dialect.name == "sqlite" else 1)  # and the index

    result = runner.invoke(args=["feedback", "purge", "--closed-before", "2026-01-01"])
    assert "1 closed cases deleted" in result.output, result.output
    # On a busy server an older transaction can keep the deleted rows a while: the command says
    # so and is run again, as an operator would (on PostgreSQL, other tests' transactions).
    for _ in range(60):
        if result.exit_code == 0:
            break
        assert "run the same command again" in result.output, result.output
        time.sleep(1)
        result = runner.invoke(args=["feedback", "purge", "--closed-before", "2026-01-01"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    found = database_bytes(database_url)
    assert found.count(marker.encode()) == 0
    assert found.count(tail) == 0
    assert found.count(b"kept before") and found.count(b"kept after")
