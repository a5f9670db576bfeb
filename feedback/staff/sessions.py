"""Signing in: how a session finds its account, where each role lands, and who is sent to log in.

A session holds the account's id and its session token (User.get_id): logging out changes the
token, which ends every copy of that session, wherever it is. A session idle for longer than
SESSION_IDLE_MINUTES is ended at its next request. Nothing in a session is derived from the
client's address or browser (Flask-Login's session protection would hash both into the cookie).

Importing this module (feedback.auth.views does) configures the shared login manager.
"""

import hmac
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from feedback.extensions import db, login_manager
from feedback.models import Role, User

login_manager.login_view = "auth.login"
# Not "strong" or "basic": those keep a hash of the client's address and user agent in the
# session. The session token, the idle timeout and two-factor login do their work instead.
login_manager.session_protection = None
SEEN = "_seen"
# The last use is noted at most this often: a session cookie re-signed on every request costs
# time, and the idle limit is counted in minutes.
SEEN_EVERY_SECONDS = 30


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the signed-in account with its body; a deactivated account is signed out at once."""
    number, _sep, token = user_id.partition(":")
    if not number.isdigit():
        return None
    user = db.session.execute(
        select(User)
        .options(joinedload(User.body))
        .where(User.id == int(number), User.active.is_(True))
    ).scalar_one_or_none()
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


@login_manager.unauthorized_handler
def send_to_login() -> Response:
    """Send a visitor who is not signed in to the login page, and come back afterwards."""
    flash(_("Please log in to see this page."), "error")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def start_session(user: User) -> None:
    """Sign the account in, in a new session: nothing from before the login survives."""
    session.clear()
    login_user(user)
    session.pop("_id", None)  # Flask-Login's hash of the client's address and user agent
    session[SEEN] = int(time.time())


def end_session(user: User | None) -> None:
    """Sign out, and end every other copy of the session by changing the account's token."""
    if user is not None:
        user.rotate_session_token()
    logout_user()
    session.clear()


def end_idle_session() -> None:
    """Sign out a session unused for SESSION_IDLE_MINUTES; otherwise note that it was used."""
    if "_user_id" not in session or request.endpoint == "static":
        return
    now = int(time.time())
    seen = session.get(SEEN)
    if not isinstance(seen, int) or now - seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        logout_user()
        session.clear()
        flash(
            _(
                "You were logged out after %(minutes)d minutes without activity.",
                minutes=current_app.config["SESSION_IDLE_MINUTES"],
            ),
            "error",
        )
        return
    if now - seen >= SEEN_EVERY_SECONDS:
        session[SEEN] = now


# The staff areas, closed to an account until it has chosen its own password: it may still set
# up its second factor and log out (the auth blueprint).
STAFF_AREAS = ("inbox", "admin")


def require_own_password() -> Response | None:
    """Send an account whose password someone else set to choose its own, before anything else."""
    if request.blueprint not in STAFF_AREAS or not current_user.is_authenticated:
        return None
    if current_user.must_change_password:
        return redirect(url_for("auth.password"))
    return None


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie: HttpOnly and SameSite=Lax by configuration, Secure over HTTPS."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's own serializer, made once for the app's keys rather than twice per request."""
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]


def home_for(user: User) -> str:
    """The page an account starts on: the administrator's pages or the body's inbox."""
    return url_for("admin.home") if user.role is Role.ADMIN else url_for("inbox.index")


def safe_next(target: str | None, user: User) -> str | None:
    """Accept a return address only if it is a path on this site within the account's own area."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    area = "/admin/" if user.role is Role.ADMIN else "/inbox/"
    return target if parts.path.startswith(area) else None


def signed_in_user() -> User:
    """The signed-in account itself (not the request-bound proxy), for the case operations."""
    return current_user._get_current_object()


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    app.before_request(end_idle_session)
    app.before_request(require_own_password)
