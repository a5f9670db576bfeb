"""The administrator's pages: receiving bodies, notices and every body's accounts — never a case."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from feedback import accounts, audit, two_factor
from feedback.admin.forms import AdminAccountForm, BodyForm
from feedback.auth.session import signed_in_user
from feedback.auth.views import switch_account
from feedback.extensions import db, login_manager
from feedback.inbox.queries import all_bodies
from feedback.models import AuditAction, Body, Item, Notice, Role, User
from feedback.notices import window

bp = Blueprint("admin", __name__)

Page = tuple[str, int] | Response
AUDIT_PAGE_SIZE = 100


@bp.before_request
def require_admin() -> Response | None:
    """Let only the administrator in; others log in or are refused (403)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
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
        "admin/home.html", bodies=all_bodies(db.session), notices=notices, today=window.today()
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
    """List every account, by body, and create new ones."""
    bodies = all_bodies(db.session)
    form = AdminAccountForm()
    form.offer_bodies(bodies)
    if form.validate_on_submit():
        try:
            accounts.create(
                db.session,
                form.username.data,
                form.password.data,
                Role(form.role.data),
                form.body.data or None,
            )
        except accounts.AccountError as error:
            db.session.rollback()
            form.username.errors.append(str(error))
        else:
            created = accounts.find(db.session, form.username.data)
            audit.record(
                db.session,
                signed_in_user(),
                AuditAction.ACCOUNT_CREATED,
                body=created.body if created else None,
                detail=f"{form.username.data} ({form.role.data})",
            )
            db.session.commit()
            flash(_("The account %(name)s is created.", name=form.username.data), "success")
            return redirect(url_for(".accounts_page"))
    users = db.session.execute(
        select(User)
        .options(joinedload(User.body))
        .order_by(User.body_id.is_(None).desc(), User.body_id, User.active.desc(), User.username)
    ).scalars()
    return render_template(
        "admin/accounts.html", form=form, users=list(users)
    ), 400 if form.errors else 200


@bp.post("/accounts/<int:user_id>/deactivate")
def deactivate(user_id: int) -> Response:
    return switch_account(user_id, active=False)


@bp.post("/accounts/<int:user_id>/reactivate")
def reactivate(user_id: int) -> Response:
    return switch_account(user_id, active=True)


@bp.post("/accounts/<int:user_id>/reset-two-factor")
def reset_two_factor(user_id: int) -> Response:
    """Forget an account's second factor (a lost phone): it sets one up at its next login."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    two_factor.reset(db.session, user)
    audit.record(
        db.session,
        signed_in_user(),
        AuditAction.TWO_FACTOR_RESET,
        body=user.body,
        detail=user.username,
    )
    db.session.commit()
    flash(_("Two-factor login of %(name)s is reset.", name=user.username), "success")
    return redirect(url_for(".accounts_page"))


@bp.get("/audit")
def audit_log() -> Page:
    """Logins, account and notice changes of every body, newest first; nothing about any case."""
    number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    page = audit.account_log(db.session, number, AUDIT_PAGE_SIZE)
    return render_template(
        "audit/log.html", page=page, show_body=True, endpoint="admin.audit_log"
    ), 200
