"""The case state machine: each step, its event, its time limit, and the steps it refuses."""

import itertools
from datetime import timedelta

import pytest
from conftest import body, new_case
from sqlalchemy import select

from feedback.cases import operations, receipts, tracking
from feedback.cases.months import month_of
from feedback.cases.operations import CaseError
from feedback.extensions import db
from feedback.models import Case, EventKind, Kind, Rating, Status


def test_a_submission_gets_a_monthly_reference_a_hashed_code_and_its_first_event(app):
    case, code = new_case()
    second, _ = new_case()
    assert receipts.is_reference(case.reference) and receipts.is_reference(second.reference)
    assert case.reference[:7] == second.reference[:7] == month_of(case.received_at)
    assert case.reference != second.reference
    assert code not in case.tracking_hash
    assert receipts.code_matches(code.lower().replace("-", " "), case.tracking_hash)
    assert [e.kind for e in case.events] == [EventKind.SUBMITTED]
    assert case.due_at == case.received_at + timedelta(days=15)


def test_accept_then_close_shows_the_reply_and_sets_the_deadlines(app, staff):
    case, _ = new_case()
    operations.accept(db.session, case, staff["court"])
    assert case.status is Status.ACCEPTED
    assert case.due_at == case.accepted_at + timedelta(days=60)
    operations.extend(db.session, case, staff["court"], 30, "需要调取档案")
    assert case.due_at == case.accepted_at + timedelta(days=90)
    with pytest.raises(CaseError):
        operations.extend(db.session, case, staff["court"], 5, "再次延期")
    operations.close(db.session, case, staff["court"], "已核实并整改。")
    assert case.status is Status.CLOSED and case.due_at is None
    kinds = [e.kind for e in case.events]
    assert kinds == [EventKind.SUBMITTED, EventKind.ACCEPTED, EventKind.EXTENDED, EventKind.CLOSED]
    operations.rate(db.session, case, Rating.SATISFIED, "")
    with pytest.raises(CaseError):
        operations.rate(db.session, case, Rating.UNSATISFIED, "")


def test_an_extension_is_capped_by_the_body(app, staff):
    case, _ = new_case()
    operations.accept(db.session, case, staff["court"])
    with pytest.raises(CaseError):
        operations.extend(db.session, case, staff["court"], 31, "太久")


def test_a_transfer_moves_the_case_and_restarts_acceptance(app, staff):
    case, _ = new_case()
    operations.accept(db.session, case, staff["court"])
    operations.transfer(db.session, case, staff["court"], body("inspection"), "属于巡察办职责")
    assert case.body.slug == "inspection"
    assert case.status is Status.RECEIVED and case.accepted_at is None
    with pytest.raises(CaseError):
        operations.accept(db.session, case, staff["court"])
    operations.accept(db.session, case, staff["inspection"])


def test_a_report_is_never_transferred_to_the_court(app, staff):
    case, _ = new_case(kind=Kind.REPORT, chosen="discipline")
    with pytest.raises(CaseError):
        operations.transfer(db.session, case, staff["discipline"], body("court"), "转给法院")
    assert case.body.slug == "discipline"


def test_decline_needs_an_open_case_and_ends_it(app, staff):
    case, _ = new_case()
    operations.decline(db.session, case, staff["court"], "不属于受理范围")
    assert case.status is Status.DECLINED
    with pytest.raises(CaseError):
        operations.add_supplement(db.session, case, "补充一些情况")
    with pytest.raises(CaseError):
        operations.close(db.session, case, staff["court"], "答复")


def test_the_admin_and_other_bodies_cannot_act_on_a_case(app, staff):
    case, _ = new_case()
    for outsider in (staff["admin"], staff["inspection"], staff["discipline-manager"]):
        with pytest.raises(CaseError):
            operations.accept(db.session, case, outsider)
        with pytest.raises(CaseError):
            operations.add_note(db.session, case, outsider, "看一看")


def test_a_case_is_assigned_only_within_its_body(app, staff):
    case, _ = new_case()
    operations.assign(db.session, case, staff["court-manager"], staff["court"])
    assert case.assignee == staff["court"]
    with pytest.raises(CaseError):
        operations.assign(db.session, case, staff["court-manager"], staff["inspection"])


def test_references_do_not_count_the_cases_of_other_bodies(app):
    """Consecutive numbers would let a body, or anyone with two receipts, count what went elsewhere."""
    numbers = []
    for chosen in ("court", "discipline", "inspection", "court", "discipline", "inspection"):
        case, _ = new_case(chosen=chosen)
        numbers.append(int(case.reference.rsplit("-", 1)[1]))
    assert all(b - a != 1 for a, b in itertools.pairwise(numbers))


def test_a_reference_already_taken_is_drawn_again(app, monkeypatch):
    first, _ = new_case()
    taken = int(first.reference.rsplit("-", 1)[1])
    draws = iter([taken, taken, (taken + 1) % 10**6])
    monkeypatch.setattr(receipts, "draw_number", lambda: next(draws))
    second, code = new_case(chosen="discipline")
    assert second.reference == f"{first.reference[:7]}-{(taken + 1) % 10**6:06d}"
    assert next(draws, None) is None  # both taken draws were refused by the constraint
    db.session.expire_all()
    assert {c.reference for c in db.session.execute(select(Case)).scalars()} == {
        first.reference,
        second.reference,
    }
    assert tracking.find_case(db.session, second.reference, code) is not None
