"""Every routing rule of DESIGN.md §2, one test each, and the conflict-of-interest rule."""

import pytest
from conftest import case_count
from public_helpers import post_form, receipt

from feedback.cases import routing
from feedback.extensions import db
from feedback.models import Kind
from feedback.web import labels


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("chosen", ["discipline", "inspection"])
def test_an_explicit_choice_of_a_body_other_than_the_court_is_respected(kind, chosen):
    assert routing.route(kind, chosen, about_item=True) == routing.Routing(chosen, routing.CHOSEN)


@pytest.mark.parametrize("kind", [Kind.OPINION, Kind.COMPLAINT, Kind.OTHER])
def test_choosing_the_court_is_respected_for_anything_but_a_report(kind):
    assert routing.route(kind, "court", about_item=False).body == "court"


def test_unsure_report_goes_to_the_discipline_group():
    decision = routing.route(Kind.REPORT, routing.UNSURE, about_item=True)
    assert decision == routing.Routing("discipline", "report_to_discipline")


def test_unsure_complaint_about_an_item_goes_to_the_inspection_office():
    decision = routing.route(Kind.COMPLAINT, routing.UNSURE, about_item=True)
    assert decision == routing.Routing("inspection", "complaint_about_item")


@pytest.mark.parametrize(
    ("kind", "about_item"),
    [(Kind.COMPLAINT, False), (Kind.OPINION, True), (Kind.OPINION, False), (Kind.OTHER, True)],
)
def test_unsure_anything_else_goes_to_the_court(kind, about_item):
    decision = routing.route(kind, routing.UNSURE, about_item=about_item)
    assert decision == routing.Routing("court", "default_to_court")


def test_a_report_addressed_to_the_court_goes_to_the_discipline_group_and_says_why():
    decision = routing.route(Kind.REPORT, "court", about_item=False)
    assert decision == routing.Routing("discipline", routing.CONFLICT)
    assert decision.decided_by_rules


def test_no_body_may_hold_a_report_about_itself():
    assert not routing.may_hold(Kind.REPORT, "court")
    assert routing.may_hold(Kind.REPORT, "inspection")
    assert routing.may_hold(Kind.COMPLAINT, "court")


def test_a_body_in_the_inspected_units_role_holds_no_report_whatever_else_it_plays():
    assert not routing.body_may_hold(Kind.REPORT, 1, {"court": 1, "discipline": 1})
    assert not routing.body_may_hold(Kind.REPORT, 1, {"discipline": 1, "court": 1})
    assert routing.body_may_hold(Kind.REPORT, 1, {"court": 2, "discipline": 1})
    assert routing.body_may_hold(Kind.REPORT, 3, {"court": 2, "discipline": 1})  # another unit's
    assert routing.body_may_hold(Kind.OPINION, 1, {"court": 1, "discipline": 1})


def test_every_reason_the_rules_can_give_has_words_for_the_citizen():
    reasons = {rule.reason for rule in routing.PROPOSALS} | {routing.CHOSEN, routing.CONFLICT}
    reasons.add(routing.REVIEW)  # a review request: contest.py routes it, not route()
    assert reasons == set(labels.ROUTING_REASON)


def test_a_submission_is_routed_once_from_its_rate_limit_to_its_stored_case(
    app, app_factory, monkeypatch
):
    """The rate limit's exemption, the page that shows the routing and the stored case all use
    one decision: they cannot disagree about where a message goes."""
    client = app_factory(RATELIMIT_ENABLED=True).test_client()
    decisions: list[routing.Routing] = []

    def route(kind: Kind, chosen: str, about_item: bool) -> routing.Routing:
        decisions.append(routing_rules(kind, chosen, about_item))
        return decisions[-1]

    routing_rules = routing.route
    monkeypatch.setattr(routing, "route", route)

    preview = post_form(client, kind="report", body="unsure")
    assert "receipt-code" not in preview.get_data(as_text=True) and case_count() == 0
    assert len(decisions) == 1
    db.session.commit()  # the test's reads end: on SQLite its transaction holds the write lock
    receipt(post_form(client, kind="report", body="unsure", confirm_routing="1"))
    assert len(decisions) == 2 and case_count() == 1


def test_by_default_the_inspection_office_reviews_the_unit_and_the_other_two_each_other():
    assert routing.reviewer("court", {}) == "inspection"
    assert routing.reviewer("discipline", {}) == "inspection"
    assert routing.reviewer("inspection", {}) == "discipline"
    assert routing.reviewer("court", {"court": "discipline"}) == "discipline"


@pytest.mark.parametrize(
    ("decider", "reviewer", "allowed"),
    [
        ("court", "inspection", True),
        ("court", "discipline", True),
        ("court", "court", False),  # a body never reviews its own decisions
        ("discipline", "inspection", True),
        ("discipline", "court", False),  # the discipline group holds reports: never the unit
        ("inspection", "discipline", True),
        ("inspection", "court", False),
    ],
)
def test_who_may_review_whom(decider, reviewer, allowed):
    assert routing.may_review(decider, reviewer) is allowed


def test_a_review_of_a_report_never_reaches_the_unit_nor_the_body_that_decided():
    roles = {"court": 1, "discipline": 2, "inspection": 3}
    assert not routing.body_may_hold(Kind.REPORT, 1, roles, reviewing=2)
    assert not routing.body_may_hold(Kind.REPORT, 2, roles, reviewing=2)
    assert routing.body_may_hold(Kind.REPORT, 3, roles, reviewing=2)
    assert not routing.body_may_hold(Kind.OPINION, 1, roles, reviewing=1)
    assert routing.body_may_hold(Kind.OPINION, 1, roles, reviewing=3)


def test_supervision_defaults_follow_the_notice_and_a_notice_may_depart_from_them() -> None:
    assert routing.supervisor("court", {}) == "discipline"
    assert routing.supervisor("discipline", {}) == "inspection"
    assert routing.supervisor("inspection", {}) is None
    assert routing.supervised("discipline", {}) == ["court"]
    assert routing.supervised("inspection", {}) == ["court", "discipline"]
    assert routing.supervised("court", {}) == []
    chosen = {"court": "inspection"}
    assert routing.supervisor("court", chosen) == "inspection"
    assert routing.supervised("discipline", chosen) == []
