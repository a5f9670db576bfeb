"""Guessing tracking codes is limited per client and per reference number, an unknown
reference looks exactly like a wrong code, before and after the limit, and nobody's wrong
guesses keep the owner out of their own case."""

import re

from conftest import new_case
from security_helpers import running

from feedback.extensions import db

# A code of the right shape that opens nothing: a malformed one is refused before any look-up.
WRONG = "0000-0000-0000-0000-0000"


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
        refused = ask(app, reference, "AAAA-BBBB-CCCC-DDDD-EEEE", "198.51.100.98")
        assert refused.status_code == 429  # one more wrong code, from a new client, must wait
        # The right code, from a client within its own limit, still opens the case.
        opened = ask(app, f" {reference.lower()} ", code, "198.51.100.99")
        assert opened.status_code == 200 and "关于整改落实的意见" in opened.get_data(as_text=True)
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
            responses = [ask(app, reference, WRONG, f"203.0.113.{n}") for n in range(3)]
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
        statuses = [ask(app, f"2026-11-00000{n}", WRONG, "192.0.2.7").status_code for n in range(3)]
        assert statuses == [200, 200, 429]


def test_fifty_wrong_codes_from_many_clients_do_not_keep_the_owner_out(app_factory):
    with running(app_factory(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)) as app:
        case, code = new_case()
        reference = case.reference
        statuses = [
            via_proxy(app, reference, f"{n:04d}-0000-0000-0000-0000", f"198.51.100.{n}").status_code
            for n in range(50)
        ]
        assert statuses == [200] * 10 + [429] * 40  # TRACK_REFERENCE_LIMITS: 10 per hour
        owner = via_proxy(app, reference, code, "203.0.113.77")
        assert owner.status_code == 200
        assert "关于整改落实的意见" in owner.get_data(as_text=True)


def test_too_many_wrong_codes_for_a_reference_say_so_and_how_long_to_wait(app_factory):
    with running(
        app_factory(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1, TRACK_REFERENCE_LIMITS="2 per hour")
    ) as app:
        case, _ = new_case()
        for n in range(2):
            via_proxy(app, case.reference, WRONG, f"198.51.100.{n}")
        refused = via_proxy(app, case.reference, WRONG, "198.51.100.9")
        html = refused.get_data(as_text=True)
        assert refused.status_code == 429
        assert "查询码错误次数过多" in html and "正确的查询码仍可打开" in html
        wait = int(refused.headers["Retry-After"])
        assert 3000 < wait <= 3601
        assert f"{-(-wait // 60)}分钟" in re.sub(r"\s", "", html)


def test_a_client_over_its_look_up_limit_is_told_so_and_how_long_to_wait(app_factory):
    with running(
        app_factory(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1, TRACK_LIMITS="2 per hour")
    ) as app:
        for n in range(2):
            via_proxy(app, f"2026-11-00000{n}", WRONG, "192.0.2.7")
        refused = via_proxy(app, "2026-11-000009", WRONG, "192.0.2.7")
        html = refused.get_data(as_text=True)
        assert refused.status_code == 429
        assert "查询过于频繁" in html and "提交" not in html
        wait = int(refused.headers["Retry-After"])
        assert 3000 < wait <= 3601
        assert f"{-(-wait // 60)}分钟" in re.sub(r"\s", "", html)


def via_proxy(app, reference, code, address):
    """A look-up from `address`, as the one trusted proxy in front reports it."""
    return app.test_client().post(
        "/track",
        data={"reference": reference, "code": code},
        headers={"X-Forwarded-For": address},
    )


def test_a_reference_typed_another_way_counts_against_the_same_limit(app_factory):
    with running(
        app_factory(
            RATELIMIT_ENABLED=True, TRACK_LIMITS="100 per hour", TRACK_REFERENCE_LIMITS="2 per hour"
        )
    ) as app:
        case, code = new_case()
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in case.reference.replace("-", ""))
        spaced = case.reference.replace("-", " — ")
        assert ask(app, full_width, WRONG, "198.51.100.1").status_code == 200
        assert ask(app, spaced, WRONG, "198.51.100.2").status_code == 200
        assert ask(app, case.reference, WRONG, "198.51.100.3").status_code == 429
        assert ask(app, full_width, code, "198.51.100.4").status_code == 200
