"""A receipt kept for a short while, so that a citizen whose page was lost sees it again."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base
from feedback.models.case import Case


class KeptReceipt(Base):
    """The tracking code of a new case, sealed under a key that only the citizen's browser holds.

    feedback/cases/resubmission.py says how; the row is deleted once it has expired.
    """

    __tablename__ = "kept_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    # A hash of what was sent, keyed by the browser's key: finds the same message sent again.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # nonce + AES-GCM of the tracking code
    expires_at: Mapped[datetime] = mapped_column(index=True)

    case: Mapped[Case] = relationship()
