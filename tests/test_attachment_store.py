"""Where attached files are kept: in the database on PostgreSQL, so that every application machine
sharing it serves them, on disk on SQLite as before; either way with the case's transaction."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import case_count, new_case
from PIL import Image
from public_helpers import receipt
from security_helpers import (
    jpeg_with_gps,
    pdf,
    running,
    send_with,
    staff_client,
    stored_files,
    upload,
)
from sqlalchemy import select, text

from feedback import create_app
from feedback.cases import attachments, operations
from feedback.config import ConfigurationError
from feedback.extensions import db
from feedback.models import Attachment, AttachmentContent, Case

STORES = ("database", "disk")


def shared_store(databases) -> dict[str, str]:
    """The settings two machines share files with: PostgreSQL's default, or said on SQLite."""
    return {} if databases.dialect == "postgresql" else {"ATTACHMENT_STORE": "database"}


def stored_bytes(app) -> list[bytes]:
    """Every stored file's bytes, wherever they may be: the database table and the app's folder."""
    rows = db.session.scalars(select(AttachmentContent.data)).all()
    files = stored_files(Path(app.config["ATTACHMENT_DIR"]))
    return sorted([bytes(row) for row in rows] + [path.read_bytes() for path in files])


def the_case(reference: str) -> Case:
    return db.session.execute(select(Case).where(Case.reference == reference)).scalar_one()


def download(app, case_id: int, number: int) -> bytes:
    response = staff_client(app, "court-staff").get(f"/inbox/cases/{case_id}/attachments/{number}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response.data


def test_a_photo_attached_through_one_machine_is_downloaded_by_staff_through_another(
    app_factory, databases, tmp_path
):
    machine_a = app_factory(ATTACHMENT_DIR=str(tmp_path / "a"), **shared_store(databases))
    machine_b = app_factory(ATTACHMENT_DIR=str(tmp_path / "b"), **shared_store(databases))
    marker = b"PDF-SENT-THROUGH-A"
    with running(machine_a):
        files = [upload(jpeg_with_gps(), "photo.jpg"), upload(pdf(marker), "scan.pdf")]
        reference, _code = receipt(send_with(machine_a.test_client(), files))
    with running(machine_b):
        case = the_case(reference)
        kept = db.session.scalars(
            select(AttachmentContent.data)
            .join(Attachment)
            .where(Attachment.case_id == case.id)
            .order_by(Attachment.number)
        ).all()
        photo = download(machine_b, case.id, 1)
        assert photo == kept[0]  # byte for byte what was stored: the cleaned photo
        assert b"SECRET-CAMERA" not in photo
        with Image.open(io.BytesIO(photo)) as image:
            assert image.size == (24, 32) and not image.getexif()
        assert download(machine_b, case.id, 2) == kept[1] == pdf(marker)  # a PDF is kept as sent
    # Neither machine wrote the files to its own disk.
    assert stored_files(tmp_path / "a") == [] and stored_files(tmp_path / "b") == []


def test_files_are_in_the_database_on_postgresql_and_on_disk_on_sqlite(
    app_factory, databases, tmp_path
):
    folder = tmp_path / "files"
    app = app_factory(ATTACHMENT_DIR=str(folder))
    expected = "database" if databases.dialect == "postgresql" else "disk"
    assert app.config["ATTACHMENT_STORE"] == expected
    with running(app):
        receipt(send_with(app.test_client(), [upload(pdf(b"WHERE-AM-I"), "a.pdf")]))
        in_database = db.session.scalars(select(AttachmentContent.data)).all()
    on_disk = [path.read_bytes() for path in stored_files(folder)]
    assert (in_database, on_disk) == (
        ([pdf(b"WHERE-AM-I")], []) if expected == "database" else ([], [pdf(b"WHERE-AM-I")])
    )


def test_an_unknown_store_is_refused_at_start(database_url):
    with pytest.raises(ConfigurationError, match="ATTACHMENT_STORE"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "ATTACHMENT_STORE": "s3"})


def refuse_a_second_file(databases) -> None:
    """Make the database itself refuse the insert of a case's second file, as a full disk would."""
    if databases.dialect == "postgresql":
        db.session.execute(
            text(
                "CREATE FUNCTION refuse_file() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'no space left'; END $$"
            )
        )
        db.session.execute(
            text(
                "CREATE TRIGGER refuse_file BEFORE INSERT ON attachments FOR EACH ROW "
                "WHEN (NEW.number = 2) EXECUTE FUNCTION refuse_file()"
            )
        )
    else:
        db.session.execute(
            text(
                "CREATE TRIGGER refuse_file BEFORE INSERT ON attachments WHEN NEW.number = 2 "
                "BEGIN SELECT RAISE(ABORT, 'no space left'); END"
            )
        )
    db.session.commit()


@pytest.mark.parametrize("store", STORES)
def test_a_submission_that_fails_leaves_no_file_behind(app_factory, databases, tmp_path, store):
    app = app_factory(ATTACHMENT_DIR=str(tmp_path / "files"), ATTACHMENT_STORE=store)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the citizen gets the error page
    files = [upload(pdf(b"FIRST"), "1.pdf"), upload(pdf(b"SECOND"), "2.pdf")]
    with running(app):
        refuse_a_second_file(databases)
        failed = send_with(app.test_client(), files)
        assert failed.status_code == 500 and "receipt-code" not in failed.get_data(as_text=True)
        assert case_count() == 0 and stored_bytes(app) == []
        on_table = " ON attachments" if databases.dialect == "postgresql" else ""
        db.session.execute(text(f"DROP TRIGGER refuse_file{on_table}"))
        db.session.commit()
        for stream, _name in files:
            stream.seek(0)
        receipt(send_with(app.test_client(), files))
        assert stored_bytes(app) == [pdf(b"FIRST"), pdf(b"SECOND")]
        in_database = db.session.scalars(select(AttachmentContent.attachment_id)).all()
        assert len(in_database) == (2 if store == "database" else 0)


@pytest.mark.parametrize("store", STORES)
def test_purge_deletes_the_files_of_the_cases_it_deletes(app, staff, runner, tmp_path, store):
    app.config.update(ATTACHMENT_DIR=str(tmp_path / "files"), ATTACHMENT_STORE=store)
    for name, closed_on in (("old", 2025), ("recent", 2026)):
        case, _ = new_case(subject=name)
        attachments.store(db.session, case, [attachments.CleanFile("pdf", pdf(name.encode()))])
        operations.accept(db.session, case, staff["court"])
        operations.close(db.session, case, staff["court"], "已办结")
        case.closed_at = datetime(closed_on, 3, 1, tzinfo=UTC)
        db.session.commit()
    assert stored_bytes(app) == [pdf(b"old"), pdf(b"recent")]
    dry = runner.invoke(args=["feedback", "purge", "--closed-before", "2026-01-01", "--dry-run"])
    assert "with 1 files" in dry.output and len(stored_bytes(app)) == 2
    result = runner.invoke(args=["feedback", "purge", "--closed-before", "2026-01-01"])
    assert result.exit_code == 0 and "1 closed cases deleted" in result.output
    assert stored_bytes(app) == [pdf(b"recent")]
    in_database = db.session.scalars(select(AttachmentContent.attachment_id)).all()
    assert len(in_database) == (1 if store == "database" else 0)


def test_files_an_earlier_release_kept_on_disk_are_moved_into_the_database(app_factory, tmp_path):
    folder = tmp_path / "attachments"
    earlier = app_factory(ATTACHMENT_DIR=str(folder), ATTACHMENT_STORE="disk")
    with running(earlier):
        files = [upload(jpeg_with_gps(), "photo.jpg"), upload(pdf(b"OLD-PDF"), "scan.pdf")]
        reference, _ = receipt(send_with(earlier.test_client(), files))
        case = the_case(reference)
        on_disk = [(folder / a.stored_name).read_bytes() for a in case.attachments]
    upgraded = app_factory(ATTACHMENT_DIR=str(folder), ATTACHMENT_STORE="database")
    with running(upgraded):
        runner = upgraded.test_cli_runner()
        init = runner.invoke(args=["feedback", "init"])
        assert init.exit_code == 0 and "2 files are still in" in init.stderr
        assert "move-attachments" in init.stderr
        moved = runner.invoke(args=["feedback", "move-attachments"])
        assert moved.exit_code == 0, moved.output
        assert "2 files moved into the database" in moved.output
        assert stored_files(folder) == []
        again = runner.invoke(args=["feedback", "move-attachments"])
        assert again.exit_code == 0 and "0 files moved" in again.output
        assert "still in" not in runner.invoke(args=["feedback", "init"]).stderr
    elsewhere = app_factory(ATTACHMENT_DIR=str(tmp_path / "elsewhere"), ATTACHMENT_STORE="database")
    with running(elsewhere):
        case = the_case(reference)
        assert [download(elsewhere, case.id, n) for n in (1, 2)] == on_disk


def test_moving_names_the_files_found_nowhere(app_factory, tmp_path):
    folder = tmp_path / "attachments"
    earlier = app_factory(ATTACHMENT_DIR=str(folder), ATTACHMENT_STORE="disk")
    with running(earlier):
        reference, _ = receipt(send_with(earlier.test_client(), [upload(pdf(), "a.pdf")]))
    for path in stored_files(folder):
        path.unlink()  # lost before the upgrade
    upgraded = app_factory(ATTACHMENT_DIR=str(folder), ATTACHMENT_STORE="database")
    with running(upgraded):
        moved = upgraded.test_cli_runner().invoke(args=["feedback", "move-attachments"])
    assert moved.exit_code != 0
    assert "1 files are in neither the database nor" in moved.output
    assert f"{reference}-1" in moved.output


def test_moving_is_refused_when_files_stay_on_disk(app_factory, tmp_path):
    app = app_factory(ATTACHMENT_DIR=str(tmp_path / "files"), ATTACHMENT_STORE="disk")
    with running(app):
        result = app.test_cli_runner().invoke(args=["feedback", "move-attachments"])
    assert result.exit_code != 0 and "nothing to move" in result.output
