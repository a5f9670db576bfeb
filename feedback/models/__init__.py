"""The database models, one module per family."""

from feedback.models.account import Role, User
from feedback.models.account_request import (
    AccountRequest,
    Acknowledgement,
    RequestKind,
    RequestState,
)
from feedback.models.attachment import Attachment, AttachmentContent
from feedback.models.audit import AuditAction, AuditEntry
from feedback.models.base import Base, utcnow
from feedback.models.case import (
    Case,
    CaseBand,
    CaseGroup,
    Contact,
    Event,
    EventKind,
    Kind,
    Rating,
    ReferenceCounter,
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
    NoticeReviewer,
    NoticeSupervisor,
    window_state,
)
from feedback.models.kept_receipt import KeptReceipt
from feedback.models.reply_template import ReplyTemplate, TemplateUse
from feedback.models.retention import PurgedTally
from feedback.models.two_factor import RecoveryCode

__all__ = [
    "AccountRequest",
    "Acknowledgement",
    "Aspect",
    "Attachment",
    "AttachmentContent",
    "AuditAction",
    "AuditEntry",
    "Base",
    "Body",
    "BodyRole",
    "Case",
    "CaseBand",
    "CaseGroup",
    "CatalogStamp",
    "Category",
    "Contact",
    "Event",
    "EventKind",
    "Item",
    "ItemStatus",
    "KeptReceipt",
    "Kind",
    "Notice",
    "NoticeBody",
    "NoticeReviewer",
    "NoticeSupervisor",
    "PurgedTally",
    "Rating",
    "RecoveryCode",
    "ReferenceCounter",
    "ReplyTemplate",
    "RequestKind",
    "RequestState",
    "Role",
    "Status",
    "TemplateUse",
    "User",
    "utcnow",
    "window_state",
]
