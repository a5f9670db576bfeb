"""What retention leaves behind: anonymous counts of deleted cases, for the statistics."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback.models.base import Base, str_enum
from feedback.models.case import Kind, Status


class PurgedTally(Base):
    """How many cases of one month, body, kind, outcome and rating were purged (no text, no id)."""

    __tablename__ = "purged_tallies"
    __table_args__ = (UniqueConstraint("month", "body_id", "kind", "status", "rating"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # the local month received, 2026-11
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind))
    status: Mapped[Status] = mapped_column(str_enum(Status))
    rating: Mapped[str] = mapped_column(String(20), default="")  # a Rating value, or "" for none
    cases: Mapped[int] = mapped_column(default=0)
