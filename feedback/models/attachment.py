"""Files a citizen attached to a case: cleaned, stored under random names outside any served folder."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, utcnow
from feedback.models.case import Case


class Attachment(Base):
    """One file of a case. The citizen's file name is not kept: it may name them."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, 3 within the case
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # random; its name on disk
    media_type: Mapped[str] = mapped_column(String(40))  # image/jpeg, image/png, application/pdf
    size: Mapped[int]  # bytes, as stored
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")


class AttachmentContent(Base):
    """The bytes of one file, when ATTACHMENT_STORE keeps them in the database (attachment_store).

    A table of its own, so that reading a case's attachments never reads their bytes.
    """

    __tablename__ = "attachment_contents"

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)

    attachment: Mapped[Attachment] = relationship()
