"""Contesting a decision: the rules of 复查 (review) and 追问 (follow-up question), in one place.

- A review may be asked for once, of a case declined (不予受理) or closed and rated 不满意, within
  REVIEW_DAYS local calendar days of the decline or of the rating (《信访工作条例》: a review is
  asked for within 30 days of the answer). A review is not itself reviewed.
- It goes to the body that the case's notice names as reviewer of the role of the body that
  decided (routing.reviewer), and only if routing.body_may_hold lets that body hold it: never
  the body that decided, never the inspected unit for a report of misconduct.
- A review is a case of its own, followed with the original's reference and tracking code.
- One follow-up question may be asked of a case closed with a reply; the body answers it once.

feedback/cases/operations.py takes the steps; this module only says what is allowed and why not.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from feedback.cases import months, routing
from feedback.models import Body, Case, EventKind, Rating, Status

REVIEW_DAYS = 30


@dataclass(frozen=True)
class ReviewOffer:
    """A review the citizen may ask for now: who would review, and until which local day."""

    body: Body
    role: str
    last_day: date


def local_day(moment: datetime) -> date:
    return moment.astimezone(months.zone()).date()


def review_start(case: Case) -> datetime | None:
    """When the decision that may be contested was made known: the decline, or the 不满意 rating."""
    if case.status is Status.DECLINED:
        return case.closed_at
    if case.status is Status.CLOSED and case.rating is Rating.UNSATISFIED:
        rated = [e.at for e in case.events if e.kind is EventKind.RATED]
        return rated[-1] if rated else None
    return None


def review_last_day(case: Case) -> date | None:
    """The last local day on which a review may be asked for, both ends of the 30 days counted."""
    start = review_start(case)
    return local_day(start) + timedelta(days=REVIEW_DAYS) if start else None


def reviewer_of(case: Case) -> tuple[str, Body] | None:
    """The reviewing role and body for the case's decision, if the notice names one the rules allow."""
    notice = case.notice
    if notice is None:
        return None
    roles = {link.role.value: link.body_id for link in notice.body_links}
    decider = next((role for role, body_id in roles.items() if body_id == case.body_id), None)
    if decider is None:  # the body that decided plays no role in the notice
        return None
    role = routing.reviewer(decider, notice.chosen_reviewers)
    body = notice.body_for(role)
    if body is None or not routing.may_review(decider, role):
        return None
    if not routing.body_may_hold(case.kind, body.id, roles, reviewing=case.body_id):
        return None
    return role, body


def review_refusal(case: Case, now: datetime) -> str | None:
    """Why a review cannot be asked for now, in the citizen's language; None when it can."""
    if case.review_of_id is not None:
        return str(
            _l("A review cannot itself be reviewed. You may call the body that reviewed it.")
        )
    if case.review is not None:
        return str(_l("A review of this case has already been asked for; follow it on this page."))
    last_day = review_last_day(case)
    if last_day is None:
        return str(
            _l(
                "A review can be asked for when a case was not accepted, or when you rated its "
                "outcome “not satisfied”."
            )
        )
    if local_day(now) > last_day:
        return str(
            _l(
                "A review can be asked for within %(days)d days; that time ended on %(day)s.",
                days=REVIEW_DAYS,
                day=last_day.isoformat(),
            )
        )
    if reviewer_of(case) is None:
        return str(
            _l("No body can review this decision through this service. Please call the bodies.")
        )
    return None


def review_offer(case: Case, now: datetime) -> ReviewOffer | None:
    """The review the citizen may ask for now, or None."""
    if review_refusal(case, now) is not None:
        return None
    found = reviewer_of(case)
    last_day = review_last_day(case)
    assert found is not None and last_day is not None  # review_refusal checked both
    return ReviewOffer(body=found[1], role=found[0], last_day=last_day)


def follow_up_refusal(case: Case) -> str | None:
    """Why no follow-up question can be asked of the case; None when one can."""
    if case.status is not Status.CLOSED:
        return str(_l("A follow-up question can be asked once the case has been replied to."))
    if case.follow_up_at is not None:
        return str(_l("A follow-up question has already been asked about this reply."))
    return None


def is_repeat_review(case: Case, reasons: str) -> bool:
    """Tell whether this request is the review already stored, sent again (a reload, a double tap)."""
    return case.review is not None and case.review.content == reasons.strip()


def is_repeat_follow_up(case: Case, question: str) -> bool:
    """Tell whether this question is the follow-up question already stored, sent again."""
    asked = [e.text for e in case.events if e.kind is EventKind.FOLLOW_UP]
    return bool(asked) and asked[-1] == question.strip()
