"""Guessing tracking codes is limited per client and per reference number, and an unknown
reference looks exactly like a wrong code, before and after the limit."""

from conftest import new_case
from security_helpers import running

from feedback.extensions import db


def ask(app, reference, code, address):
    client = app.test_client()
    return client.post(
        "/track",
        data={"reference": reference, "code": code},
        environ_base={"REMOTE_ADDR": address},
    )


def test_guesses_at_one_reference_are_limited_whatever_the_client(app_factory):
    with running(
        app_factory(
            RATELIMIT_ENABLED=True, TRACK_LIMITS="100 per hour", TRACK_REFERENCE_LIMITS="3 per hour"
        )
    ) as app:
        case, code = new_case()
        other, other_code = new_case()
        reference = case.reference
        db.session.commit()
        answers = [
            ask(app, reference, "AAAA-BBBB-CCCC-DDDD-EEEE", f"198.51.100.{n}") for n in range(3)
        ]
        assert {r.status_code for r in answers} == {200}
        locked = ask(app, f" {reference.lower()} ", code, "198.51.100.99")
        assert locked.status_code == 429  # even the right code, from a new client, must wait
        assert ask(app, other.reference, other_code, "198.51.100.99").status_code == 200


def test_an_unknown_reference_and_a_wrong_code_look_the_same_before_and_after_the_limit(
    app_factory,
):
    with running(
        app_factory(
            RATELIMIT_ENABLED=True, TRACK_LIMITS="100 per hour", TRACK_REFERENCE_LIMITS="2 per hour"
        )
    ) as app:
        case, _ = new_case()
        pages = {}
        for reference in (case.reference, "2099-01-999999"):
            responses = [ask(app, reference, "WRONG-CODE", f"203.0.113.{n}") for n in range(3)]
            pages[reference] = [
                (r.status_code, r.get_data(as_text=True).replace(reference, "REF"))
                for r in responses
            ]
        known, unknown = pages.values()
        assert [status for status, _ in known] == [200, 200, 429]
        assert known == unknown


def test_guesses_from_one_client_are_limited_across_references(app_factory):
    with running(
        app_factory(
            RATELIMIT_ENABLED=True, TRACK_LIMITS="2 per hour", TRACK_REFERENCE_LIMITS="50 per hour"
        )
    ) as app:
        statuses = [
            ask(app, f"2026-11-00000{n}", "WRONG", "192.0.2.7").status_code for n in range(3)
        ]
        assert statuses == [200, 200, 429]
