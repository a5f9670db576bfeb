"""Changes the administrator makes to a stored notice: in place, so that cases keep their items.

A case names its item by id, and exports print the item's code and title: so an edit changes a
title, a text or a status where it stands, and never deletes, moves or renumbers an item. These
functions flush; the caller commits.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.models import (
    Body,
    BodyRole,
    Item,
    ItemStatus,
    Notice,
    NoticeBody,
    utcnow,
)
from feedback.notices import window
from feedback.notices.errors import NoticeError
from feedback.notices.loader import body_slug_stem, missing_bodies_message


def set_status(item: Item, status: ItemStatus) -> None:
    """Set an item's status by hand; the inferred cue stays for reference."""
    if status is not item.status:
        item.status = status
        item.status_by_hand = True


def set_window(notice: Notice, opens_on: date | None, closes_on: date | None) -> None:
    window.check(opens_on, closes_on)
    notice.opens_on = opens_on
    notice.closes_on = closes_on


def set_body(session: Session, notice: Notice, role: BodyRole, body: Body) -> None:
    """Let `body` play `role` for the notice; a body made for it and now unused goes away."""
    link = next((link for link in notice.body_links if link.role == role), None)
    if link is None:
        notice.body_links.append(NoticeBody(role=role, body=body))
    elif link.body_id != body.id:
        previous = link.body
        link.body = body
        session.flush()
        _drop_if_unused(session, previous, notice.slug, role)
    session.flush()


def publish(session: Session, notice: Notice) -> None:
    """Open a draft to the public; every role needs its body first."""
    missing = [role for role in BodyRole if notice.body_for(role) is None]
    if missing:
        raise NoticeError("bodies", missing_bodies_message(missing))
    if notice.published_at is None:
        notice.published_at = utcnow()
    session.flush()


def discard(session: Session, notice: Notice) -> None:
    """Delete a draft, and the bodies made for it alone; a published notice is never deleted."""
    if notice.published_at is not None:
        raise NoticeError("notice", _l("A published notice cannot be deleted."))
    links = [(link.body, link.role) for link in notice.body_links]
    session.delete(notice)
    session.flush()
    for body, role in links:
        _drop_if_unused(session, body, notice.slug, role)


def _drop_if_unused(session: Session, body: Body, notice_slug: str, role: BodyRole) -> None:
    """Delete a body this notice's import made, once nothing refers to it any more."""
    if not body.slug.startswith(body_slug_stem(notice_slug, role)):
        return  # a body the notice was matched to: it serves others, or may
    try:
        with session.begin_nested():
            session.delete(body)
    except IntegrityError:
        pass  # an account, a case, an event or a log entry still names it: it stays
