"""The structure of a draft notice: add, delete, split, merge, move and re-level its rows, and
read its corrected source text again.

Each change is a plain form (no JavaScript) that carries the version of the tree its page showed:
a form drawn before another change is refused (409) rather than applied to the wrong row. The
page shows, after each change, the notice as citizens will read it; nothing is published until
the administrator presses "publish" on the notice's page. The rules live in
feedback.notices.outline and feedback.notices.editing.
"""

import hashlib
from collections.abc import Callable
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from feedback.admin.outline_forms import AddForm, SourceForm, VersionForm, split_form
from feedback.admin.views import bp
from feedback.extensions import db
from feedback.models import AuditAction, Notice
from feedback.notices import editing, outline
from feedback.notices.errors import NoticeError
from feedback.notices.loader import read
from feedback.notices.outline import Row
from feedback.notices.parser import ParsedNotice, parse
from feedback.staff import audit
from feedback.staff.sessions import signed_in_user

Page = tuple[str, int] | Response
Step = Callable[[list[Row], int], list[Row]]

STEPS: dict[str, tuple[Step, str]] = {
    "delete": (outline.delete, _l("The row is deleted.")),
    "merge": (outline.merge, _l("The row is merged with the next one.")),
    "up": (partial(outline.move, up=True), _l("The row is moved up.")),
    "down": (partial(outline.move, up=False), _l("The row is moved down.")),
    "indent": (outline.indent, _l("The row is moved one level down.")),
    "outdent": (outline.outdent, _l("The row is moved one level up.")),
}


@bp.get("/notices/<int:notice_id>/outline")
def notice_outline(notice_id: int) -> Page:
    """The draft's rows with a button for each change, and the notice as citizens will see it."""
    return _outline_page(_notice(notice_id), 200)


@bp.post("/notices/<int:notice_id>/outline/<int:row>/<step>")
def outline_step(notice_id: int, row: int, step: str) -> Page:
    """Delete, merge, move or re-level one row."""
    notice = _notice(notice_id)
    if step not in STEPS:
        abort(404)
    operation, done = STEPS[step]
    form = VersionForm()
    try:
        outline.change(
            db.session,
            signed_in_user(),
            notice,
            form.version.data or "",
            step,
            row,
            lambda rows: operation(rows, row),
        )
    except NoticeError as error:
        return _refused(notice, error)
    db.session.commit()
    flash(str(done), "success")
    return redirect(url_for(".notice_outline", notice_id=notice.id))


@bp.route("/notices/<int:notice_id>/outline/<int:row>/add", methods=["GET", "POST"])
def outline_add(notice_id: int, row: int) -> Page:
    """Add a row after this one, or below it."""
    notice = _notice(notice_id)
    form = AddForm(version=outline.version(notice))
    try:
        lines = _lines(notice, row, form)
    except NoticeError as error:
        return _refused(notice, error)
    if form.validate_on_submit():
        inside = form.where.data == "inside"
        try:
            outline.change(
                db.session,
                signed_in_user(),
                notice,
                form.version.data or "",
                "add",
                row,
                lambda rows: outline.add(rows, row, form.row(), inside=inside),
            )
        except NoticeError as error:
            return _refused(notice, error)
        db.session.commit()
        flash(_("The row is added."), "success")
        return redirect(url_for(".notice_outline", notice_id=notice.id))
    page = render_template(
        "admin/notice_add.html", notice=notice, line=lines[row], row=row, form=form
    )
    return page, 400 if form.errors else 200


@bp.route("/notices/<int:notice_id>/outline/<int:row>/split", methods=["GET", "POST"])
def outline_split(notice_id: int, row: int) -> Page:
    """Split a problem's text in two at a paragraph; the second part becomes a new row."""
    notice = _notice(notice_id)
    try:
        lines = _lines(notice, row, VersionForm(version=outline.version(notice)))
    except NoticeError as error:
        return _refused(notice, error)
    form = split_form(lines[row][0], version=outline.version(notice))
    if form.validate_on_submit():
        try:
            outline.change(
                db.session,
                signed_in_user(),
                notice,
                form.version.data or "",
                "split",
                row,
                lambda rows: outline.split(rows, row, form.paragraph(), form.title.data or ""),
            )
        except NoticeError as error:
            return _refused(notice, error)
        db.session.commit()
        flash(_("The row is split in two."), "success")
        return redirect(url_for(".notice_outline", notice_id=notice.id))
    page = render_template(
        "admin/notice_split.html",
        notice=notice,
        line=lines[row],
        row=row,
        form=form,
        paragraphs=outline.paragraphs(lines[row][0]),
    )
    return page, 400 if form.errors else 200


@bp.route("/notices/<int:notice_id>/source", methods=["GET", "POST"])
def notice_source(notice_id: int) -> Page:
    """Correct the draft's source text: preview what it reads as, then apply it."""
    notice = _notice(notice_id)
    form = SourceForm(version=outline.version(notice), text=notice.source_text)
    if not form.validate_on_submit():
        return _source_page(notice, form, None, 400 if form.errors else 200)
    text = form.text.data or ""
    try:
        outline.check_draft(db.session, notice)
        outline.check_version(notice, form.version.data or "")
        parsed = read(text)
    except NoticeError as error:
        flash(error.message, "error")
        form.version.data = outline.version(notice)  # the page now shows the draft as it is
        return _source_page(notice, form, None, 409 if error.field == "version" else 400)
    seen = _fingerprint(text)
    if request.form.get("action") != "apply" or form.previewed.data != seen:
        if request.form.get("action") == "apply":
            flash(_("The text changed after its preview: check this preview, then apply it."))
        form.previewed.data = seen
        return _source_page(notice, form, parsed, 200)
    editing.read_again(db.session, notice, text)
    detail = editing.summary(notice, [f"read again: {len(parsed.items)} items"])
    audit.record(db.session, signed_in_user(), AuditAction.NOTICE_CHANGED, detail=detail)
    db.session.commit()
    flash(_("The text is read again: the draft now holds what it says."), "success")
    return redirect(url_for(".notice_edit", notice_id=notice.id))


def _notice(notice_id: int) -> Notice:
    return db.session.get(Notice, notice_id) or abort(404)


def _lines(notice: Notice, row: int, form: VersionForm) -> list[tuple[Row, str]]:
    """The rows of a draft, the one asked for among them; a posted form must be current."""
    outline.check_draft(db.session, notice)
    if form.is_submitted():
        outline.check_version(notice, form.version.data or "")
    lines = outline.numbered(notice)
    if not 0 <= row < len(lines):
        raise NoticeError("row", _l("That row is not in the notice."))
    return lines


def _refused(notice: Notice, error: NoticeError) -> Page:
    """Nothing is changed; the page says why, as the tree is now."""
    db.session.rollback()
    flash(error.message, "error")
    return _outline_page(notice, 409 if error.field == "version" else 400)


def _outline_page(notice: Notice, status: int) -> Page:
    lines = outline.numbered(notice)
    rows = [row for row, _code in lines]
    return render_template(
        "admin/notice_outline.html",
        notice=notice,
        lines=lines,
        parents=[outline.has_children(rows, i) for i in range(len(rows))],
        paragraphs=[len(outline.paragraphs(row)) for row in rows],
        version=outline.version(notice),
    ), status


def _source_page(
    notice: Notice, form: SourceForm, parsed: ParsedNotice | None, status: int
) -> Page:
    edited = outline.edited_rows(notice, parse(notice.source_text)) if parsed else 0
    by_hand = sum(row.status_by_hand for row in outline.rows_of(notice))
    return render_template(
        "admin/notice_source.html",
        notice=notice,
        form=form,
        parsed=parsed,
        now=_counts(outline.rows_of(notice)),
        edited=edited,
        by_hand=by_hand,
    ), status


def _counts(rows: list[Row]) -> dict[str, int]:
    """Aspects, categories and items of the draft as it is, as the import counts them."""
    problems = [
        row
        for i, row in enumerate(rows)
        if row.level > outline.ASPECT and not outline.has_children(rows, i)
    ]
    return {
        "aspects": sum(row.level == outline.ASPECT for row in rows),
        "categories": sum(row.level == outline.CATEGORY for row in rows),
        "problems": len(problems),
    }


def _fingerprint(text: str) -> str:
    """The text previewed; blank lines around it change nothing that is read."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:16]
