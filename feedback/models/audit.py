"""The audit log: who did what, when, to which case — append-only, and never an IP address."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.account import User
from feedback.models.base import Base, str_enum, utcnow
from feedback.models.catalog import Body


class AuditAction(StrEnum):
    CASE_VIEWED = "case_viewed"
    INBOX_SEARCHED = "inbox_searched"  # detail: reference|words:cases shown:page, no terms
    CONTACT_REVEALED = "contact_revealed"
    CASE_STEP = "case_step"  # accept, decline, transfer, note, assign, extend, close
    ATTACHMENT_DOWNLOADED = "attachment_read"
    EXPORTED = "exported"
    PURGED = "purged"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_REACTIVATED = "account_reactivated"
    TWO_FACTOR_ENROLLED = "2fa_enrolled"
    TWO_FACTOR_RESET = "2fa_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    BODY_CHANGED = "body_changed"
    NOTICE_IMPORTED = "notice_imported"
    NOTICE_CHANGED = "notice_changed"
    NOTICE_PUBLISHED = "notice_published"
    NOTICE_DISCARDED = "notice_discarded"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"  # by the account itself
    ACCOUNT_MOVED = "account_moved"
    CHANGE_REQUESTED = "change_requested"  # an account change waits for a manager's approval
    CHANGE_APPROVED = "change_approved"
    CHANGE_REJECTED = "change_rejected"
    CHANGE_UNAPPROVED = "change_unapproved"  # made without approval: no active manager to ask
    UNAPPROVED_SEEN = "unapproved_seen"  # a manager acknowledged changes made without approval
    RECOVERY_CODES_NEW = "recovery_codes_new"
    TEMPLATE_CREATED = "template_created"
    TEMPLATE_CHANGED = "template_changed"
    TEMPLATE_DELETED = "template_deleted"
    ESCALATED = "escalated"  # 督办, by the command line
    NOTIFIED = "notified"  # a message sent: to whom (an account, or "the citizen") and what
    MAIL_SETTINGS = "mail_settings"  # an account changed what it is told by mail
    NEWS_STOPPED = "news_stopped"  # a citizen stopped the news of a case


class AuditEntry(Base):
    """One recorded access or change. Entries are only ever added (see feedback.staff.audit).

    The case is kept by id and reference without a foreign key, so that an entry outlives the
    case it is about when retention deletes the case.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_body_at", "body_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The account's name when it acted; empty for the command line or an unknown username.
    actor_name: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction))
    # Whose log the entry belongs to: the body holding the case, or the account's body.
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    case_id: Mapped[int | None]
    case_reference: Mapped[str] = mapped_column(String(20), default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()
    body: Mapped[Body | None] = relationship()
