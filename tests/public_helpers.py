"""Helpers for the citizen-side tests: a valid form, submitting it, reading the receipt."""

import re
import secrets
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CONTENT = "整改通报说已经整改到位，但我上个月去办事时情况依旧，希望核实。"


def form_token() -> str:
    """A token as the form carries one: the service keeps no list of those it rendered, so a
    fresh random one is what a newly opened form posts."""
    return secrets.token_urlsafe(16)


def valid_form(**overrides: Any) -> dict[str, str]:
    """A real-name opinion to the court that passes every check, as a newly opened form posts
    it (with its own one-time token); override any field."""
    form = {
        "kind": "opinion",
        "item": "",
        "body": "court",
        "subject": "关于便民工作的意见",
        "content": CONTENT,
        "identity": "real",
        "name": "张三",
        "phone": "138 1234 5678",
        "email": "",
        "consent": "y",
        "website": "",
        "form_token": form_token(),
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def post_form(client: FlaskClient, **overrides: Any) -> TestResponse:
    return client.post("/submit", data=valid_form(**overrides))


def code_on(html: str) -> str | None:
    """The tracking code a page shows, as the citizen reads and copies it: its groups, each in
    an element of its own, joined by their dashes."""
    shown = re.search(r'id="receipt-code"[^>]*>((?:<span[^>]*>[^<]*</span>|<wbr>|[^<])*)', html)
    return re.sub(r"<[^>]+>|\s", "", shown[1]) if shown else None


def receipt(response: TestResponse) -> tuple[str, str]:
    """Read the reference number and the tracking code off a receipt page."""
    html = response.get_data(as_text=True)
    ref = re.search(r'id="receipt-ref"[^>]*>([^<]+)<', html)
    code = code_on(html)
    assert ref and code, html
    return ref[1].strip(), code


def send(client: FlaskClient, **overrides: Any) -> tuple[str, str]:
    """Submit a valid message, confirming the routing if the service asks; return the receipt."""
    form = valid_form(**overrides)
    response = client.post("/submit", data=form)
    if "confirm_routing" in overrides or 'name="confirm_routing" type="hidden" value="1"' not in (
        response.get_data(as_text=True)
    ):
        return receipt(response)
    return receipt(client.post("/submit", data={**form, "confirm_routing": "1"}))


def field_error(html: str, field: str) -> str | None:
    """The error message shown beside a field, if any."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return match[1] if match else None


CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
