"""Staff sign in and out: one answer for every failed login, throttled per client and per
account, a second factor for the roles that need one, and every attempt in the audit log."""

import time

import segno
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
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from feedback.auth.forms import CodeForm, LoginForm, MailSettingsForm, PasswordChangeForm
from feedback.extensions import db, limiter
from feedback.models import AuditAction, NewCaseMail, User
from feedback.staff import accounts, audit, mail_settings, throttle, totp, two_factor
from feedback.staff.sessions import (
    end_session,
    home_for,
    load_user,
    safe_next,
    signed_in_user,
    start_session,
)
from feedback.storage.database import writes

bp = Blueprint("auth", __name__)

ENROLLING = "_enrolling"  # the account that gave its password and must now set up a second factor
ENROL_SECONDS = 600

Page = tuple[str, int] | Response | str


def login_limits() -> str:
    return current_app.config["LOGIN_LIMITS"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limits, methods=["POST"])
def login() -> Page:
    """Sign a member of staff in, into a fresh session."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, failed=False)
    username = form.username.data
    if throttle.locked(username):
        account = accounts.find(db.session, username)
        if account is not None:
            audit.record(db.session, account, AuditAction.LOGIN_FAILED, detail="locked")
            db.session.commit()
        return render_template("auth/login.html", form=form, throttled=True), 429
    attempt = accounts.sign_in(db.session, username, form.password.data, form.code.data or "")
    user = attempt.user
    if user is None:
        throttle.failed(username)
        audit.record(
            db.session,
            attempt.account,
            AuditAction.LOGIN_FAILED,
            body=attempt.account.body if attempt.account else None,
            detail=attempt.failure,
        )
        db.session.commit()
        return render_template("auth/login.html", form=form, failed=True)
    throttle.forget(username)
    if attempt.must_enrol:
        db.session.commit()  # a password hash brought up to date
        session.clear()
        session[ENROLLING] = {"user": user.get_id(), "until": int(time.time()) + ENROL_SECONDS}
        return redirect(url_for(".enrol", next=request.args.get("next")))
    start_session(user)
    if attempt.factor is two_factor.Factor.RECOVERY_CODE:
        audit.record(db.session, user, AuditAction.RECOVERY_CODE_USED)
    audit.record(db.session, user, AuditAction.LOGIN)
    db.session.commit()
    return redirect(safe_next(request.args.get("next"), user) or home_for(user))


def enrolling_user() -> User | None:
    """The account that is setting up its second factor after giving its password, if still."""
    state = session.get(ENROLLING)
    if not isinstance(state, dict) or not isinstance(state.get("until"), int):
        return None
    if state["until"] < time.time():
        return None
    user = load_user(str(state.get("user", "")))
    return user if user is not None and not user.has_two_factor else None


@bp.route("/login/enrol", methods=["GET", "POST"])
@writes  # the secret being enrolled is stored when the page is first shown
@limiter.limit(login_limits, methods=["POST"])
def enrol() -> Page:
    """Set up the second factor an account's role needs, then sign it in."""
    user = enrolling_user()
    if user is None:
        session.pop(ENROLLING, None)
        flash(_("Please log in again."), "error")
        return redirect(url_for(".login"))
    return setup_page(user, signing_in=True)


@bp.route("/two-factor", methods=["GET", "POST"])
@writes  # as /login/enrol, when the account sets a second factor up
@login_required
def two_factor_page() -> Page:
    """Show the account's second factor, or set one up (when the role does not require it)."""
    user = signed_in_user()
    if not user.has_two_factor:
        return setup_page(user, signing_in=False)
    return render_template(
        "auth/two_factor.html",
        form=CodeForm(formdata=None),
        unused=two_factor.unused_codes(db.session, user),
    )


@bp.post("/two-factor/recovery-codes")
@login_required
@limiter.limit(login_limits)
def new_recovery_codes() -> Page:
    """Replace the recovery codes, after a code from the app shows the phone is at hand."""
    user = signed_in_user()
    if not user.has_two_factor:
        abort(404)
    form = CodeForm()
    if form.validate_on_submit() and two_factor.verify(db.session, user, form.code.data):
        codes = two_factor.replace_recovery_codes(db.session, user)
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, next=home_for(user))
    db.session.rollback()
    if not form.code.errors:
        form.code.errors.append(
            _("This code is not right. Enter the six digits the app shows now.")
        )
    unused = two_factor.unused_codes(db.session, user)
    return render_template("auth/two_factor.html", form=form, unused=unused), 400


def setup_page(user: User, *, signing_in: bool) -> Page:
    """The enrolment page: the secret as text, as an otpauth:// address and as a QR code."""
    form = CodeForm()
    secret = two_factor.pending_secret(user)
    if form.validate_on_submit():
        codes = two_factor.confirm(db.session, user, form.code.data)
        if codes is not None:
            audit.record(db.session, user, AuditAction.TWO_FACTOR_ENROLLED)
            if signing_in:
                start_session(user)
                audit.record(db.session, user, AuditAction.LOGIN)
            db.session.commit()
            target = safe_next(request.args.get("next"), user) or home_for(user)
            return render_template("auth/recovery_codes.html", codes=codes, next=target)
        form.code.errors.append(
            _("This code is not right. Enter the six digits the app shows now.")
        )
    db.session.commit()  # the secret being enrolled stays the same if the page is reloaded
    address = totp.uri(secret, user.username, current_app.config["TOTP_ISSUER"])
    return render_template(
        "auth/enrol.html",
        form=form,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        address=address,
        qr=segno.make(address, error="m").svg_data_uri(scale=5, border=2),
        required=two_factor.required(user),
        signing_in=signing_in,
    ), 400 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limits, methods=["POST"])
def password() -> Page:
    """Change one's own password, with the current one and a second-factor code."""
    user = signed_in_user()
    form = PasswordChangeForm()
    refused = ""
    if form.validate_on_submit():
        if throttle.locked(user.username):
            refused = _("Too many failed attempts. Wait a while before you try again.")
        else:
            try:
                accounts.change_own_password(
                    db.session, user, form.current.data, form.code.data, form.password.data
                )
            except accounts.AccountError as error:
                db.session.rollback()  # a code checked is not spent
                if isinstance(error, accounts.WrongCredentials):
                    throttle.failed(user.username)
                refused = str(error)
            else:
                start_session(user)  # the account's other sessions have ended, not this one
                db.session.commit()
                flash(_("Your password is changed. Your other sessions have ended."), "success")
                return redirect(home_for(user))
    failed = bool(form.errors or refused)
    return render_template(
        "auth/password.html", form=form, refused=refused, user=user
    ), 400 if failed else 200


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications() -> Page:
    """Choose what the account is told by mail about its body's cases; saved to the audit log."""
    user = signed_in_user()
    if not user.reads_cases:
        abort(404)
    setting = mail_settings.of(db.session, user)
    form = MailSettingsForm(
        data={
            "email": setting.email,
            "new_cases": setting.new_cases.value,
            "due_list": setting.due_list,
            "locale": setting.locale,
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        mail_settings.save(
            db.session,
            user,
            form.email.data or "",
            NewCaseMail(form.new_cases.data),
            bool(form.due_list.data),
            form.locale.data,
        )
        db.session.commit()
        flash(_("Your mail settings are saved."), "success")
        return redirect(url_for("auth.notifications"))
    return render_template(
        "auth/notifications.html", form=form, mail_on=bool(current_app.config["MAIL_URL"])
    ), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out and end the session everywhere."""
    user = signed_in_user()
    audit.record(db.session, user, AuditAction.LOGOUT)
    end_session(user)
    db.session.commit()
    flash(_("You have logged out."), "success")
    return redirect(url_for("auth.login"))
