"""`flask feedback demo-data`: many realistic cases, for development and the benchmarks only."""

import re

from conftest import body, case_count, new_case
from sqlalchemy import func, select

from feedback.cases import receipts, tracking
from feedback.extensions import db
from feedback.models import Case, Contact, Event, EventKind, Kind, Status, utcnow


def generate(runner, *args):
    return runner.invoke(args=["feedback", "demo-data", *args])


def test_outside_development_it_refuses_without_yes(app_factory):
    production = app_factory(DEVELOPMENT=False)
    with production.app_context():
        result = generate(production.test_cli_runner(), "--cases", "5")
        assert result.exit_code != 0 and "development" in result.output
        assert case_count() == 0
        result = generate(production.test_cli_runner(), "--cases", "5", "--yes")
        assert result.exit_code == 0, result.output
        assert case_count() == 5


def test_cases_look_real_and_follow_the_routing_rules(app, runner):
    result = generate(runner, "--cases", "600", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert case_count() == 600
    statuses = dict(
        db.session.execute(select(Case.status, func.count()).group_by(Case.status)).all()
    )
    assert set(statuses) == set(Status) and statuses[Status.CLOSED] > 300
    kinds = {k for (k,) in db.session.execute(select(Case.kind).distinct())}
    assert kinds == set(Kind)
    court_reports = select(func.count()).where(
        Case.kind == Kind.REPORT, Case.body_id == body("court").id
    )
    assert db.session.execute(court_reports).scalar() == 0
    real_name = select(func.count()).where(Case.anonymous.is_(False))
    contacts = db.session.execute(select(func.count()).select_from(Contact)).scalar()
    assert contacts == db.session.execute(real_name).scalar() > 100
    events = dict(db.session.execute(select(Event.kind, func.count()).group_by(Event.kind)).all())
    assert events[EventKind.SUBMITTED] == 600
    assert events[EventKind.CLOSED] == statuses[Status.CLOSED]
    assert {EventKind.TRANSFERRED, EventKind.RATED, EventKind.NOTE} <= set(events)
    now = utcnow()
    overdue = [c for c in db.session.execute(select(Case)).scalars() if c.is_overdue(now)]
    assert overdue and all(c.status.is_open for c in overdue)


def test_each_cases_reply_and_transfers_agree_with_its_events(app, runner):
    assert generate(runner, "--cases", "300", "--seed", "3").exit_code == 0
    for case in db.session.execute(select(Case)).scalars():
        transfers = [e for e in case.events if e.kind is EventKind.TRANSFERRED]
        answers = [e.text for e in case.events if e.kind in (EventKind.CLOSED, EventKind.DECLINED)]
        assert case.transfers == len(transfers)
        assert case.transferred_at == (transfers[-1].at if transfers else None)
        assert case.reply == (answers[-1] if answers else None)


def test_references_stay_unique_and_a_real_submission_follows_them(app, runner):
    for _ in range(2):  # a second run avoids the numbers the first one drew
        assert generate(runner, "--cases", "300", "--months", "2").exit_code == 0
    references = db.session.execute(select(Case.reference)).scalars().all()
    assert len(references) == len(set(references)) == 600
    assert all(receipts.is_reference(r) for r in references)
    case, _code = new_case()  # a random number of this month, like the generated ones
    assert case.reference not in references and receipts.is_reference(case.reference)


def test_every_generated_case_is_found_with_the_printed_tracking_code(app, runner):
    result = generate(runner, "--cases", "20")
    code = re.search(r"tracking code (\S+) ", result.output)[1]
    for case in db.session.execute(select(Case)).scalars():
        assert tracking.find_case(db.session, case.reference, code) is case
