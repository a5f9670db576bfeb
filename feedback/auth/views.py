"""Staff sign in and out: one generic answer for every failed login, rate-limited."""

from flask import (
    Blueprint,
    abort,
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
from feedback.auth.session import home_for, safe_next, signed_in_user
from feedback.extensions import db, limiter
from feedback.models import User

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


def switch_account(user_id: int, *, active: bool) -> Response:
    """Deactivate or reactivate an account, for the managers' and the administrator's pages."""
    user = db.session.get(User, user_id)
    try:
        if user is None:
            raise LookupError(user_id)
        accounts.set_active(signed_in_user(), user, active)
    except LookupError:
        abort(404)
    except accounts.AccountError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            _("The account %(name)s is active.", name=user.username)
            if active
            else _("The account %(name)s is deactivated.", name=user.username),
            "success",
        )
    return redirect(url_for(".accounts_page"))
