"""Where the bytes of attached files are kept: in the database, or on this machine's disk.

ATTACHMENT_STORE chooses, by default from the database: `database` on PostgreSQL keeps each file
in the attachment_contents table, so that every application machine sharing the database reaches
it and `pg_dump` backs it up with its case; `disk` on SQLite writes it under ATTACHMENT_DIR, as a
single machine always has. Either may be set explicitly (`database` works on SQLite too).

Both stores keep a file exactly as long as the transaction that adds or deletes its attachment
says: a file `put` in a transaction that rolls back is gone, and one `delete`d goes only when the
transaction commits. In the database that is the transaction itself; on disk, session events
remove a written file on rollback and a deleted one after the commit. Callers only commit.
"""

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, SessionTransaction

from feedback.extensions import DbSession
from feedback.models import Attachment, AttachmentContent

WRITTEN = "feedback_files_written"  # session.info: disk files to remove if it rolls back
DELETED = "feedback_files_deleted"  # session.info: disk files to remove once it commits


class AttachmentStore(Protocol):
    def put(self, session: DbSession, attachment: Attachment, data: bytes) -> None:
        """Keep a file's bytes, for as long as the session's transaction commits."""

    def open(self, session: DbSession, attachment: Attachment) -> BinaryIO:
        """Read a file back; FileNotFoundError if its bytes are not here."""

    def delete(self, session: DbSession, attachments: Sequence[Attachment]) -> None:
        """Forget the files' bytes when the session's transaction commits."""


def current() -> AttachmentStore:
    """The store the app is configured with."""
    config = current_app.config
    if config["ATTACHMENT_STORE"] == "database":
        return DatabaseStore()
    return DiskStore(Path(config["ATTACHMENT_DIR"]))


class DatabaseStore:
    """One row of attachment_contents per file, written in the case's own transaction."""

    def put(self, session: DbSession, attachment: Attachment, data: bytes) -> None:
        session.add(AttachmentContent(attachment=attachment, data=data))

    def open(self, session: DbSession, attachment: Attachment) -> BinaryIO:
        # At most ATTACHMENT_MAX_BYTES: read in one piece, in one short query.
        data = session.scalar(
            select(AttachmentContent.data).where(AttachmentContent.attachment_id == attachment.id)
        )
        if data is None:
            raise FileNotFoundError(f"no stored bytes for attachment {attachment.id}")
        return io.BytesIO(data)

    def delete(self, session: DbSession, attachments: Sequence[Attachment]) -> None:
        ids = [a.id for a in attachments]
        if ids:
            session.execute(
                delete(AttachmentContent).where(AttachmentContent.attachment_id.in_(ids))
            )


class DiskStore:
    """Files named by their attachment's random stored_name, readable by the service alone."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, session: DbSession, attachment: Attachment, data: bytes) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.folder / attachment.stored_name
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        session.info.setdefault(WRITTEN, []).append(path)
        with os.fdopen(handle, "wb") as out:
            out.write(data)

    def open(self, session: DbSession, attachment: Attachment) -> BinaryIO:
        return (self.folder / attachment.stored_name).open("rb")

    def delete(self, session: DbSession, attachments: Sequence[Attachment]) -> None:
        session.info.setdefault(DELETED, []).extend(
            self.folder / a.stored_name for a in attachments
        )


def not_in_database(session: DbSession) -> list[Attachment]:
    """The attachments whose bytes are not in the database (kept on disk by an earlier release)."""
    kept = select(AttachmentContent.attachment_id).where(
        AttachmentContent.attachment_id == Attachment.id
    )
    return list(session.scalars(select(Attachment).where(~kept.exists()).order_by(Attachment.id)))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    session.info.pop(WRITTEN, None)
    for path in session.info.pop(DELETED, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    """After a commit nothing is left to do; after a rollback, written files go."""
    if transaction.parent is not None:
        return
    for path in session.info.pop(WRITTEN, []):
        path.unlink(missing_ok=True)
    session.info.pop(DELETED, None)
