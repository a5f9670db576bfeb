"""The catalog a notice becomes: receiving bodies, and a notice's aspects → categories → items."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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

    @property
    def bodies(self) -> list[Body]:
        """The notice's receiving bodies: inspected unit, discipline group, inspection office."""
        return [link.body for link in self.body_links]

    def body_for(self, role: str) -> Body | None:
        return next((link.body for link in self.body_links if link.role == role), None)

    def window(self, today: date) -> str:
        """Where today falls in the feedback window: "open", "not_yet" or "closed"."""
        if self.opens_on is not None and today < self.opens_on:
            return "not_yet"
        if self.closes_on is not None and today > self.closes_on:
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
    """One row whose stamp is renewed by every change to the catalog (see feedback/notices/catalog.py)."""

    __tablename__ = "catalog_stamps"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))
