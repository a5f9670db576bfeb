"""Reply templates: a body's managers keep plain texts that its staff start a reply or a reason
for not accepting from.

A template belongs to one body and is read, offered and changed only within it. Its text is what
the citizen will read, so it is plain text: markup is refused, not stripped, so that what a manager
saves is exactly what is sent. Each change writes its own audit entry and flushes; the caller
commits.
"""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from feedback.extensions import DbSession
from feedback.models import AuditAction, ReplyTemplate, TemplateUse, User, utcnow
from feedback.staff import audit

SHORTEST = 2
# The longest text the step each kind of template is used in takes (feedback.inbox.forms).
LONGEST = {TemplateUse.REPLY: 5000, TemplateUse.DECLINE: 1000}
LONGEST_TITLE = 60

# An HTML or XML tag, comment or declaration, or a character reference: what a browser or a
# mail client would read as markup rather than as the characters written.
MARKUP = re.compile(r"<\s*[A-Za-z/!?]|&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")


class TemplateError(Exception):
    """A template that may not be saved as asked."""


def of_body(
    session: DbSession, body_id: int, use: TemplateUse | None = None
) -> list[ReplyTemplate]:
    """The body's templates, by use and title; only those of one use if asked."""
    query = select(ReplyTemplate).where(ReplyTemplate.body_id == body_id)
    if use is not None:
        query = query.where(ReplyTemplate.use == use)
    return list(session.execute(query.order_by(ReplyTemplate.use, ReplyTemplate.title)).scalars())


def find(session: DbSession, body_id: int, template_id: int) -> ReplyTemplate | None:
    """The template if the body has it; another body's is as if it did not exist."""
    return session.execute(
        select(ReplyTemplate).where(
            ReplyTemplate.id == template_id, ReplyTemplate.body_id == body_id
        )
    ).scalar_one_or_none()


def check(
    session: DbSession,
    body_id: int,
    use: TemplateUse,
    title: str,
    text: str,
    template_id: int | None = None,
) -> None:
    """Refuse markup, a text too long for its step, and a title the body uses already."""
    if MARKUP.search(title) or MARKUP.search(text):
        raise TemplateError(
            _l("A template is plain text: remove the markup (such as <p> or &nbsp;) and try again.")
        )
    if not SHORTEST <= len(text) <= LONGEST[use]:
        raise TemplateError(
            _l(
                "The text must be %(min)d to %(max)d characters long for this use.",
                min=SHORTEST,
                max=LONGEST[use],
            )
        )
    same_title = select(ReplyTemplate.id).where(
        ReplyTemplate.body_id == body_id, ReplyTemplate.title == title
    )
    if template_id is not None:
        same_title = same_title.where(ReplyTemplate.id != template_id)
    if session.execute(same_title).first() is not None:
        raise TemplateError(_l("The body has a template called %(title)s already.", title=title))


def _body_id(by: User) -> int:
    if not by.is_manager or by.body_id is None:
        raise TemplateError(_l("Only a manager of the body manages its templates."))
    return by.body_id


def create(session: DbSession, by: User, use: TemplateUse, title: str, text: str) -> ReplyTemplate:
    """Add a template to the manager's body."""
    body_id = _body_id(by)
    check(session, body_id, use, title, text)
    template = ReplyTemplate(body_id=body_id, use=use, title=title, text=text, changed_at=utcnow())
    session.add(template)
    session.flush()
    audit.record(session, by, AuditAction.TEMPLATE_CREATED, detail=title)
    return template


def edit(
    session: DbSession, by: User, template: ReplyTemplate, use: TemplateUse, title: str, text: str
) -> None:
    """Change a template of the manager's body."""
    body_id = _body_id(by)
    if template.body_id != body_id:
        raise LookupError(template.id)
    check(session, body_id, use, title, text, template_id=template.id)
    template.use, template.title, template.text = use, title, text
    template.changed_at = utcnow()
    session.flush()
    audit.record(session, by, AuditAction.TEMPLATE_CHANGED, detail=title)


def delete(session: DbSession, by: User, template: ReplyTemplate) -> None:
    """Remove a template of the manager's body; replies already sent keep their text."""
    if template.body_id != _body_id(by):
        raise LookupError(template.id)
    title = template.title
    session.delete(template)
    session.flush()
    audit.record(session, by, AuditAction.TEMPLATE_DELETED, detail=title)
