"""The database models, one module per family."""

from feedback.models.account import Role, User
from feedback.models.base import Base, utcnow
from feedback.models.case import (
    Case,
    Contact,
    Event,
    EventKind,
    Kind,
    Rating,
    ReferenceCounter,
    Status,
)
from feedback.models.catalog import Aspect, Body, Category, Item, Notice

__all__ = [
    "Aspect",
    "Base",
    "Body",
    "Case",
    "Category",
    "Contact",
    "Event",
    "EventKind",
    "Item",
    "Kind",
    "Notice",
    "Rating",
    "ReferenceCounter",
    "Role",
    "Status",
    "User",
    "utcnow",
]
