"""The database models, one module per family."""

from feedback.models.account import Role, User
from feedback.models.attachment import Attachment
from feedback.models.audit import AuditAction, AuditEntry
from feedback.models.base import Base, utcnow
from feedback.models.case import (
    Case,
    Contact,
    Event,
    EventKind,
    Kind,
    Rating,
    Status,
)
from feedback.models.catalog import (
    Aspect,
    Body,
    BodyRole,
    CatalogStamp,
    Category,
    Item,
    ItemStatus,
    Notice,
    NoticeBody,
)
from feedback.models.retention import PurgedTally
from feedback.models.two_factor import RecoveryCode

__all__ = [
    "Aspect",
    "Attachment",
    "AuditAction",
    "AuditEntry",
    "Base",
    "Body",
    "BodyRole",
    "Case",
    "CatalogStamp",
    "Category",
    "Contact",
    "Event",
    "EventKind",
    "Item",
    "ItemStatus",
    "Kind",
    "Notice",
    "NoticeBody",
    "PurgedTally",
    "Rating",
    "RecoveryCode",
    "Role",
    "Status",
    "User",
    "utcnow",
]
