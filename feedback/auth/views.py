"""Staff sign in and out: one generic answer for every failed login, rate-limited."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from feedback import accounts
from feedback.auth.forms import LoginForm
from feedback.auth.session import home_for, safe_next
from feedback.extensions import db, limiter

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMITS"], methods=["POST"])
def login() -> Response | str:
    """Sign a member of staff in, into a fresh session."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.username.data, form.password.data)
        if user is not None:
            session.clear()  # nothing from before the login survives into the new session
            login_user(user)
            return redirect(safe_next(request.args.get("next"), user) or home_for(user))
        failed = True
    return render_template("auth/login.html", form=form, failed=failed)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash(_("You have logged out."), "success")
    return redirect(url_for("auth.login"))
