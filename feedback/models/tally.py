"""A body's month in counts (月度统计): how many cases of each sort, kept as the cases change."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from feedback.models.base import Base


class CaseTally(Base):
    """How many cases the body holds, received in one local month, have one value of one
    dimension: kind "opinion", item "17", came "transferred", acceptance "late"…; and how many
    of its open cases are due on each day (dimension "due_on").

    Kept in the same transaction as the cases themselves (feedback/cases/figures.py). Each case
    counts once in every dimension, so a month is a few dozen rows whatever the number of cases.
    """

    __tablename__ = "case_tallies"

    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), primary_key=True)
    # The local month received, 2026-11; "" for the open cases by the day of their deadline.
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(12), primary_key=True)  # figures.DIMENSIONS
    value: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" for none
    cases: Mapped[int] = mapped_column(default=0)
