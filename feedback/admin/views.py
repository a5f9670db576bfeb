"""The administrator's pages: receiving bodies, notices and every body's accounts — never a case."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from feedback.admin.forms import AdminAccountForm, BodyForm, MoveForm
from feedback.extensions import db, login_manager
from feedback.models import AuditAction, Body, Item, Notice, Role, User
from feedback.notices import window
from feedback.notices.catalog import all_bodies
from feedback.notify import outbox
from feedback.staff import accounts, approvals, audit
from feedback.staff.account_pages import announce, switch_account
from feedback.staff.sessions import signed_in_user
from feedback.web.forms import PasswordResetForm

bp = Blueprint("admin", __name__)

Page = tuple[str, int] | Response
AUDIT_PAGE_SIZE = 100


@bp.before_request
def require_admin() -> Response | None:
    """Let only the administrator in; others log in or are refused (403)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role is not Role.ADMIN:
        abort(403)
    return None


@bp.get("/")
def home() -> Page:
    """Show the bodies with their time limits and the notices with their item counts."""
    notices = db.session.execute(
        select(Notice, func.count(Item.id))
        .outerjoin(Item, Item.notice_id == Notice.id)
        .group_by(Notice.id)
        .order_by(Notice.id)
    ).all()
    return render_template(
        "admin/home.html",
        bodies=all_bodies(db.session),
        notices=notices,
        today=window.today(),
        mail=outbox.status(db.session, configured=bool(current_app.config["MAIL_URL"])),
    ), 200


@bp.route("/bodies/<int:body_id>", methods=["GET", "POST"])
def body(body_id: int) -> Page:
    """Edit a body's public details and its time limits."""
    body = db.session.get(Body, body_id)
    if body is None:
        abort(404)
    form = BodyForm(obj=body)
    if form.validate_on_submit():
        form.apply(body)
        audit.record(db.session, signed_in_user(), AuditAction.BODY_CHANGED, body=body)
        db.session.commit()
        flash(_("%(name)s is saved.", name=body.name), "success")
        return redirect(url_for(".home"))
    return render_template("admin/body.html", body=body, form=form), 400 if form.errors else 200


@bp.route("/accounts", methods=["GET", "POST"])
def accounts_page() -> Page:
    """List every account, by body, with the changes waiting for approval; create new ones."""
    bodies = all_bodies(db.session)
    form = AdminAccountForm()
    form.offer_bodies(bodies)
    if form.validate_on_submit():
        name = form.username.data
        try:
            change = accounts.create(
                db.session,
                signed_in_user(),
                name,
                form.password.data,
                Role(form.role.data),
                form.body.data or None,
            )
        except accounts.AccountError as error:
            db.session.rollback()
            form.username.errors.append(str(error))
        else:
            db.session.commit()
            announce(change, _("The account %(name)s is created.", name=name))
            return redirect(url_for(".accounts_page"))
    users = db.session.execute(
        select(User)
        .options(joinedload(User.body))
        .order_by(User.body_id.is_(None).desc(), User.body_id, User.active.desc(), User.username)
    ).scalars()
    return render_template(
        "admin/accounts.html",
        form=form,
        users=list(users),
        requests=approvals.pending_by_account(db.session),
    ), 400 if form.errors else 200


def account_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/accounts/<int:user_id>")
def account(user_id: int) -> Page:
    """One account: its waiting requests, a new password, another body."""
    return account_page(account_or_404(user_id))


def account_page(
    user: User,
    password_form: PasswordResetForm | None = None,
    move_form: MoveForm | None = None,
) -> Page:
    move_form = move_form or MoveForm(formdata=None)
    move_form.offer_bodies(all_bodies(db.session), user.body)
    status = 400 if (password_form and password_form.errors) or move_form.errors else 200
    return render_template(
        "admin/account.html",
        user=user,
        requests=approvals.pending(db.session, user),
        password_form=password_form or PasswordResetForm(formdata=None),
        move_form=move_form,
    ), status


@bp.post("/accounts/<int:user_id>/password")
def reset_password(user_id: int) -> Page:
    """Set a new password; in a body with a manager, it waits for the manager's approval."""
    user = account_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            change = accounts.reset_password(db.session, signed_in_user(), user, form.password.data)
        except accounts.AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            name = user.username
            db.session.commit()
            announce(change, _("The password of %(name)s is changed.", name=name))
            return redirect(url_for(".account", user_id=user_id))
    return account_page(user, password_form=form)


@bp.post("/accounts/<int:user_id>/move")
def move(user_id: int) -> Page:
    """Move an account to another body, once a manager of that body approves."""
    user = account_or_404(user_id)
    form = MoveForm()
    form.offer_bodies(all_bodies(db.session), user.body)
    if form.validate_on_submit():
        to = db.session.execute(select(Body).where(Body.slug == form.body.data)).scalar_one()
        try:
            change = accounts.move(db.session, signed_in_user(), user, to)
        except accounts.AccountError as error:
            db.session.rollback()
            form.body.errors.append(str(error))
        else:
            name, body_name = user.username, to.name
            db.session.commit()
            announce(change, _("%(name)s is moved to %(body)s.", name=name, body=body_name))
            return redirect(url_for(".account", user_id=user_id))
    return account_page(user, move_form=form)


@bp.post("/accounts/<int:user_id>/deactivate")
def deactivate(user_id: int) -> Response:
    return switch_account(user_id, active=False)


@bp.post("/accounts/<int:user_id>/reactivate")
def reactivate(user_id: int) -> Response:
    return switch_account(user_id, active=True)


@bp.post("/accounts/<int:user_id>/reset-two-factor")
def reset_two_factor(user_id: int) -> Response:
    """Forget an account's second factor (a lost phone): it sets one up at its next login."""
    user = account_or_404(user_id)
    try:
        change = accounts.reset_two_factor(db.session, signed_in_user(), user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        name = user.username
        db.session.commit()
        announce(change, _("Two-factor login of %(name)s is reset.", name=name))
    return redirect(url_for(".accounts_page"))


@bp.get("/audit")
def audit_log() -> Page:
    """Logins, account and notice changes of every body, newest first; nothing about any case."""
    number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    page = audit.account_log(db.session, number, AUDIT_PAGE_SIZE)
    return render_template(
        "audit/log.html", page=page, show_body=True, endpoint="admin.audit_log"
    ), 200
