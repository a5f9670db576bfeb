"""Case operations: the state machine of a case, each step recorded as an event.

待受理 (received) → 已受理 (accepted) or 不予受理 (declined) → 已办结 (closed). A transfer (转办)
moves the case to another body and starts acceptance again. Every function here checks that the
step is allowed, changes the case, adds its event and flushes; the caller commits.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete as sa_delete
from sqlalchemy import select

from feedback.cases import (
    attachments,
    contest,
    notifications,
    publication,
    receipts,
    resubmission,
    routing,
    similar,
)
from feedback.cases.attachments import CleanFile
from feedback.extensions import DbSession
from feedback.models import (
    AuditAction,
    Body,
    BodyRole,
    Case,
    CaseGroup,
    Contact,
    Escalation,
    Event,
    EventKind,
    Kind,
    Notice,
    NoticeBody,
    Rating,
    Status,
    User,
    utcnow,
)
from feedback.staff import audit
from feedback.web.labels import STATUS

OPEN = frozenset({Status.RECEIVED, Status.ACCEPTED})

# The statuses in which staff may take each step, in the order the case page offers them.
STEPS: dict[str, frozenset[Status]] = {
    "accept": frozenset({Status.RECEIVED}),
    "decline": frozenset({Status.RECEIVED}),
    "close": frozenset({Status.ACCEPTED}),
    "extend": frozenset({Status.ACCEPTED}),
    "transfer": OPEN,
    "assign": OPEN,
    "note": frozenset(Status),
    "publish": frozenset({Status.CLOSED}),
}


def allowed_steps(case: Case) -> list[str]:
    """The steps staff can take on the case now (an extension only once; publishing the reply
    only as the citizen allowed; an answer to a follow-up question while one waits)."""
    steps = [
        step
        for step, statuses in STEPS.items()
        if case.status in statuses
        and not (step == "extend" and case.extension_days)
        and not (step == "publish" and not publication.may_publish(case))
    ]
    return ["answer", *steps] if case.awaits_answer else steps


class CaseError(Exception):
    """A step that the rules do not allow; the message is shown to whoever tried it."""


@dataclass(frozen=True)
class ContactDetails:
    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class ReportedPerson:
    """被举报人: whom a report of misconduct names; any part may be empty."""

    name: str
    unit: str
    post: str


class ItemRef(Protocol):
    """An item as a submission names it: the public catalog's snapshot, or a stored item."""

    @property
    def id(self) -> int: ...
    @property
    def notice_id(self) -> int: ...


class BodyRef(Protocol):
    """A body as the citizen was shown it, with the time limit the receipt states."""

    @property
    def id(self) -> int: ...
    @property
    def accept_days(self) -> int: ...


class NoticeRef(Protocol):
    """A notice as the citizen saw it: its id, and the body it showed in each role."""

    @property
    def id(self) -> int: ...
    def body_for(self, role: str) -> BodyRef | None: ...


@dataclass(frozen=True)
class Submission:
    """What a citizen sent, already validated by the form."""

    kind: Kind
    chosen_body: str  # a role (routing speaks of court, discipline, inspection) or routing.UNSURE
    item: ItemRef | None
    subject: str
    content: str
    contact: ContactDetails | None  # None when anonymous (匿名)
    notice: NoticeRef | None = None  # the notice whose form it came through; else the item's
    form_token: str | None = None  # the one-time token of the form it came through
    reported: ReportedPerson | None = None  # only for a report of misconduct (检举控告)
    # The page's language, when the citizen asked for news by mail (needs an e-mail address).
    news_locale: str | None = None
    publish_allowed: bool = False  # the reply may be published, names and contacts removed

    @property
    def notice_id(self) -> int | None:
        if self.notice is not None:
            return self.notice.id
        return self.item.notice_id if self.item else None

    def decide(self) -> routing.Routing:
        """The body the routing rules choose for it, and why."""
        return routing.route(self.kind, self.chosen_body, self.item is not None)


def submit(
    session: DbSession, submission: Submission, decision: routing.Routing | None = None
) -> tuple[Case, str]:
    """Store a new case at the body the routing rules chose; return it and its tracking code.

    `decision` is the routing the citizen was shown (the view decides it once); without it, the
    rules decide here. The notice and item are referred to by id: the public catalog's snapshots
    and stored rows do alike. The body is the one the citizen was shown for the role, checked
    against the notice's roles as stored now (`_may_receive`).
    """
    decision = decision or submission.decide()
    notice_id = submission.notice_id
    body = _body_for_role(session, submission, decision.body)
    if not _may_receive(session, submission.kind, notice_id, body.id):
        raise CaseError(
            _l(
                "This report of misconduct could not be delivered: the body it would go to is "
                "the inspected unit of this notice. Nothing was stored; please send it again."
            )
        )
    now = utcnow()
    code = receipts.new_tracking_code()
    case = Case(
        tracking_hash=receipts.hash_code(code),
        submission_hash=(
            resubmission.token_hash(submission.form_token) if submission.form_token else None
        ),
        notice_id=notice_id,
        item_id=submission.item.id if submission.item else None,
        kind=submission.kind,
        chosen_body=submission.chosen_body,
        routing_reason=decision.reason,
        body_id=body.id,
        subject=submission.subject,
        content=submission.content,
        anonymous=submission.contact is None,
        publish_allowed=submission.publish_allowed,
        status=Status.RECEIVED,
        received_at=now,
        due_at=now + timedelta(days=body.accept_days),
    )
    if submission.contact:
        case.contact = Contact(**vars(submission.contact))
    if submission.reported and submission.kind is Kind.REPORT:
        case.reported_name = submission.reported.name or None
        case.reported_unit = submission.reported.unit or None
        case.reported_post = submission.reported.post or None
    submitted = _event(case, EventKind.SUBMITTED, public=True, at=now)  # written with the case
    receipts.add_with_reference(session, case)
    if submission.news_locale and submission.contact and submission.contact.email:
        notifications.subscribe(session, case, submission.contact.email, submission.news_locale)
    notifications.on_event(session, case, submitted)
    similar.index(session, case)
    return case, code


def accept(session: DbSession, case: Case, actor: User) -> None:
    """受理: take the case on; the closing deadline starts now."""
    _require(case, actor, "accept")
    now = utcnow()
    case.status = Status.ACCEPTED
    case.accepted_at = now
    case.due_at = now + timedelta(days=case.body.close_days)
    _record(session, case, EventKind.ACCEPTED, actor=actor, public=True, at=now)


def decline(session: DbSession, case: Case, actor: User, reason: str) -> None:
    """不予受理: refuse the case; the reason is shown to the citizen."""
    _require(case, actor, "decline")
    now = utcnow()
    case.status = Status.DECLINED
    case.closed_at = now
    case.due_at = None
    case.reply = reason
    _record(session, case, EventKind.DECLINED, actor=actor, public=True, text=reason, at=now)
    similar.forget(session, case)


def transfer(session: DbSession, case: Case, actor: User, to_body: Body, reason: str) -> None:
    """转办: hand the case to another body, which must then decide on acceptance afresh."""
    _require(case, actor, "transfer")
    if to_body.id == case.body_id:
        raise CaseError(_l("The case is already with this body."))
    if not may_hold(case, to_body):
        raise CaseError(
            _l("A report of misconduct may not be transferred to the body it may concern.")
        )
    now = utcnow()
    if case.group_id is not None:  # a group stays within one body
        unlink(session, case, actor)
    _record(
        session,
        case,
        EventKind.TRANSFERRED,
        actor=actor,
        public=True,
        text=reason,
        to_body=to_body,
        at=now,
    )
    case.body = to_body
    case.status = Status.RECEIVED
    case.accepted_at = None
    case.extension_days = 0
    case.assignee = None
    case.due_at = now + timedelta(days=to_body.accept_days)
    case.transfers += 1
    case.transferred_at = now
    session.flush()


def _body_for_role(session: DbSession, submission: Submission, role: str) -> BodyRef:
    """The body the citizen was shown for a role of the notice (referred to by id, with the time
    limit the receipt states); without a notice, the body of that slug."""
    notice = submission.notice
    if notice is None and submission.item is not None:
        notice = session.get(Notice, submission.item.notice_id)
    if notice is not None:
        shown = notice.body_for(role)
        if shown is None:
            raise CaseError(_l("This notice has no receiving body for this message."))
        return shown
    return session.execute(select(Body).where(Body.slug == role)).scalar_one()


def _may_receive(session: DbSession, kind: Kind, notice_id: int | None, body_id: int) -> bool:
    """Check the conflict rule on submission against the notice's roles as stored now.

    The notice the citizen saw is the public catalog's snapshot, which may be a moment old. Its
    row is locked first, FOR KEY SHARE as the case's foreign key would: an edit of its roles (FOR
    UPDATE, in feedback/notices/editing.py) has then either committed, and its roles are read
    here, or waits for this case and counts it. Without a notice, a body's slug names its role.
    """
    if kind not in routing.FORBIDDEN:
        return True
    if notice_id is None:
        query = select(Body.slug, Body.id).where(Body.slug.in_([r.value for r in BodyRole]))
    else:
        lock = select(Notice.id).where(Notice.id == notice_id)
        session.execute(lock.with_for_update(read=True, key_share=True))
        query = select(NoticeBody.role, NoticeBody.body_id).where(NoticeBody.notice_id == notice_id)
    roles = {str(role): body_id for role, body_id in session.execute(query)}
    return routing.body_may_hold(kind, body_id, roles)


def may_hold(case: Case, body: Body) -> bool:
    """Tell whether the body may hold this case: never the unit a report may concern, and never,
    for a review, the body whose decision it reviews."""
    if case.notice is not None:
        roles = {link.role.value: link.body_id for link in case.notice.body_links}
    else:
        roles = {body.slug: body.id} if body.slug in set(BodyRole) else {}
    reviewing = case.review_of.body_id if case.review_of is not None else None
    return routing.body_may_hold(case.kind, body.id, roles, reviewing=reviewing)


def add_note(session: DbSession, case: Case, actor: User, text: str) -> None:
    """内部备注: a note for the body's own staff, never shown to the citizen or another body."""
    _require(case, actor, "note")
    _record(session, case, EventKind.NOTE, actor=actor, public=False, text=text)


def assign(session: DbSession, case: Case, actor: User, assignee: User) -> None:
    """Give the case to one staff member of the holding body."""
    _require(case, actor, "assign")
    if assignee.body_id != case.body_id or not assignee.reads_cases:
        raise CaseError(_l("Cases can only be assigned to staff of the body that holds them."))
    case.assignee = assignee
    _record(session, case, EventKind.ASSIGNED, actor=actor, public=False, text=assignee.username)


def extend(session: DbSession, case: Case, actor: User, days: int, reason: str) -> None:
    """延期: push the closing deadline back once, by at most the body's limit."""
    _require(case, actor, "extend")
    if case.extension_days:
        raise CaseError(_l("The time limit of this case has already been extended once."))
    if not 1 <= days <= case.body.max_extension_days:
        raise CaseError(
            _l("An extension is 1 to %(days)d days.", days=case.body.max_extension_days)
        )
    assert case.due_at is not None
    case.due_at += timedelta(days=days)
    case.extension_days = days
    _record(session, case, EventKind.EXTENDED, actor=actor, public=True, text=reason)


def close(session: DbSession, case: Case, actor: User, reply: str) -> None:
    """办结: answer the citizen and close the case."""
    _require(case, actor, "close")
    now = utcnow()
    case.status = Status.CLOSED
    case.closed_at = now
    case.due_at = None
    case.reply = reply
    _record(session, case, EventKind.CLOSED, actor=actor, public=True, text=reply, at=now)
    similar.forget(session, case)


def publish_reply(session: DbSession, case: Case, actor: User, text: str) -> None:
    """公开答复: show the reply on the notice's public page, names and contacts removed.

    Again later, it replaces what was published.
    """
    _require(case, actor, "publish")
    if not publication.may_publish(case):
        raise CaseError(_l("The citizen did not allow this reply to be published."))
    now = utcnow()
    case.published_reply = publication.mask(text, publication.names_in(case))
    case.published_at = now
    _record(
        session,
        case,
        EventKind.PUBLISHED,
        actor=actor,
        public=True,
        text=case.published_reply,
        at=now,
    )


def add_supplement(
    session: DbSession, case: Case, text: str, files: Sequence[CleanFile] = ()
) -> None:
    """补充材料: the citizen adds information, and files, while the case is open."""
    if not case.status.is_open:
        raise CaseError(_l("This case is no longer open; information can no longer be added."))
    attachments.store(session, case, files)
    _record(session, case, EventKind.SUPPLEMENT, public=True, text=text)


def request_review(
    session: DbSession, case: Case, reasons: str, files: Sequence[CleanFile] = ()
) -> Case:
    """申请复查: open a review of the case's decision at the reviewing body; return the review.

    The review is a case of its own, with the original's kind, item, notice, contact details and
    tracking code; the original records that it was asked for. A second request for the same
    case is refused here, and by the unique review_of_id when two race.
    """
    now = utcnow()
    refusal = contest.review_refusal(case, now)
    if refusal is not None:
        raise CaseError(refusal)
    found = contest.reviewer_of(case)
    assert found is not None  # review_refusal checked it
    role, body = found
    contact = case.contact  # read before the review exists: it joins the session when added
    review = Case(
        tracking_hash=case.tracking_hash,
        notice_id=case.notice_id,
        item_id=case.item_id,
        kind=case.kind,
        chosen_body=role,
        routing_reason=routing.REVIEW,
        body_id=body.id,
        subject=case.subject,
        content=reasons,
        anonymous=case.anonymous,
        status=Status.RECEIVED,
        received_at=now,
        due_at=now + timedelta(days=body.accept_days),
        review_of_id=case.id,
    )
    if contact is not None:
        review.contact = Contact(name=contact.name, phone=contact.phone, email=contact.email)
    receipts.add_with_reference(session, review)
    notifications.follow_review(session, case, review)
    case.review = review  # in the session now; the page rendered next reads it from here
    attachments.store(session, review, files)
    _record(session, review, EventKind.SUBMITTED, public=True, at=now)
    similar.index(session, review)
    _record(
        session,
        case,
        EventKind.REVIEW_REQUESTED,
        public=True,
        to_body=body,
        text=review.reference,
        at=now,
    )
    return review


def ask_follow_up(session: DbSession, case: Case, question: str) -> None:
    """追问: the citizen asks one question about the reply; the body sees it waiting."""
    refusal = contest.follow_up_refusal(case)
    if refusal is not None:
        raise CaseError(refusal)
    now = utcnow()
    case.follow_up_at = now
    _record(session, case, EventKind.FOLLOW_UP, public=True, text=question, at=now)


def answer_follow_up(session: DbSession, case: Case, actor: User, answer: str) -> None:
    """Answer the citizen's follow-up question, once; the citizen reads it on the tracking page."""
    if actor.body_id != case.body_id or not actor.reads_cases:
        raise CaseError(_l("This case is not in your body's inbox."))
    if not case.awaits_answer:
        raise CaseError(_l("There is no follow-up question waiting for an answer."))
    now = utcnow()
    case.answered_at = now
    _record(session, case, EventKind.ANSWERED, actor=actor, public=True, text=answer, at=now)


def rate(session: DbSession, case: Case, rating: Rating, comment: str) -> None:
    """评价: the citizen rates the outcome, once, after the case is closed."""
    if case.status is not Status.CLOSED:
        raise CaseError(_l("The outcome can be rated once the case is closed."))
    if case.rating is not None:
        raise CaseError(_l("This case has already been rated."))
    case.rating = rating
    _record(session, case, EventKind.RATED, public=True, text=comment)


def escalate(session: DbSession, case: Case, supervisor: Body, now: datetime) -> Escalation:
    """督办: escalate an overdue case, once, to the body that supervises its holder.

    The supervising body sees its reference and how many days it is overdue, not its content;
    the holding body sees that it was escalated. Run by the command line, so no account acts.
    """
    assert case.due_at is not None
    days = (now - case.due_at).days
    escalation = Escalation(
        case_id=case.id,
        body_id=supervisor.id,
        holder_id=case.body_id,
        at=now,
        days_overdue=days,
        reference=case.reference,
    )
    session.add(escalation)
    _record(
        session, case, EventKind.ESCALATED, public=False, to_body=supervisor, text=str(days), at=now
    )
    audit.record(session, None, AuditAction.ESCALATED, case, detail=f"{supervisor.slug} {days}")
    return escalation


def link(session: DbSession, case: Case, actor: User, other_ids: Sequence[int]) -> list[Case]:
    """同一诉求: link near copies into one group with this case, to answer them once.

    Every case must be open, of the actor's body, and of this case's body and notice; at most
    one group may be among them already (the others join it). Otherwise nothing changes.
    Return the cases that joined the group.
    """
    ids = set(other_ids) - {case.id}
    others = list(session.execute(select(Case).where(Case.id.in_(ids))).scalars())
    if not ids:
        raise CaseError(_l("Choose at least one near copy to link with this case."))
    members = [case, *others]
    if len(others) < len(ids) or not all(
        actor.reads_cases
        and m.body_id == actor.body_id == case.body_id
        and m.notice_id == case.notice_id
        for m in members
    ):  # an id of no case is refused alike
        raise CaseError(
            _l(
                "A group holds cases of one body and one notice only; nothing was linked. "
                "Choose among the near copies this page lists."
            )
        )
    for member in members:
        if not member.status.is_open:
            raise CaseError(
                _l(
                    "Case %(reference)s is no longer open; nothing was linked.",
                    reference=member.reference,
                )
            )
    groups = {m.group_id for m in members if m.group_id is not None}
    if len(groups) > 1:
        raise CaseError(
            _l(
                "These cases are already in different groups; take a case out of its group "
                "first. Nothing was linked."
            )
        )
    if groups:
        group = session.get_one(CaseGroup, groups.pop())
    else:
        group = CaseGroup(body_id=case.body_id, notice_id=case.notice_id)
        session.add(group)
        session.flush()
    joined = [m for m in members if m.group_id != group.id]
    for member in joined:
        member.group_id = group.id
        _record(session, member, EventKind.GROUPED, actor=actor, public=False, text=case.reference)
    return joined


def unlink(session: DbSession, case: Case, actor: User) -> None:
    """Take the case out of its group; a group left with one case is dissolved."""
    if actor.body_id != case.body_id or not actor.reads_cases:
        raise CaseError(_l("This case is not in your body's inbox."))
    if case.group_id is None:
        raise CaseError(_l("This case is not in a group."))
    group_id = case.group_id
    case.group_id = None
    _record(session, case, EventKind.UNGROUPED, actor=actor, public=False)
    rest = group_members(session, group_id)
    if len(rest) <= 1:
        for member in rest:
            member.group_id = None
            _record(session, member, EventKind.UNGROUPED, actor=actor, public=False)
        session.execute(sa_delete(CaseGroup).where(CaseGroup.id == group_id))
    session.flush()


def group_members(session: DbSession, group_id: int) -> list[Case]:
    """The cases of a group, oldest first."""
    return list(
        session.execute(
            select(Case).where(Case.group_id == group_id).order_by(Case.received_at, Case.id)
        ).scalars()
    )


def close_group(session: DbSession, case: Case, actor: User, reply: str) -> list[Case]:
    """Reply to every open case of the case's group with one text and close it; a case not yet
    accepted is accepted first. Each case records its own events; return the cases closed."""
    if case.group_id is None:
        raise CaseError(_l("This case is not in a group."))
    closing = [m for m in group_members(session, case.group_id) if m.status.is_open]
    if not closing:
        raise CaseError(_l("No case of this group is open any more."))
    for member in closing:
        if member.status is Status.RECEIVED:
            accept(session, member, actor)
        close(session, member, actor, reply)
    return closing


def _require(case: Case, actor: User, step: str) -> None:
    if actor.body_id != case.body_id or not actor.reads_cases:
        raise CaseError(_l("This case is not in your body's inbox."))
    if case.status not in STEPS[step]:
        raise CaseError(
            _l(
                "This step is not possible while the case is %(status)s.",
                status=STATUS[case.status],
            )
        )


def _record(
    session: DbSession,
    case: Case,
    kind: EventKind,
    *,
    public: bool,
    actor: User | None = None,
    text: str = "",
    to_body: Body | None = None,
    at: datetime | None = None,
) -> None:
    event = _event(case, kind, public=public, actor=actor, text=text, to_body=to_body, at=at)
    session.flush()
    notifications.on_event(session, case, event)


def _event(
    case: Case,
    kind: EventKind,
    *,
    public: bool,
    actor: User | None = None,
    text: str = "",
    to_body: Body | None = None,
    at: datetime | None = None,
) -> Event:
    """Add an event to the case's timeline, written with the case's next flush."""
    event = Event(
        kind=kind,
        public=public,
        actor=actor,
        body_id=case.body_id,
        to_body_id=to_body.id if to_body else None,
        text=text,
        at=at or utcnow(),
    )
    case.events.append(event)
    return event
