"""Staff accounts: each belongs to one receiving body, except the administrator's."""

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
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
    # Two-factor sign-in (TOTP): the secret, sealed with a key from DATA_KEY (keys.py); set while
    # enrolling, in force once totp_enabled_at is set. The last time step used refuses a replayed code.
    totp_secret: Mapped[str | None] = mapped_column(String(120))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    # Set when someone else gave the account its password: it chooses its own before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Part of the id a session holds: changing it (at logout) ends every session of the account.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))

    body: Mapped[Body | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def reads_cases(self) -> bool:
        return self.role != Role.ADMIN and self.body_id is not None

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER
