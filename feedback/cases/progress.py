"""Where a case stands, as the citizen follows it: its steps, when each was done, and the days
left before the time limit now running.

Days are whole calendar days in the service's time zone: a case due on the 20th has one day
left on the 19th, none on the 20th (it is due today), and is one day late on the 21st.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from feedback.cases import months
from feedback.models import Case, Status


class Step(StrEnum):
    RECEIVED = "received"  # 已收到
    ACCEPTED = "accepted"  # 已受理
    CLOSED = "closed"  # 已办结
    DECLINED = "declined"  # 不予受理


@dataclass(frozen=True)
class StepState:
    step: Step
    done_at: datetime | None  # None while not done
    current: bool  # the step the case is at: the one awaited, or the last when it is over


@dataclass(frozen=True)
class Deadline:
    """The time limit now running: to decide on acceptance, or to close."""

    step: Step  # what must be done by then
    due_at: datetime
    limit_days: int  # the limit as set when the step's clock started, extension apart
    extension_days: int  # 延期, granted once with a reason
    days_left: int  # negative once late

    @property
    def late_days(self) -> int:
        return max(0, -self.days_left)


@dataclass(frozen=True)
class Progress:
    steps: list[StepState]
    deadline: Deadline | None  # None once the case is closed or declined


def progress(case: Case, now: datetime) -> Progress:
    """The case's steps 已收到 → 已受理 → 已办结 (or 已收到 → 不予受理), and its deadline."""
    if case.status is Status.DECLINED:
        return Progress(
            steps=[
                StepState(Step.RECEIVED, case.received_at, current=False),
                StepState(Step.DECLINED, case.closed_at, current=True),
            ],
            deadline=None,
        )
    awaited = {
        Status.RECEIVED: Step.ACCEPTED,
        Status.ACCEPTED: Step.CLOSED,
        Status.CLOSED: Step.CLOSED,
    }[case.status]
    done = {
        Step.RECEIVED: case.received_at,
        Step.ACCEPTED: case.accepted_at,
        Step.CLOSED: case.closed_at if case.status is Status.CLOSED else None,
    }
    steps = [StepState(step, done[step], current=step is awaited) for step in done]
    return Progress(steps=steps, deadline=_deadline(case, awaited, now))


def _deadline(case: Case, step: Step, now: datetime) -> Deadline | None:
    """The running limit, measured from when its clock started (a transfer restarts acceptance)."""
    if not case.status.is_open or case.due_at is None:
        return None
    if case.status is Status.ACCEPTED and case.accepted_at is not None:
        started, extension = case.accepted_at, case.extension_days
    else:
        started, extension = case.transferred_at or case.received_at, 0
    return Deadline(
        step=step,
        due_at=case.due_at,
        limit_days=round((case.due_at - started).total_seconds() / 86400) - extension,
        extension_days=extension,
        days_left=(local_date(case.due_at) - local_date(now)).days,
    )


def local_date(moment: datetime) -> date:
    return moment.astimezone(months.zone()).date()
