"""The administrator's notice pages: import a notice, check what was read, correct it, publish it.

An imported notice is a draft: its page shows the tree as read, the warnings, the statuses with the
words that decided them, and the bodies found in its closing paragraph. The administrator corrects
titles, texts and statuses, confirms or changes each role's body, and publishes. A published notice
is edited on the same page, in place, so that the cases already received keep their items.

They are pages of the admin blueprint (feedback.admin.views), behind its administrator check.
"""

from dataclasses import replace
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from feedback.admin.notice_forms import ImportForm, edit_form
from feedback.admin.outline_forms import ContactForm, contact_form
from feedback.admin.views import bp
from feedback.extensions import db
from feedback.models import AuditAction, BodyRole, ItemStatus, Notice, NoticeBody
from feedback.notices import documents, editing, outline, window
from feedback.notices.catalog import all_bodies
from feedback.notices.contacts import ParsedContact, roles
from feedback.notices.errors import NoticeError
from feedback.notices.loader import PHONES_SEPARATOR, import_notice
from feedback.notices.parser import parse
from feedback.staff import audit
from feedback.staff.sessions import signed_in_user
from feedback.web.errors import render_error

Page = tuple[str, int] | Response


@bp.url_value_preprocessor
def allow_notice_files(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Let the import form, and only it, carry a notice file larger than any other form:
    before anything reads the body. The rest of the form is held to the usual limit."""
    if endpoint == "admin.notice_new" and request.mimetype == "multipart/form-data":
        request.max_content_length = (
            documents.upload_max() + current_app.config["MAX_CONTENT_LENGTH"]
        )


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    """A notice file over the limit: the page says the limit."""
    if request.endpoint != "admin.notice_new":
        return render_error(error)
    file_mb = documents.upload_max() // documents.MB
    return render_template("errors/error.html", code=413, bodies=[], file_mb=file_mb), 413


@bp.route("/notices/new", methods=["GET", "POST"])
def notice_new() -> Page:
    """Paste or upload a notice; it is read and kept as a draft to check before publishing."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            imported = import_notice(
                db.session,
                form.notice_text,
                form.unit.data,
                slug=form.slug.data or None,
                title=form.title.data or None,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
                publish=False,
            )
        except NoticeError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, error.message]
        else:
            notice = imported.notice
            audit.record(
                db.session,
                signed_in_user(),
                AuditAction.NOTICE_IMPORTED,
                detail=editing.summary(notice),
            )
            db.session.commit()
            flash(_("The notice was read. Check it, correct it, and publish it."), "success")
            return redirect(url_for(".notice_edit", notice_id=notice.id))
    return render_template("admin/notice_new.html", form=form), 400 if form.errors else 200


@bp.route("/notices/<int:notice_id>", methods=["GET", "POST"])
def notice_edit(notice_id: int) -> Page:
    """The preview of a draft, or the page of a published notice: correct, save, publish."""
    notice = db.session.get(Notice, notice_id) or abort(404)
    bodies = all_bodies(db.session)
    form = edit_form(notice, bodies)
    if form.validate_on_submit():
        publishing = request.form.get("action") == "publish"
        admin = signed_in_user()
        try:
            changes = form.apply(db.session, notice, bodies)
            audit.record(
                db.session,
                admin,
                AuditAction.NOTICE_CHANGED,
                detail=editing.summary(notice, changes),
            )
            if publishing and editing.publish(db.session, notice):
                audit.record(
                    db.session, admin, AuditAction.NOTICE_PUBLISHED, detail=editing.summary(notice)
                )
        except NoticeError as error:
            db.session.rollback()  # nothing is saved; the page keeps what was typed
            flash(error.message, "error")
            return _edit_page(notice, form, 400)
        db.session.commit()
        if publishing:
            flash(_("The notice is published: citizens can read it and comment."), "success")
        else:
            flash(_("The changes are saved."), "success")
        return redirect(url_for(".notice_edit", notice_id=notice.id))
    return _edit_page(notice, form, 400 if form.errors else 200)


@bp.post("/notices/<int:notice_id>/discard")
def notice_discard(notice_id: int) -> Response:
    """Delete a draft that should not be published."""
    notice = db.session.get(Notice, notice_id) or abort(404)
    detail = editing.summary(notice)
    try:
        editing.discard(db.session, notice)
        audit.record(db.session, signed_in_user(), AuditAction.NOTICE_DISCARDED, detail=detail)
    except NoticeError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".notice_edit", notice_id=notice_id))
    db.session.commit()
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("admin.home"))


@bp.post("/notices/<int:notice_id>/contacts/<int:index>")
def notice_contact(notice_id: int, index: int) -> Page:
    """Make a body of a contact the notice gives, and let it play the role chosen."""
    notice = db.session.get(Notice, notice_id) or abort(404)
    contacts = parse(notice.source_text).contacts
    if not 0 <= index < len(contacts):
        abort(404)
    form = contact_form(None, prefix=f"contact{index}")
    posted = {index: form}
    if not form.validate_on_submit():
        return _edit_page(notice, edit_form(notice, all_bodies(db.session)), 400, posted)
    contact = replace(contacts[index], name=form.name.data or "")
    try:
        outline.check_version(notice, form.version.data or "")
        changes = editing.body_from_contact(
            db.session, notice, contact, BodyRole(form.role.data), form.short_name.data or ""
        )
        audit.record(
            db.session,
            signed_in_user(),
            AuditAction.NOTICE_CHANGED,
            detail=editing.summary(notice, changes),
        )
    except NoticeError as error:
        db.session.rollback()
        flash(error.message, "error")
        form.version.data = outline.version(notice)  # the page now shows the notice as it is
        status = 409 if error.field == "version" else 400
        return _edit_page(notice, edit_form(notice, all_bodies(db.session)), status, posted)
    db.session.commit()
    flash(_("%(name)s is now a receiving body of this notice.", name=contact.name), "success")
    return redirect(url_for(".notice_edit", notice_id=notice.id))


def _edit_page(
    notice: Notice, form: object, status: int, posted: dict[int, ContactForm] | None = None
) -> Page:
    parsed = parse(notice.source_text)
    served = dict(
        db.session.execute(
            select(NoticeBody.body_id, func.count()).group_by(NoticeBody.body_id)
        ).all()
    )
    categories = [c for aspect in notice.aspects for c in aspect.categories]
    items = [item for c in categories for item in c.items]
    done = sum(item.status is ItemStatus.DONE for item in items)
    counts = {
        "aspects": len(notice.aspects),
        "categories": len(categories),
        "items": len(items),
        "done": done,
        "ongoing": len(items) - done,
    }
    return render_template(
        "admin/notice.html",
        notice=notice,
        form=form,
        counts=counts,
        findings=parsed.findings,
        contacts=roles(parsed.contacts, notice.unit),
        missed=_missed(notice, parsed.contacts, posted or {}),
        served=served,
        window=notice.window(window.today()),
    ), status


def _missed(
    notice: Notice, contacts: list[ParsedContact], posted: dict[int, ContactForm]
) -> list[tuple[int, ParsedContact, ContactForm]]:
    """Each contact of the notice that is no body of it yet, with its form to make it one."""
    version = outline.version(notice)
    suggested = {id(contact): role for role, contact in roles(contacts, notice.unit).items()}
    missed = []
    for index, contact in enumerate(contacts):
        if any(
            b.name == contact.name or set(contact.phones) & set(b.phone.split(PHONES_SEPARATOR))
            for b in notice.bodies
        ):
            continue
        name = contact.name or notice.unit  # a number under no office's name is the unit's
        form = posted.get(index) or contact_form(
            suggested.get(id(contact)),
            prefix=f"contact{index}",
            formdata=None,
            data={"name": name, "short_name": name[:40], "version": version},
        )
        missed.append((index, contact, form))
    return missed
