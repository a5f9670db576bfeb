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
from feedback.models.notification import (
    Audience,
    CaseNews,
    Escalation,
    MailSetting,
    NewCaseMail,
    OutboxMessage,
)
from feedback.models.reply_template import ReplyTemplate, TemplateUse
from feedback.models.retention import PurgedTally
from feedback.models.tally import CaseTally
from feedback.models.two_factor import RecoveryCode
from feedback.models.verdict import ItemVerdict, Verdict

__all__ = [
    "AccountRequest",
    "Acknowledgement",
    "Aspect",
    "Attachment",
    "AttachmentContent",
    "Audience",
    "AuditAction",
    "AuditEntry",
    "Base",
    "Body",
    "BodyRole",
    "Case",
    "CaseBand",
    "CaseGroup",
    "CaseNews",
    "CaseTally",
    "CatalogStamp",
    "Category",
    "Contact",
    "Escalation",
    "Event",
    "EventKind",
    "Item",
    "ItemStatus",
    "ItemVerdict",
    "KeptReceipt",
    "Kind",
    "MailSetting",
    "NewCaseMail",
    "Notice",
    "NoticeBody",
    "NoticeReviewer",
    "NoticeSupervisor",
    "OutboxMessage",
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
    "Verdict",
    "utcnow",
    "window_state",
]
