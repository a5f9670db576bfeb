"""Changes the administrator makes to a stored notice: in place, so that cases keep their items.

A case names its item by id, and exports print the item's code and title: so an edit changes a
title, a text or a status where it stands, and never deletes, moves or renumbers an item. Only a
draft, which no case names, has its tree replaced (`read_again`, and outline.py's operations).
These functions flush; the caller commits.
"""

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from feedback.cases import routing
from feedback.extensions import DbSession
from feedback.models import (
    Body,
    BodyRole,
    Case,
    Item,
    ItemStatus,
    Notice,
    NoticeBody,
    NoticeReviewer,
    NoticeSupervisor,
    utcnow,
)
from feedback.notices import outline, window
from feedback.notices.contacts import ParsedContact, roles
from feedback.notices.errors import NoticeError
from feedback.notices.loader import (
    body_slug_stem,
    check_one_role_each,
    missing_bodies_message,
    new_body,
    read,
    store_reading,
)
from feedback.notices.parser import ParsedNotice
from feedback.web.labels import BODY_ROLE, KIND


def set_status(item: Item, status: ItemStatus) -> None:
    """Set an item's status by hand; the inferred cue stays for reference."""
    if status is not item.status:
        item.status = status
        item.status_by_hand = True


def set_window(notice: Notice, opens_on: date | None, closes_on: date | None) -> None:
    window.check(opens_on, closes_on)
    notice.opens_on = opens_on
    notice.closes_on = closes_on


def set_bodies(session: DbSession, notice: Notice, chosen: Mapping[BodyRole, Body]) -> list[str]:
    """Let each chosen body play its role; return the changes, such as "court: a → b".

    Refused before anything changes when one body would play two roles, or when a body would
    take a role in which the rules forbid it cases it holds from this notice (a body holding
    reports of misconduct cannot become the inspected unit). A body the notice's import made,
    and now unused, goes away.
    """
    links = {link.role: link for link in notice.body_links}
    final = {role: link.body for role, link in links.items()} | dict(chosen)
    check_one_role_each(final)
    changed = [
        role for role, body in chosen.items() if role not in links or links[role].body_id != body.id
    ]
    if not changed:
        return []
    _check_held_cases(session, notice, final, changed)
    previous = {role: links[role].body for role in changed if role in links}
    for role in previous:
        notice.body_links.remove(links[role])
    session.flush()  # the old links go first: a swap of two bodies never holds one body twice
    for role in changed:
        notice.body_links.append(NoticeBody(role=role, body=final[role]))
    session.flush()
    for role, body in previous.items():
        _drop_if_unused(session, body, notice.slug, role)
    return [
        f"{role.value}: {previous[role].slug if role in previous else '—'} → {final[role].slug}"
        for role in changed
    ]


def _check_held_cases(
    session: DbSession, notice: Notice, final: Mapping[BodyRole, Body], changed: list[BodyRole]
) -> None:
    """Refuse a new role under which a body would hold cases of this notice the rules forbid it.

    The notice's row is locked first: a report on its way (feedback/cases/operations.py locks the row FOR
    KEY SHARE before reading the roles) is then committed, and counted here, or waits for this
    edit and reads the new roles.
    """
    session.execute(select(Notice.id).where(Notice.id == notice.id).with_for_update())
    bodies = {role.value: body.id for role, body in final.items()}
    by_id = {final[role].id: (role, final[role]) for role in changed}
    held = session.execute(
        select(Case.kind, Case.body_id, func.count())
        .where(Case.notice_id == notice.id, Case.body_id.in_(list(by_id)))
        .group_by(Case.kind, Case.body_id)
    )
    for kind, body_id, count in held:
        if not routing.body_may_hold(kind, body_id, bodies):
            role, body = by_id[body_id]
            raise NoticeError(
                "bodies",
                _l(
                    "%(body)s holds %(count)d cases of the kind “%(kind)s” received through this "
                    "notice, which the %(role)s may not hold: choose another body for that role.",
                    body=body.name,
                    count=count,
                    kind=KIND[kind],
                    role=BODY_ROLE[role],
                ),
            )


def set_reviewers(notice: Notice, chosen: Mapping[BodyRole, BodyRole]) -> list[str]:
    """Let a role review (复查) the decisions of another; return the changes, such as
    "review court: inspection → discipline".

    Refused before anything changes when a role would review itself, or a role that holds cases
    the reviewer may not hold (routing.may_review: no review of a report reaches the inspected
    unit). Only choices that depart from routing.REVIEWERS are stored.
    """
    current = notice.chosen_reviewers
    for role, reviewer in chosen.items():
        if not routing.may_review(role.value, reviewer.value):
            raise NoticeError(
                f"reviewer_{role.value}",
                _l(
                    "The %(reviewer)s cannot review the decisions of the %(role)s: a body never "
                    "reviews its own decisions, and a review of a report of misconduct never "
                    "goes to the inspected unit.",
                    reviewer=BODY_ROLE[reviewer],
                    role=BODY_ROLE[role],
                ),
            )
    changes = []
    for role, reviewer in chosen.items():
        before = routing.reviewer(role.value, current)
        if before == reviewer.value:
            continue
        changes.append(f"review {role.value}: {before} → {reviewer.value}")
        for link in [r for r in notice.reviewer_links if r.role is role]:
            notice.reviewer_links.remove(link)
        if reviewer.value != routing.REVIEWERS[role.value]:
            notice.reviewer_links.append(NoticeReviewer(role=role, reviewer=reviewer))
    return changes


def set_supervisors(notice: Notice, chosen: Mapping[BodyRole, BodyRole | None]) -> list[str]:
    """Let a role supervise (监督) the timeliness of another, or none; return the changes, such
    as "supervise court: discipline → inspection".

    Refused before anything changes when a role would supervise itself, or when a role the
    defaults give a supervisor would be left with none. Only choices that depart from
    routing.SUPERVISORS are stored.
    """
    current = notice.chosen_supervisors
    for role, supervisor in chosen.items():
        if supervisor is role or (supervisor is None and routing.SUPERVISORS[role.value]):
            raise NoticeError(
                f"supervisor_{role.value}",
                _l(
                    "The %(role)s needs a supervisor other than itself.",
                    role=BODY_ROLE[role],
                ),
            )
    changes = []
    for role, supervisor in chosen.items():
        before = routing.supervisor(role.value, current)
        after = supervisor.value if supervisor else None
        if before == after:
            continue
        changes.append(f"supervise {role.value}: {before or '—'} → {after or '—'}")
        for link in [s for s in notice.supervisor_links if s.role is role]:
            notice.supervisor_links.remove(link)
        if supervisor is not None and after != routing.SUPERVISORS[role.value]:
            notice.supervisor_links.append(NoticeSupervisor(role=role, supervisor=supervisor))
    return changes


def publish(session: DbSession, notice: Notice) -> bool:
    """Open a draft to the public; every role needs its body first. Tell whether it was a draft."""
    missing = [role for role in BodyRole if notice.body_for(role) is None]
    if missing:
        raise NoticeError("bodies", missing_bodies_message(missing))
    outline.check_publishable(outline.rows_of(notice))
    was_draft = notice.published_at is None
    if was_draft:
        notice.published_at = utcnow()
    session.flush()
    return was_draft


def read_again(session: DbSession, notice: Notice, text: str) -> ParsedNotice:
    """Replace a draft's tree and source text by those of a corrected text, numbered as it is
    numbered, like an import; the bodies chosen stay."""
    parsed = read(text)
    outline.check_draft(session, notice)
    notice.aspects.clear()
    session.flush()  # the old rows go first: the new ones take their codes and positions
    store_reading(session, notice, text, parsed)
    session.flush()
    return parsed


def body_from_contact(
    session: DbSession,
    notice: Notice,
    contact: ParsedContact,
    role: BodyRole,
    short_name: str,
) -> list[str]:
    """Make a body of a contact the notice gives and let it play the role; return the changes.

    A contact that reads as the inspected unit itself (no word of a discipline group or an
    inspection office in its name) never becomes a body that receives reports about the unit.
    """
    if role is not BodyRole.COURT and roles([contact], notice.unit).get(BodyRole.COURT):
        raise NoticeError(
            "role",
            _l(
                "%(name)s reads as the inspected unit itself: it cannot be the %(role)s, "
                "or reports about the unit would reach the unit.",
                name=contact.name,
                role=BODY_ROLE[role],
            ),
        )
    if session.scalar(select(Body.id).where(Body.name == contact.name)) is not None:
        raise NoticeError(
            "name",
            _l(
                "A body named %(name)s exists already: choose it under Receiving bodies.",
                name=contact.name,
            ),
        )
    body = new_body(session, notice.slug, role, contact, short_name)
    session.flush()
    return [f"new body {body.slug}", *set_bodies(session, notice, {role: body})]


def discard(session: DbSession, notice: Notice) -> None:
    """Delete a draft, and the bodies made for it alone; a published notice is never deleted."""
    if notice.published_at is not None:
        raise NoticeError("notice", _l("A published notice cannot be deleted."))
    links = [(link.body, link.role) for link in notice.body_links]
    session.delete(notice)
    session.flush()
    for body, role in links:
        _drop_if_unused(session, body, notice.slug, role)


def _drop_if_unused(session: DbSession, body: Body, notice_slug: str, role: BodyRole) -> None:
    """Delete a body this notice's import made, once nothing refers to it any more."""
    if not body.slug.startswith(body_slug_stem(notice_slug, role)):
        return  # a body the notice was matched to: it serves others, or may
    try:
        with session.begin_nested():
            session.delete(body)
    except IntegrityError:
        pass  # an account, a case, an event or a log entry still names it: it stays


def summary(notice: Notice, changes: list[str] | None = None) -> str:
    """How the audit log names a notice operation: the notice, then its bodies or what changed."""
    parts = [f"{link.role.value}: {link.body.slug}" for link in notice.body_links]
    return "; ".join([notice.slug, *(parts if changes is None else changes)])
