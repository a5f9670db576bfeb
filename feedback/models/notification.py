"""Notifications and escalation: the outbox, what each account and citizen asked to be told, and
the cases escalated (督办) to a supervising body.

A message holds an address only here, in the outbox and in the choices; a citizen's goes with the
case (ON DELETE CASCADE), so that a purge leaves none behind.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.account import User
from feedback.models.base import Base, str_enum, utcnow
from feedback.models.catalog import Body


class Audience(StrEnum):
    CITIZEN = "citizen"
    ACCOUNT = "account"


class NewCaseMail(StrEnum):
    """How an account hears of a case new to its body's inbox."""

    EACH = "each"  # a message per case
    DAILY = "daily"  # one daily digest
    NONE = "none"


class OutboxMessage(Base):
    """One message to send, written in the same transaction as the change that causes it.

    `key` names the event and the recipient: one message per event, whoever queues it twice.
    A runner claims a message (`claim`, `claimed_until`) before sending it; each attempt is
    counted, and the last one's time and error (never the address) are kept.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_waiting", "sent_at", "failed_at", "due_at"),
        Index("ix_outbox_last_attempt_at", "last_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    what: Mapped[str] = mapped_column(String(40))  # for the audit log: "accepted", "daily"…
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))  # whose audit log
    reference: Mapped[str] = mapped_column(String(20), default="")
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # given up after the last retry
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]


class MailSetting(Base):
    """What a staff account asked to be told about its body's cases, and where."""

    __tablename__ = "mail_settings"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), default="")
    new_cases: Mapped[NewCaseMail] = mapped_column(str_enum(NewCaseMail), default=NewCaseMail.NONE)
    due_list: Mapped[bool] = mapped_column(default=False)  # cases due within 3 days and overdue
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans_CN")
    # The local day of the last daily message, and the time from which the next one counts.
    daily_on: Mapped[str] = mapped_column(String(10), default="")
    daily_since: Mapped[datetime | None]

    account: Mapped[User] = relationship()


class CaseNews(Base):
    """进展通知: a citizen asked to hear by mail when the case has news. The token, random and
    not the address, lets the citizen stop it with one click."""

    __tablename__ = "case_news"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(10))
    token: Mapped[str] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Escalation(Base):
    """督办: a case past its time limit escalated, once, to the body that supervises its holder."""

    __tablename__ = "escalations"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)  # supervising
    holder_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))  # held it when escalated
    at: Mapped[datetime] = mapped_column(default=utcnow)
    days_overdue: Mapped[int]
    reference: Mapped[str] = mapped_column(String(20))

    body: Mapped[Body] = relationship(foreign_keys=[body_id])
    holder: Mapped[Body] = relationship(foreign_keys=[holder_id])
