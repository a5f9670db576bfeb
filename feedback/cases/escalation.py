"""督办 (escalation): open cases past their time limit by ESCALATE_AFTER_DAYS go, once, to the
body that supervises their holder for the case's notice (routing.supervisor), and the lists each
side reads of them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from feedback.cases import operations, routing
from feedback.extensions import DbSession
from feedback.models import Body, Case, Escalation, Status


def escalate_overdue(session: DbSession, now: datetime, after_days: int) -> list[Escalation]:
    """Escalate every open case overdue by `after_days` or more and not escalated yet; the
    caller commits. A case whose holder has no supervisor in its notice (the inspection office
    by default), or that has no notice, stays where it is.

    The cases are locked (SKIP LOCKED on PostgreSQL; SQLite's commands take the write lock up
    front), and the escalation's key is the case: two runners at once escalate a case once.
    """
    escalated = select(Escalation.case_id)
    query = (
        select(Case)
        .where(
            Case.status.in_([Status.RECEIVED, Status.ACCEPTED]),
            Case.due_at.is_not(None),
            Case.due_at <= now - timedelta(days=after_days),
            Case.notice_id.is_not(None),
            Case.id.not_in(escalated),
        )
        .order_by(Case.due_at)
        .with_for_update(of=Case, skip_locked=True)
        .execution_options(populate_existing=True)
    )
    done = []
    for case in session.execute(query).scalars().all():
        supervisor = supervisor_of(session, case)
        if supervisor is not None:
            done.append(operations.escalate(session, case, supervisor, now))
    return done


def supervisor_of(session: DbSession, case: Case) -> Body | None:
    """The body that supervises the case's holder under the case's notice, if any."""
    if case.notice is None:
        return None
    roles = {link.role.value: link.body for link in case.notice.body_links}
    held_as = next((role for role, body in roles.items() if body.id == case.body_id), None)
    if held_as is None:
        return None
    role = routing.supervisor(held_as, case.notice.chosen_supervisors)
    return roles.get(role) if role is not None else None


@dataclass(frozen=True)
class Escalated:
    """A line of the supervising body's list: reference, holder, days overdue — no content."""

    reference: str
    holder: Body
    at: datetime
    days_overdue: int  # now, while the case is open; else when it was escalated
    still_open: bool


def escalated_to(session: DbSession, body_id: int, now: datetime) -> list[Escalated]:
    """The cases escalated to a body, newest first."""
    query = (
        select(Escalation, Case.status, Case.due_at)
        .join(Case, Case.id == Escalation.case_id)
        .where(Escalation.body_id == body_id)
        .order_by(Escalation.at.desc())
        .options(joinedload(Escalation.holder))
    )
    lines = []
    for escalation, status, due_at in session.execute(query):
        still_open = status.is_open and due_at is not None
        days = (now - due_at).days if status.is_open and due_at else escalation.days_overdue
        lines.append(
            Escalated(escalation.reference, escalation.holder, escalation.at, days, still_open)
        )
    return lines


def escalation_of(session: DbSession, case_id: int) -> Escalation | None:
    """The escalation of a case, for its holder's case page."""
    return session.get(Escalation, case_id)


def escalated_from(session: DbSession, body_id: int) -> list[Escalation]:
    """The open cases a body holds that were escalated, for its inbox."""
    query = (
        select(Escalation)
        .join(Case, Case.id == Escalation.case_id)
        .where(Case.body_id == body_id, Case.status.in_([Status.RECEIVED, Status.ACCEPTED]))
        .order_by(Escalation.at.desc())
        .options(joinedload(Escalation.body))
    )
    return list(session.execute(query).scalars())
