"""A case (案件): what a citizen sent, where it is now, and every event in its history."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.account import User
from feedback.models.base import Base, str_enum, utcnow
from feedback.models.catalog import Body, Item, Notice

if TYPE_CHECKING:
    from feedback.models.attachment import Attachment


class Kind(StrEnum):
    OPINION = "opinion"  # 意见建议
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 检举控告
    OTHER = "other"  # 其他


class Status(StrEnum):
    RECEIVED = "received"  # 待受理
    ACCEPTED = "accepted"  # 已受理
    DECLINED = "declined"  # 不予受理
    CLOSED = "closed"  # 已办结

    @property
    def is_open(self) -> bool:
        return self in (Status.RECEIVED, Status.ACCEPTED)


class Rating(StrEnum):
    SATISFIED = "satisfied"  # 满意
    FAIRLY_SATISFIED = "fairly_satisfied"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


class EventKind(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TRANSFERRED = "transferred"
    NOTE = "note"
    ASSIGNED = "assigned"
    EXTENDED = "extended"
    CLOSED = "closed"
    SUPPLEMENT = "supplement"
    RATED = "rated"
    REVIEW_REQUESTED = "review_requested"  # 申请复查: on the original, naming the review case
    FOLLOW_UP = "follow_up"  # 追问: the citizen's one question after a reply
    ANSWERED = "answered"  # the body's answer to that question
    ESCALATED = "escalated"  # 督办: past its time limit, escalated to the supervising body
    PUBLISHED = "published"  # the reply, without names or contacts, shown on the public page
    GROUPED = "grouped"  # linked into a group of near copies (同一诉求), internal
    UNGROUPED = "ungrouped"  # taken out of its group, internal


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_body_received", "body_id", "received_at"),
        # The inbox: open cases by deadline, with every filter's column (index-only scans), and
        # each filter's own order; the all-bodies export by date (migration e6b4a7c1d9f2).
        Index(
            "ix_cases_open_due",
            "body_id",
            "due_at",
            "status",
            "kind",
            "item_id",
            "received_at",
            sqlite_where=text("due_at IS NOT NULL"),
            postgresql_where=text("due_at IS NOT NULL"),
        ),
        Index("ix_cases_body_status_received", "body_id", "status", "received_at"),
        Index("ix_cases_body_kind_received", "body_id", "kind", "received_at"),
        Index("ix_cases_body_item_received", "body_id", "item_id", "received_at"),
        Index("ix_cases_received_at", "received_at"),
        # The inbox's follow-up questions awaiting an answer (追问): a few rows of a body, however
        # many cases it has (queries.awaiting_answers).
        Index(
            "ix_cases_awaiting_answer",
            "body_id",
            "follow_up_at",
            sqlite_where=text("follow_up_at IS NOT NULL AND answered_at IS NULL"),
            postgresql_where=text("follow_up_at IS NOT NULL AND answered_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # 2026-11-000123
    tracking_hash: Mapped[str] = mapped_column(String(64))  # keyed hash of the 查询码
    # Keyed hash of the one-time token of the form it came from: the same form is stored once.
    # None for cases sent before the token existed (feedback/cases/resubmission.py).
    submission_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    kind: Mapped[Kind] = mapped_column(str_enum(Kind))
    chosen_body: Mapped[str] = mapped_column(String(32))  # a body slug, or "unsure"
    routing_reason: Mapped[str] = mapped_column(String(32))
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    subject: Mapped[str] = mapped_column(String(60))
    content: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool]
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.RECEIVED)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The deadline now running: acceptance while received, closing while accepted, none after.
    due_at: Mapped[datetime | None]
    extension_days: Mapped[int] = mapped_column(default=0)  # 延期, at most once
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[Rating | None] = mapped_column(str_enum(Rating))
    # What the export reports of the history, kept on the case as it happens (the events hold
    # it all), so that the export reads the cases alone, not every event of every case.
    transfers: Mapped[int] = mapped_column(default=0)  # 转办次数
    transferred_at: Mapped[datetime | None]  # the last transfer, which restarts acceptance
    reply: Mapped[str | None] = mapped_column(Text)  # 答复意见, or 不予受理理由 if declined
    # A review (复查) is a case of its own, linked to the case whose decision it reviews; one
    # review per case (feedback/cases/contest.py). It is followed with the original's code.
    review_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), unique=True
    )
    # 追问: when the citizen asked the one follow-up question, and when the body answered it.
    follow_up_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    # 被举报人: whom a report of misconduct (检举控告) names, as far as the citizen says; each
    # optional, None for other kinds. Deleted with the case by retention, like the content.
    reported_name: Mapped[str | None] = mapped_column(String(40))
    reported_unit: Mapped[str | None] = mapped_column(String(100))
    reported_post: Mapped[str | None] = mapped_column(String(60))
    # 公开答复: the citizen allowed, when sending, that the reply be published on the notice's
    # public page; staff then publish it, names and contacts removed (feedback/cases/publication.py).
    publish_allowed: Mapped[bool] = mapped_column(default=False, server_default=false())
    published_reply: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    # 同一诉求/重复件: the group of near copies staff linked this case into (cases/groups.py).
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_groups.id", ondelete="SET NULL"), index=True
    )

    body: Mapped[Body] = relationship()
    item: Mapped[Item | None] = relationship()
    notice: Mapped[Notice | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    contact: Mapped["Contact | None"] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    events: Mapped[list["Event"]] = relationship(
        back_populates="case", order_by="Event.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="case", order_by="Attachment.number", cascade="all, delete-orphan"
    )

    review_of: Mapped["Case | None"] = relationship(
        remote_side=[id], back_populates="review", foreign_keys=[review_of_id]
    )
    review: Mapped["Case | None"] = relationship(
        back_populates="review_of", foreign_keys=[review_of_id]
    )

    @property
    def awaits_answer(self) -> bool:
        """A follow-up question the body has not answered yet."""
        return self.follow_up_at is not None and self.answered_at is None

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now


class CaseGroup(Base):
    """A group of near copies (同一诉求, a campaign): cases of one body and one notice that staff
    answer with one reply. Each case keeps its own timeline, receipt and tracking code."""

    __tablename__ = "case_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseBand(Base):
    """One LSH band key of an open case's MinHash signature (cases/similar.py): cases sharing a
    key are the candidates for near copies. Only open cases have rows; they go when it closes."""

    __tablename__ = "case_bands"
    __table_args__ = (Index("ix_case_bands_key", "key"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    key: Mapped[int] = mapped_column(BigInteger)


class Contact(Base):
    """A real-name citizen's details (实名信息), kept apart from the case so they can be hidden."""

    __tablename__ = "contacts"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254), default="")

    case: Mapped[Case] = relationship(back_populates="contact")


class Event(Base):
    """One change to a case; public events form the timeline the citizen sees."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    public: Mapped[bool]
    # The body that held the case when this happened; internal notes stay with that body.
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    text: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="events")
    body: Mapped[Body] = relationship(foreign_keys=[body_id])
    to_body: Mapped[Body | None] = relationship(foreign_keys=[to_body_id])
    actor: Mapped[User | None] = relationship()


class ReferenceCounter(Base):
    """Retired: the previous release numbered each month's cases from this row; references are
    now drawn at random (receipts.add_with_reference). The table stays for one release, so that
    the previous release keeps filing cases while an upgrade is under way (DEPLOY.md); the
    release after this one drops it."""

    __tablename__ = "reference_counters"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-11
    last: Mapped[int] = mapped_column(default=0)
