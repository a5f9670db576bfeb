"""The administrator's pages: receiving bodies, notices and every body's accounts — never a case."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from feedback import accounts
from feedback.admin.forms import AdminAccountForm, BodyForm
from feedback.auth.views import switch_account
from feedback.extensions import db, login_manager
from feedback.inbox.queries import all_bodies
from feedback.models import Body, Item, Notice, Role, User

bp = Blueprint("admin", __name__)

Page = tuple[str, int] | Response


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
    return render_template("admin/home.html", bodies=all_bodies(db.session), notices=notices), 200


@bp.route("/bodies/<int:body_id>", methods=["GET", "POST"])
def body(body_id: int) -> Page:
    """Edit a body's public details and its time limits."""
    body = db.session.get(Body, body_id)
    if body is None:
        abort(404)
    form = BodyForm(obj=body)
    if form.validate_on_submit():
        form.apply(body)
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
