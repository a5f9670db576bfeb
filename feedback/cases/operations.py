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
from sqlalchemy import insert, select
from sqlalchemy.orm import make_transient_to_detached

from feedback.cases import attachments, contest, receipts, resubmission, routing
from feedback.cases.attachments import CleanFile
from feedback.extensions import DbSession
from feedback.models import (
    Body,
    BodyRole,
    Case,
    Contact,
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
}


def allowed_steps(case: Case) -> list[str]:
    """The steps staff can take on the case now (an extension only once; an answer to a
    follow-up question while one waits)."""
    steps = [
        step
        for step, statuses in STEPS.items()
        if case.status in statuses and not (step == "extend" and case.extension_days)
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
    values = {
        "tracking_hash": receipts.hash_code(code),
        "submission_hash": (
            resubmission.token_hash(submission.form_token) if submission.form_token else None
        ),
        "notice_id": notice_id,
        "item_id": submission.item.id if submission.item else None,
        "kind": submission.kind,
        "chosen_body": submission.chosen_body,
        "routing_reason": decision.reason,
        "body_id": body.id,
        "subject": submission.subject,
        "content": submission.content,
        "anonymous": submission.contact is None,
        "status": Status.RECEIVED,
        "received_at": now,
        "due_at": now + timedelta(days=body.accept_days),
        "extension_days": 0,
        "transfers": 0,
    }
    if submission.reported and submission.kind is Kind.REPORT:
        values["reported_name"] = submission.reported.name or None
        values["reported_unit"] = submission.reported.unit or None
        values["reported_post"] = submission.reported.post or None
    # Three rows written as they are, without the ORM's unit of work (the busiest write there is).
    connection = session.connection()
    case_id, values["reference"] = receipts.insert_with_reference(session, values)
    if submission.contact:
        connection.execute(ADD_CONTACT, {"case_id": case_id, **vars(submission.contact)})
    connection.execute(
        ADD_EVENT,
        {
            "case_id": case_id,
            "kind": EventKind.SUBMITTED,
            "public": True,
            "body_id": body.id,
            "text": "",
            "at": now,
        },
    )
    return _as_stored(session, Case(id=case_id, **values)), code


ADD_CONTACT = insert(Contact.__table__)
ADD_EVENT = insert(Event.__table__)


def _as_stored(session: DbSession, case: Case) -> Case:
    """The case just inserted, in the session as if read back: what was written is loaded, the
    rest (its contact, events, files) is read when asked for."""
    make_transient_to_detached(case)
    session.add(case)
    return case


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
    case.review = review  # in the session now; the page rendered next reads it from here
    attachments.store(session, review, files)
    _record(session, review, EventKind.SUBMITTED, public=True, at=now)
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
    session.flush()
