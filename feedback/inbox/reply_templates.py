"""The managers' reply template pages: list, create, edit and delete the body's templates.

They are pages of the inbox blueprint (feedback.inbox.views), for the body's managers only. A
template of another body is, here as on a case page, as if it did not exist (404).
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from feedback.extensions import db
from feedback.inbox.access import manager_only
from feedback.inbox.forms import DeleteTemplateForm, TemplateForm
from feedback.inbox.views import Page, bp
from feedback.models import ReplyTemplate, TemplateUse
from feedback.staff import reply_templates
from feedback.staff.reply_templates import TemplateError
from feedback.staff.sessions import signed_in_user


def body_template(template_id: int) -> ReplyTemplate:
    found = reply_templates.find(db.session, current_user.body_id, template_id)
    if found is None:
        abort(404)
    return found


def list_page(form: TemplateForm, status: int) -> Page:
    return render_template(
        "inbox/reply_templates.html",
        form=form,
        templates=reply_templates.of_body(db.session, current_user.body_id),
        delete=DeleteTemplateForm(formdata=None),
        longest=reply_templates.LONGEST,
    ), status


@bp.route("/templates", methods=["GET", "POST"])
@manager_only
def templates_page() -> Page | Response:
    """List the body's reply templates and add one."""
    form = TemplateForm()
    if form.validate_on_submit():
        try:
            reply_templates.create(
                db.session,
                signed_in_user(),
                TemplateUse(form.use.data),
                form.title.data,
                form.text.data,
            )
        except TemplateError as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, str(error)]
        else:
            title = form.title.data
            db.session.commit()
            flash(_("The template %(title)s is saved.", title=title), "success")
            return redirect(url_for(".templates_page"))
    return list_page(form, 400 if form.errors else 200)


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@manager_only
def template_edit(template_id: int) -> Page | Response:
    """Change a reply template of the body."""
    template = body_template(template_id)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        try:
            reply_templates.edit(
                db.session,
                signed_in_user(),
                template,
                TemplateUse(form.use.data),
                form.title.data,
                form.text.data,
            )
        except TemplateError as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, str(error)]
        else:
            title = form.title.data
            db.session.commit()
            flash(_("The template %(title)s is saved.", title=title), "success")
            return redirect(url_for(".templates_page"))
    return render_template(
        "inbox/reply_template.html",
        form=form,
        template=template,
        longest=reply_templates.LONGEST,
    ), 400 if form.errors else 200


@bp.post("/templates/<int:template_id>/delete")
@manager_only
def template_delete(template_id: int) -> Response:
    """Delete a reply template of the body; replies already sent keep their text."""
    template = body_template(template_id)
    if not DeleteTemplateForm().validate_on_submit():
        flash(_("Reload the page and try again."), "error")
        return redirect(url_for(".templates_page"))
    title = template.title
    reply_templates.delete(db.session, signed_in_user(), template)
    db.session.commit()
    flash(_("The template %(title)s is deleted.", title=title), "success")
    return redirect(url_for(".templates_page"))
