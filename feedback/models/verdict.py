"""A citizen's one-tap answer (属实 / 不属实 / 不了解) to whether an item's rectification is real."""

from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback.models.base import Base, str_enum


class Verdict(StrEnum):
    TRUE = "true"  # 属实
    UNTRUE = "untrue"  # 不属实
    UNKNOWN = "unknown"  # 不了解


class ItemVerdict(Base):
    """One browser's answer about one item: anonymous, counted once per browser and item.

    The browser is known only by a keyed hash of its random cookie and the item
    (feedback/cases/verdicts.py): no address, no time finer than the month, and one browser's
    answers about two items cannot be linked to each other.
    """

    __tablename__ = "item_verdicts"
    __table_args__ = (UniqueConstraint("item_id", "browser_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    browser_hash: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[Verdict] = mapped_column(str_enum(Verdict))
    month: Mapped[str] = mapped_column(String(7))  # 2026-12, when it was given or last changed
