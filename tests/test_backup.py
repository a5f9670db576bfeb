"""A backup taken while the service runs restores every case it held (DEPLOY.md's procedure)."""

import shutil
import subprocess

from conftest import new_case
from public_helpers import receipt
from security_helpers import jpeg_with_gps, running, send_with, staff_client, upload
from sqlalchemy import make_url, select

from feedback.cases import receipts
from feedback.extensions import db
from feedback.models import AttachmentContent, Case


def restore(databases, backup_file, tmp_path) -> str:
    """Restore as DEPLOY.md says: copy the SQLite file back, or pg_restore into an empty database."""
    if databases.dialect == "sqlite":
        restored = tmp_path / "restored.sqlite3"
        shutil.copy(backup_file, restored)
        return f"sqlite:///{restored}"
    url = databases.empty()
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", libpq, str(backup_file)],
        check=True,
        capture_output=True,
    )
    return url


def test_a_backup_restores_the_cases_received_before_it(
    app, runner, app_factory, databases, tmp_path
):
    before, code = new_case(subject="备份前收到的意见")
    reference = before.reference
    backup_file = tmp_path / "feedback.backup"
    result = runner.invoke(args=["feedback", "backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    new_case(subject="备份后收到的意见")

    restored = app_factory(SQLALCHEMY_DATABASE_URI=restore(databases, backup_file, tmp_path))
    with restored.app_context():
        cases = db.session.execute(select(Case)).scalars().all()
        assert [case.subject for case in cases] == ["备份前收到的意见"]
        assert cases[0].events and cases[0].reference == reference
        assert receipts.code_matches(code, cases[0].tracking_hash)
        db.session.remove()
    if databases.dialect == "postgresql":
        databases.drop(restored.config["SQLALCHEMY_DATABASE_URI"])


def test_a_backup_restores_the_photos_attached_before_it(app_factory, databases, tmp_path):
    # Files are in the database on PostgreSQL; on SQLite too when ATTACHMENT_STORE says so.
    store = {} if databases.dialect == "postgresql" else {"ATTACHMENT_STORE": "database"}
    live = app_factory(ATTACHMENT_DIR=str(tmp_path / "live"), **store)
    backup_file = tmp_path / "feedback.backup"
    with running(live):
        files = [upload(jpeg_with_gps(), "photo.jpg")]
        reference, _ = receipt(send_with(live.test_client(), files))
        stored = db.session.scalars(select(AttachmentContent.data)).one()
        result = live.test_cli_runner().invoke(args=["feedback", "backup", str(backup_file)])
        assert result.exit_code == 0, result.output

    url = restore(databases, backup_file, tmp_path)
    restored = app_factory(
        SQLALCHEMY_DATABASE_URI=url, ATTACHMENT_DIR=str(tmp_path / "new"), **store
    )
    with running(restored):
        case = db.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        court = staff_client(restored, "court-staff")
        response = court.get(f"/inbox/cases/{case.id}/attachments/1")
        assert response.status_code == 200 and response.data == stored
    if databases.dialect == "postgresql":
        databases.drop(url)


def test_a_backup_into_a_missing_folder_is_refused(runner, tmp_path):
    result = runner.invoke(args=["feedback", "backup", str(tmp_path / "missing" / "x")])
    assert result.exit_code != 0
    assert "missing" in result.output
