"""Reply templates (答复模板): texts a body's managers keep for its staff to start a reply from."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, str_enum, utcnow
from feedback.models.catalog import Body


class TemplateUse(StrEnum):
    REPLY = "reply"  # the reply that closes a case (办结答复)
    DECLINE = "decline"  # the reason for not accepting a case (不予受理理由)


class ReplyTemplate(Base):
    """A plain text of one body, offered only to that body's staff, for one kind of answer."""

    __tablename__ = "reply_templates"
    __table_args__ = (UniqueConstraint("body_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    use: Mapped[TemplateUse] = mapped_column(str_enum(TemplateUse))
    title: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    body: Mapped[Body] = relationship()
