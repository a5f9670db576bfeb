"""Staff accounts: each belongs to one receiving body, except the administrator's."""

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, str_enum, utcnow
from feedback.models.catalog import Body


class Role(StrEnum):
    STAFF = "staff"
    MANAGER = "manager"  # also manages the body's accounts and exports its month
    ADMIN = "admin"  # manages bodies, notices and accounts; reads no case


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    body: Mapped[Body | None] = relationship()

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def reads_cases(self) -> bool:
        return self.role != Role.ADMIN and self.body_id is not None

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER
