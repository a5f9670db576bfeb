"""Rate limits on sending and tracking, the 429 page, and the language switch."""

from collections.abc import Iterator

import pytest
from conftest import case_count
from flask import Flask
from public_helpers import CONTENT, post_form, receipt, send

from feedback.extensions import db, limiter

PHONES = ("0717-5193251", "0717-5822179", "0717-5755079")


@pytest.fixture
def limited(app_factory) -> Iterator[Flask]:
    app = app_factory(RATELIMIT_ENABLED=True, TRACK_LIMITS="3 per hour")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_sixth_message_within_an_hour_is_refused_with_the_phone_numbers(limited):
    client = limited.test_client()
    for _ in range(5):
        send(client)
    refused = post_form(client)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "提交过于频繁" in html and "请稍后再试" in html
    for phone in PHONES:
        assert phone in html
    assert case_count() == 5
    assert client.get("/submit").status_code == 200  # reading the form is never limited
    assert client.get("/").status_code == 200


def test_a_routing_preview_does_not_count(limited):
    client = limited.test_client()
    for n in range(5):
        # Five different messages: the same answers again from this browser would be the same one.
        text = f"第{n}条意见：{CONTENT}"
        preview = post_form(client, body="unsure", content=text)
        assert "请确认受理机关" in preview.get_data(as_text=True)
        receipt(post_form(client, body="unsure", content=text, confirm_routing="1"))
    # Five messages are stored; asking where a sixth would go still works, sending it does not.
    assert "请确认受理机关" in post_form(client, body="unsure").get_data(as_text=True)
    assert post_form(client, body="unsure", confirm_routing="1").status_code == 429
    assert case_count() == 5


def test_invalid_posts_count_too(limited):
    client = limited.test_client()
    for _ in range(5):
        assert post_form(client, subject="").status_code == 200
    assert post_form(client).status_code == 429
    assert case_count() == 0


def test_the_429_page_is_in_english_with_the_cookie(limited):
    client = limited.test_client()
    client.set_cookie("lang", "en")
    for _ in range(5):
        post_form(client, subject="")
    html = post_form(client).get_data(as_text=True)
    assert "Too many submissions" in html
    assert "Fifth Discipline Inspection and Supervision Group" in html
    for phone in PHONES:
        assert phone in html


def test_tracking_attempts_are_limited_across_its_forms(limited):
    client = limited.test_client()
    wrong = {"reference": "2020-01-000001", "code": "0000-0000-0000-0000-0000"}
    assert client.post("/track", data=wrong).status_code == 200
    assert client.post("/track/add", data={**wrong, "text": "补充"}).status_code == 200
    assert client.post("/track/rate", data={**wrong, "rating": "satisfied"}).status_code == 200
    assert client.post("/track", data=wrong).status_code == 429
    assert client.get("/track").status_code == 200


def test_the_language_switch_sets_a_cookie_and_returns_to_the_page(client):
    response = client.get("/language/en?next=/track")
    assert response.status_code == 302
    assert response.headers["Location"] == "/track"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    assert "Track a case" in client.get("/track").get_data(as_text=True)
    back = client.get("/language/zh_Hans_CN?next=/")
    assert back.headers["Location"] == "/"
    assert "查询办理进度" in client.get("/track").get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "evil", "", "/%0d%0a\r\nx"],
)
def test_the_language_switch_never_leaves_the_site(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_not_found(client):
    response = client.get("/language/fr?next=/")
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers
    assert "页面不存在" in response.get_data(as_text=True)


def test_the_429_page_for_messages_says_when_to_send_again(limited):
    client = limited.test_client()
    for _ in range(5):
        post_form(client, subject="")
    refused = post_form(client)
    wait = int(refused.headers["Retry-After"])
    assert 3000 < wait <= 3601  # the first limit, 5 per hour, opens again within the hour
    html = "".join(refused.get_data(as_text=True).split())
    assert f"{-(-wait // 60)}分钟后可再次提交" in html


@pytest.fixture
def every_page_limited(app_factory) -> Iterator[Flask]:
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="3 per hour")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    # The limiter is one object for every app the tests make: the next ones get no default.
    limiter.limit_manager.set_default_limits([])


def test_a_limit_set_for_every_page_still_counts_every_page(every_page_limited):
    """The service sets no app-wide limit and so drops flask-limiter's check before each request;
    an operator who sets one (RATELIMIT_DEFAULT) has it counted on every page."""
    client = every_page_limited.test_client()
    assert [client.get("/").status_code for _ in range(4)] == [200, 200, 200, 429]
