"""The catalog a notice becomes: receiving bodies, and a notice's aspects → categories → items.

Every flush that changes any of them renews the catalog's stamp (`_renew_stamp`), whoever
flushes: a public page, the administrator, a command. Workers that hold a copy of the
published catalog (feedback/notices/catalog.py) compare stamps and reload on a difference.
"""

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from itertools import chain
from typing import Any
from uuid import uuid4

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from feedback.models.base import Base, str_enum, utcnow


class BodyRole(StrEnum):
    """The part a body plays for one notice; the routing rules speak in these."""

    COURT = "court"  # the inspected unit itself (被巡察单位), a court in the first notice
    DISCIPLINE = "discipline"  # the discipline inspection group that supervises it
    INSPECTION = "inspection"  # the inspection office that checks the rectification


class ItemStatus(StrEnum):
    DONE = "done"  # 已完成
    ONGOING = "ongoing"  # 持续推进


class Body(Base):
    """A receiving body (受理机关): the inspected court, its discipline group, the inspection office."""

    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    # Time limits in days, from 《信访工作条例》 unless a body configures its own.
    accept_days: Mapped[int] = mapped_column(default=15)
    close_days: Mapped[int] = mapped_column(default=60)
    max_extension_days: Mapped[int] = mapped_column(default=30)


class Notice(Base):
    """A published rectification notice (整改情况通报) of one inspected unit."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    unit: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    preamble: Mapped[str] = mapped_column(Text, default="")
    source_text: Mapped[str] = mapped_column(Text)
    # Hotlines and websites the notice gives for anyone (12388…), one a line; never a body.
    information: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None while a draft: only the administrator sees it, and it takes no feedback.
    published_at: Mapped[datetime | None]
    # The feedback window, in local dates, both days included; None leaves that end open.
    opens_on: Mapped[date | None]
    closes_on: Mapped[date | None]

    aspects: Mapped[list["Aspect"]] = relationship(
        back_populates="notice", order_by="Aspect.position", cascade="all, delete-orphan"
    )
    body_links: Mapped[list["NoticeBody"]] = relationship(
        back_populates="notice", order_by="NoticeBody.role", cascade="all, delete-orphan"
    )
    reviewer_links: Mapped[list["NoticeReviewer"]] = relationship(
        back_populates="notice", cascade="all, delete-orphan"
    )
    supervisor_links: Mapped[list["NoticeSupervisor"]] = relationship(
        back_populates="notice", cascade="all, delete-orphan"
    )

    @property
    def bodies(self) -> list[Body]:
        """The notice's receiving bodies: inspected unit, discipline group, inspection office."""
        return [link.body for link in self.body_links]

    def body_for(self, role: str) -> Body | None:
        return next((link.body for link in self.body_links if link.role == role), None)

    @property
    def chosen_reviewers(self) -> dict[str, str]:
        """The reviewer role the notice sets for a role, where it departs from the defaults."""
        return {link.role.value: link.reviewer.value for link in self.reviewer_links}

    @property
    def chosen_supervisors(self) -> dict[str, str]:
        """The supervising role the notice sets for a role, where it departs from the defaults."""
        return {link.role.value: link.supervisor.value for link in self.supervisor_links}

    def window(self, today: date) -> str:
        """Where today falls in the feedback window: "open", "not_yet" or "closed"."""
        return window_state(self.opens_on, self.closes_on, today)


def window_state(opens_on: date | None, closes_on: date | None, today: date) -> str:
    """Where today falls in a feedback window, both days included: "open", "not_yet" or "closed"."""
    if opens_on is not None and today < opens_on:
        return "not_yet"
    if closes_on is not None and today > closes_on:
        return "closed"
    return "open"


class NoticeBody(Base):
    """Which body plays which role for a notice; one body may serve many notices.

    One body plays one role in a notice: were the inspected unit also its discipline group, the
    reports about the unit would reach the unit (feedback/cases/routing.py).
    """

    __tablename__ = "notice_bodies"
    __table_args__ = (UniqueConstraint("notice_id", "body_id", name="uq_notice_bodies_one_role"),)

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[BodyRole] = mapped_column(str_enum(BodyRole), primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)

    notice: Mapped[Notice] = relationship(back_populates="body_links")
    body: Mapped[Body] = relationship(lazy="joined")


class NoticeReviewer(Base):
    """Which role reviews (复查) the decisions of another role, where a notice departs from the
    defaults of feedback/cases/routing.py (REVIEWERS). Kept apart from NoticeBody, whose rows
    change with the bodies, while this choice is about roles."""

    __tablename__ = "notice_reviewers"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[BodyRole] = mapped_column(str_enum(BodyRole), primary_key=True)
    reviewer: Mapped[BodyRole] = mapped_column(str_enum(BodyRole))

    notice: Mapped[Notice] = relationship(back_populates="reviewer_links")


class NoticeSupervisor(Base):
    """Which role supervises (监督, 督办) another role's timeliness, where a notice departs from
    the defaults of feedback/cases/routing.py (SUPERVISORS)."""

    __tablename__ = "notice_supervisors"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[BodyRole] = mapped_column(str_enum(BodyRole), primary_key=True)
    supervisor: Mapped[BodyRole] = mapped_column(str_enum(BodyRole))

    notice: Mapped[Notice] = relationship(back_populates="supervisor_links")


class Aspect(Base):
    """A 方面 of a notice, such as (二) 在贯彻落实全面从严治党战略部署方面."""

    __tablename__ = "aspects"
    __table_args__ = (UniqueConstraint("notice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)

    notice: Mapped[Notice] = relationship(back_populates="aspects")
    categories: Mapped[list["Category"]] = relationship(
        back_populates="aspect", order_by="Category.position", cascade="all, delete-orphan"
    )


class Category(Base):
    """A 类 of problems within an aspect; it holds the items (项)."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("aspect_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    aspect_id: Mapped[int] = mapped_column(ForeignKey("aspects.id", ondelete="CASCADE"))
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)

    aspect: Mapped[Aspect] = relationship(back_populates="categories")
    items: Mapped[list["Item"]] = relationship(
        back_populates="category", order_by="Item.position", cascade="all, delete-orphan"
    )


class Item(Base):
    """One problem (项) and what was done about it (整改情况); citizens comment on items."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("notice_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(24))  # 二.4.(1); a category without sub-items: 二.3
    title: Mapped[str] = mapped_column(Text)
    rectification: Mapped[str] = mapped_column(Text)
    status: Mapped[ItemStatus] = mapped_column(str_enum(ItemStatus), default=ItemStatus.DONE)
    status_cue: Mapped[str] = mapped_column(String(20), default="")  # the word that decided it
    status_by_hand: Mapped[bool] = mapped_column(default=False)  # set by the administrator

    category: Mapped[Category] = relationship(back_populates="items")
    notice: Mapped[Notice] = relationship(viewonly=True)

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}"


class CatalogStamp(Base):
    """One row whose stamp is renewed by every change to the catalog (`_renew_stamp`)."""

    __tablename__ = "catalog_stamps"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))


CATALOG_MODELS = (Notice, NoticeBody, NoticeReviewer, Aspect, Category, Item, Body)


class Renewals:
    """How many times this process renewed the stamp: its own workers' copies check at once."""

    count = 0


renewals = Renewals()


@event.listens_for(Session, "after_flush")
def _renew_stamp(session: Session, _flush_context: Any) -> None:
    """A flush that changed a notice, its items or a body gives the catalog a new stamp."""
    dirty: Iterable[object] = (o for o in session.dirty if session.is_modified(o))
    if any(isinstance(o, CATALOG_MODELS) for o in chain(session.new, session.deleted, dirty)):
        session.connection().execute(update(CatalogStamp).values(stamp=uuid4().hex))
        renewals.count += 1
