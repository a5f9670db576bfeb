"""Signing in: how a session finds its account, where each role lands, and who is sent to log in.

Importing this module (feedback.auth.views does) configures the shared login manager.
"""

from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from feedback.extensions import db, login_manager
from feedback.models import Role, User

login_manager.login_view = "auth.login"
# A session cookie replayed from another address or browser is dropped, not honoured.
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the signed-in account with its body; a deactivated account is signed out at once."""
    if not user_id.isdigit():
        return None
    return db.session.execute(
        select(User)
        .options(joinedload(User.body))
        .where(User.id == int(user_id), User.active.is_(True))
    ).scalar_one_or_none()


@login_manager.unauthorized_handler
def send_to_login() -> Response:
    """Send a visitor who is not signed in to the login page, and come back afterwards."""
    flash(_("Please log in to see this page."), "error")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


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
    return current_user._get_current_object()  # type: ignore[no-any-return]
