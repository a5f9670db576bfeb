"""`flask feedback purge`: closed cases go with their contacts, events and files; anonymous
counts and an audit entry stay."""

from datetime import UTC, datetime

import pytest
from conftest import body, new_case
from security_helpers import pdf, stored_files
from sqlalchemy import func, select

from feedback import attachments, cases
from feedback.cases import ContactDetails
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
            cases.decline(db.session, case, me, "不属于受理范围")
        elif closed_on:
            cases.accept(db.session, case, me)
            cases.close(db.session, case, me, "已办结")
            cases.rate(db.session, case, Rating.SATISFIED, "")
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
