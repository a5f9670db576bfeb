"""The catalog a notice becomes: receiving bodies, and a notice's aspects → categories → items."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, utcnow


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

    aspects: Mapped[list["Aspect"]] = relationship(
        back_populates="notice", order_by="Aspect.position", cascade="all, delete-orphan"
    )


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

    category: Mapped[Category] = relationship(back_populates="items")

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}"
