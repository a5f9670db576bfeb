"""Changes to an account in a body asked by someone who is not one of its managers.

The administrator (on the web or the command line) may not, alone, open a way into a body's
cases: creating, reactivating, resetting the password or second factor of an account in a body,
or moving an account into one, waits for the approval of an active manager of that body. A body
with no active manager cannot be asked: the change is made at once, kept here as UNAPPROVED and
shown to each of the body's managers until they have acknowledged it (feedback.staff.approvals).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.account import User
from feedback.models.base import Base, str_enum, utcnow
from feedback.models.catalog import Body


class RequestKind(StrEnum):
    CREATE = "create"
    REACTIVATE = "reactivate"
    RESET_PASSWORD = "reset_password"
    RESET_TWO_FACTOR = "reset_two_factor"
    MOVE = "move"  # into another body: that body's managers decide


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    UNAPPROVED = "unapproved"  # made at once: the body had no active manager to ask


class AccountRequest(Base):
    __tablename__ = "account_requests"
    __table_args__ = (Index("ix_account_requests_body_state", "body_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind))
    state: Mapped[RequestState] = mapped_column(str_enum(RequestState))
    # The account; its name stays when a rejected new account is deleted.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(40))
    # Whose managers decide: the account's body, or for a move the body it would join.
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    from_body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    # Who asked: an account, or the command line (no account, empty name).
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_by_name: Mapped[str] = mapped_column(String(40), default="")
    # The new password's hash, kept only while the reset waits.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_name: Mapped[str] = mapped_column(String(40), default="")
    decided_at: Mapped[datetime | None]

    account: Mapped[User | None] = relationship(foreign_keys=[account_id])
    body: Mapped[Body] = relationship(foreign_keys=[body_id])
    from_body: Mapped[Body | None] = relationship(foreign_keys=[from_body_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])


class Acknowledgement(Base):
    """A manager has seen a change made in their body without approval."""

    __tablename__ = "account_request_acknowledgements"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("account_requests.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
