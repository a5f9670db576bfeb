"""Who watches whom: the bodies a body supervises, and the bodies that supervise it.

The roles come from routing.supervisor and routing.supervised, per published notice: a body
that plays a role in several notices watches (and is watched) in each. What a supervisor sees
of a body is its timeliness alone (figures.MonthFigures: counts and the references of overdue
cases), never a case's subject, text or contact.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from feedback.cases import routing
from feedback.extensions import DbSession
from feedback.models import Body, BodyRole, Notice, NoticeBody


@dataclass(frozen=True)
class Watch:
    """One body watched by another under a notice, and the role it plays there."""

    notice: Notice
    body: Body
    role: BodyRole


def notices_of(session: DbSession, body_id: int) -> list[tuple[Notice, BodyRole]]:
    """The published notices in which the body plays a role, with that role."""
    links = session.execute(
        sa.select(NoticeBody)
        .join(Notice, Notice.id == NoticeBody.notice_id)
        .options(
            joinedload(NoticeBody.notice).selectinload(Notice.body_links),
            joinedload(NoticeBody.notice).selectinload(Notice.supervisor_links),
        )
        .where(NoticeBody.body_id == body_id, Notice.published_at.is_not(None))
        .order_by(Notice.id)
    ).scalars()
    return [(link.notice, link.role) for link in links]


def watched(session: DbSession, body_id: int) -> list[Watch]:
    """The bodies this body supervises, per notice; the inspection office sees every one."""
    found = []
    for notice, role in notices_of(session, body_id):
        for other in routing.supervised(role.value, notice.chosen_supervisors):
            body = notice.body_for(other)
            if body is not None and body.id != body_id:
                found.append(Watch(notice, body, BodyRole(other)))
    return found


def watchers(session: DbSession, body_id: int) -> list[Watch]:
    """The bodies that see this body's timeliness, per notice: its supervisor, and the
    inspection office."""
    found = []
    for notice, role in notices_of(session, body_id):
        for other in BodyRole:
            if role.value in routing.supervised(other.value, notice.chosen_supervisors):
                body = notice.body_for(other)
                if body is not None and body.id != body_id:
                    found.append(Watch(notice, body, other))
    return found
