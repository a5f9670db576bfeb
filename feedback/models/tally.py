"""A body's month in counts (月度统计): how many cases of each sort, kept as the cases change."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from feedback.models.base import Base


class CaseTally(Base):
    """How many cases the body holds that were received in one local month, by sort.

    Kept in the same transaction as the cases themselves (feedback/cases/figures.py), so that a
    month's figures read a few hundred rows whatever the number of cases. Every column but
    `cases` is part of the key; "" or 0 stands for none, so that the key has no NULL.
    """

    __tablename__ = "case_tallies"

    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # local, 2026-11
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # a Kind value
    item_id: Mapped[int] = mapped_column(primary_key=True)  # 0: about no particular item
    came: Mapped[str] = mapped_column(String(20), primary_key=True)  # figures.Came
    review: Mapped[bool] = mapped_column(primary_key=True)  # a review (复查) request
    acceptance: Mapped[str] = mapped_column(String(10), primary_key=True)  # figures.Verdict
    closing: Mapped[str] = mapped_column(String(10), primary_key=True)  # figures.Verdict
    rating: Mapped[str] = mapped_column(String(20), primary_key=True)  # a Rating value, or ""
    cases: Mapped[int] = mapped_column(default=0)
