"""Error pages in the visitor's language; the 429 page says what was limited, how long to wait
(also as Retry-After) and names the other ways in."""

import math
import time

from flask import Flask, current_app, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from feedback.extensions import db, limiter
from feedback.models import Body
from feedback.web.cross_site import CrossSiteRequest
from feedback.web.i18n import waiting_time

# What a limit on each endpoint counts, for the 429 page's words.
LIMITED = {
    "public.submit": "submissions",
    "public.track": "lookups",
    "public.add_information": "lookups",
    "public.rate": "lookups",
    "public.answer_item": "answers",
    "auth.login": "logins",
    "auth.enrol": "logins",
}


def render_error(error: HTTPException) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    code = error.code or 500
    if code == 429:
        return render_too_many(error)
    return render_template("errors/error.html", code=code, bodies=[]), code


def render_too_many(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    """Say what was limited and for how long; the phone numbers are the way in meanwhile."""
    wait = _seconds_to_wait(error)
    bodies = db.session.execute(select(Body).order_by(Body.id)).scalars().all()
    page = render_template(
        "errors/error.html",
        code=429,
        bodies=bodies,
        limited=LIMITED.get(request.endpoint or "", "requests"),
        wait=waiting_time(wait),
    )
    return page, 429, {"Retry-After": str(wait)}


def _seconds_to_wait(error: HTTPException) -> int:
    """Until the limit that was hit lets the client in again."""
    current = limiter.current_limit if isinstance(error, RateLimitExceeded) else None
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


# Why Flask-WTF refused a form (CSRFError.description), as the refusal page explains it: only an
# expired token means the form expired; a token or cookie that is missing or wrong is something else.
CSRF_REFUSALS = {
    "The CSRF token has expired.": "expired",
    "The CSRF token is missing.": "token",
    "The CSRF token is invalid.": "token",
    "The CSRF tokens do not match.": "token",
    "The CSRF session token is missing.": "cookie",
    # The Referer checks, should WTF_CSRF_SSL_STRICT be turned on again.
    "The referrer header is missing.": "cross_site",
    "The referrer does not match the host.": "cross_site",
}


def render_csrf_error(error: CSRFError) -> tuple[str, int]:
    refusal = CSRF_REFUSALS.get(error.description or "", "token")
    return render_template("errors/error.html", code=400, refusal=refusal, bodies=[]), 400


def render_cross_site(error: CrossSiteRequest) -> tuple[str, int]:
    return render_template("errors/error.html", code=403, refusal="cross_site", bodies=[]), 403


def render_database_unavailable(error: DBAPIError) -> tuple[str, int, dict[str, str]]:
    """The database does not answer: say so, and that nothing was stored; never a receipt."""
    db.session.remove()
    # The error's text may quote the statement and its parameters, which can be what a citizen wrote.
    current_app.logger.error("database unavailable: %s", type(error.orig).__name__)
    page = render_template("errors/error.html", code=503, bodies=[])
    return page, 503, {"Retry-After": "60"}


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, render_database_unavailable)
    app.register_error_handler(InterfaceError, render_database_unavailable)
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(CrossSiteRequest, render_cross_site)
    app.register_error_handler(HTTPException, render_error)
