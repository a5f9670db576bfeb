"""The inbox of a receiving body: its cases, one case with its timeline and steps, and the
managers' pages (accounts, monthly export). Every case is fetched through access.body_case."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

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
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from feedback.cases import (
    attachments,
    contest,
    escalation,
    exports,
    figures,
    months,
    operations,
    similar,
    verdicts,
)
from feedback.cases.operations import CaseError
from feedback.extensions import db
from feedback.inbox import listing, month_report, queries, search, template_choice
from feedback.inbox.access import (
    body_case,
    case_attachment,
    from_this_site,
    manager_only,
    require_case_reader,
    reveal_contact,
)
from feedback.inbox.forms import (
    AcknowledgeForm,
    DecisionForm,
    ExportForm,
    GroupCloseForm,
    GroupForm,
    InboxFilterForm,
    Irreversible,
    TransferForm,
    UngroupForm,
    focus,
    step_form,
)
from feedback.models import AuditAction, Body, Case, Contact, Role, User, utcnow
from feedback.notices import catalog
from feedback.staff import accounts, approvals, audit
from feedback.staff.account_pages import announce, switch_account
from feedback.staff.sessions import signed_in_user
from feedback.storage.database import writes
from feedback.supervision import watch
from feedback.web.forms import AccountForm, PasswordResetForm

bp = Blueprint("inbox", __name__)
bp.before_request(require_case_reader)

Page = tuple[str, int] | Response
AUDIT_PAGE_SIZE = 100
Step = Callable[[Case, Any, User], None]


@bp.get("/")
def index() -> Page:
    """List the body's cases, overdue first, filtered and a page at a time."""
    now = utcnow()
    body_id = current_user.body_id
    form = filter_form(now)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    if request.args.get("q"):  # typed into the search field, then sent with the filter button
        return redirect(url_for(".search_cases", **args))
    number = page_number()
    page = queries.inbox_page(
        db.session,
        body_id,
        form.filters(),
        number,
        current_app.config["INBOX_PAGE_SIZE"],
        now,
    )
    return inbox_list(form, page, now, ".index", args, status=200)


def page_number() -> int:
    return min(max(request.args.get("page", 1, type=int), 1), 100_000)


def filter_form(now: datetime) -> InboxFilterForm:
    """The list's filters and search as asked in the query string, checked."""
    form = InboxFilterForm(formdata=request.args)
    form.offer(
        queries.notice_items(db.session),
        months.since(queries.first_received(db.session, current_user.body_id), now),
        now,
    )
    form.validate()
    return form


def inbox_list(
    form: InboxFilterForm,
    page: queries.InboxPage | None,
    now: datetime,
    endpoint: str,
    args: dict[str, Any],
    status: int,
    searched: search.Query | None = None,
) -> Page:
    """The inbox page: the filters and search and a page of cases (None: a search that was
    not run); the list also has the figures and the questions awaiting an answer at the top,
    which search results leave out."""
    body_id = current_user.body_id
    number = page.number if page is not None else 1
    has_next = page is not None and page.has_next
    searching = endpoint == ".search_cases"
    return render_template(
        "inbox/index.html",
        form=form,
        figures=None if searching else queries.inbox_figures(db.session, body_id, now),
        this_month=months.month_of(now),
        page=page,
        searched=searched,
        searching=searching,
        clear_url=url_for(".index", **{k: v for k, v in args.items() if k != "q"}),
        awaiting=[] if searching else queries.awaiting_answers(db.session, body_id),
        escalated=[] if searching else escalation.escalated_from(db.session, body_id),
        rows=listing.listed(page.cases, now) if page is not None else [],
        filtered=bool(args),
        next_url=url_for(endpoint, **args, page=number + 1) if has_next else None,
        previous_url=url_for(endpoint, **args, page=number - 1) if number > 1 else None,
    ), status


@bp.get("/search")
@writes
@from_this_site
def search_cases() -> Page:
    """Find the body's cases by reference number or by words, within the filters; each search
    is audited with the number of cases it shows, never with what was typed."""
    now = utcnow()
    form = filter_form(now)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    if not request.args.get("q"):  # nothing typed: the list, with its filters
        return redirect(url_for(".index", **{k: v for k, v in args.items() if k != "q"}))
    query = form.query()
    if query is None:
        form.q.render_kw = {**(form.q.render_kw or {}), "autofocus": True}
        return inbox_list(form, None, now, ".search_cases", args, status=400)
    number = page_number()
    page = search.search_page(
        db.session,
        current_user.body_id,
        form.filters(),
        query,
        number,
        current_app.config["INBOX_PAGE_SIZE"],
        now,
    )
    shown = f"{len(page.cases)}{'+' if page.has_next else ''}"
    audit.record(
        db.session,
        signed_in_user(),
        AuditAction.INBOX_SEARCHED,
        detail=f"{query.kind}:{shown}:{number}",
    )
    db.session.commit()
    return inbox_list(form, page, now, ".search_cases", args, status=200, searched=query)


@bp.get("/escalated")
def escalated() -> Page:
    """督办件: the cases escalated to this body, by reference and days overdue, never content."""
    now = utcnow()
    return render_template(
        "inbox/escalated.html",
        lines=escalation.escalated_to(db.session, current_user.body_id, now),
        after_days=current_app.config["ESCALATE_AFTER_DAYS"],
    ), 200


@bp.get("/cases/<int:case_id>")
@writes
@from_this_site
def case(case_id: int) -> Page:
    """Show everything the citizen sent, the deadline, the timeline and the steps now possible.

    The opening is recorded and committed first; the page is rendered after, reading without
    SQLite's write lock.
    """
    case = body_case(case_id)
    audit.record(db.session, signed_in_user(), AuditAction.CASE_VIEWED, case)
    if case.review_of is not None:  # its page shows the decision under review: a view of it too
        audit.record(
            db.session,
            signed_in_user(),
            AuditAction.CASE_VIEWED,
            case.review_of,
            detail=case.reference,
        )
    db.session.commit()
    return case_page(case, asked=request.args)


@bp.post("/cases/<int:case_id>/contact")
def contact(case_id: int) -> Page:
    """Show the case page with the real-name citizen's contact details revealed."""
    case = body_case(case_id)
    contact = reveal_contact(case)
    page = case_page(case, contact=contact, revealed=True)
    db.session.commit()
    return page


@bp.get("/cases/<int:case_id>/attachments/<int:number>")
@writes
@from_this_site
def attachment(case_id: int, number: int) -> Response:
    """Download a file the citizen attached, as an attachment, never shown inline."""
    case = body_case(case_id)
    found = case_attachment(case, number)
    audit.record(
        db.session,
        signed_in_user(),
        AuditAction.ATTACHMENT_DOWNLOADED,
        case,
        detail=attachments.download_name(case, found),
    )
    db.session.commit()
    return attachments.send(db.session, case, found)


def case_page(
    case: Case,
    *,
    posted: tuple[str, FlaskForm] | None = None,
    contact: Contact | None = None,
    revealed: bool = False,
    status: int = 200,
    asked: Mapping[str, str] | None = None,
) -> Page:
    """Render the case page; `asked`: the reply templates to put into their forms (GET)."""
    steps = operations.allowed_steps(case)
    # Every body: where the case may be transferred, and the citizen's choice without a notice.
    bodies = catalog.all_bodies(db.session) if "transfer" in steps or case.notice is None else []
    staff = queries.colleagues(db.session, case.body_id) if "assign" in steps else []
    forms = {step: step_form(step, case, bodies, staff, bound=False) for step in steps}
    if posted and posted[0] in forms:
        forms[posted[0]] = posted[1]
    failed = [f for f in posted[1] if f.errors] if posted else []
    if asked and (problem := template_choice.insert(db.session, case.body_id, forms, asked)):
        flash(problem, "error")
        status = 400
    grouping = near_copies_part(case, posted)
    return render_template(
        "inbox/case.html",
        **grouping,
        case=case,
        failed=failed,
        events=queries.timeline(db.session, case, current_user.body_id),
        forms=forms,
        templates=template_choice.offered(db.session, case.body_id, forms),
        bodies={b.slug: b for b in bodies},
        contact=contact,
        revealed=revealed,
        escalation=escalation.escalation_of(db.session, case.id),
        now=utcnow(),
    ), status


def near_copies_part(case: Case, posted: tuple[str, FlaskForm] | None) -> dict[str, Any]:
    """The near copies of an open case, its group, and the forms that link, unlink and close it."""
    chosen = dict([posted]) if posted else {}
    group = operations.group_members(db.session, case.group_id) if case.group_id else []
    return {
        "near": similar.near_copies(db.session, case) if case.status.is_open else [],
        "group": group,
        "group_form": chosen.get("group") or GroupForm(prefix="group", formdata=None),
        "ungroup_form": UngroupForm(prefix="ungroup", formdata=None),
        "group_close_form": chosen.get("group_close")
        or GroupCloseForm(prefix="group_close", formdata=None),
        "group_open": sum(1 for m in group if m.status.is_open),
    }


def take_step(case_id: int, step: str, run: Step, done: str, then: str | None = None) -> Page:
    """Validate a step's form, run its one case operation, commit, and go back to the case."""
    case = body_case(case_id)
    bodies = catalog.all_bodies(db.session) if step == "transfer" else []
    staff = queries.colleagues(db.session, case.body_id) if step == "assign" else []
    form = step_form(step, case, bodies, staff, bound=True)
    if not form.validate_on_submit():
        focus(form)
        return case_page(case, posted=(step, form), status=400)
    if (
        isinstance(form, Irreversible)
        and not form.is_confirmed()
        and step in operations.allowed_steps(case)
    ):
        return confirmation(case, step, form)
    holder = case.body
    try:
        run(case, form, signed_in_user())
    except CaseError as error:
        db.session.rollback()
        flash(str(error), "error")
        return case_page(body_case(case_id), status=409)
    audit.record(
        db.session, signed_in_user(), AuditAction.CASE_STEP, case, body=holder, detail=step
    )
    db.session.commit()
    flash(done, "success")
    return redirect(then or url_for(".case", case_id=case_id))


def confirmation(case: Case, step: str, form: Irreversible) -> Page:
    """Say what an irreversible step will do and what the citizen will see, before taking it;
    or, asked to go back, show the case page with the form as typed."""
    if form.goes_back():
        form.confirmed.data = ""
        focus(form)
        return case_page(case, posted=(step, form))
    to_body = (
        db.session.get_one(Body, form.to_body.data) if isinstance(form, TransferForm) else None
    )
    return render_template(
        "inbox/confirm.html",
        case=case,
        step=step,
        form=form,
        to_body=to_body,
        review_days=contest.REVIEW_DAYS,
    ), 200


@bp.post("/cases/<int:case_id>/accept")
def accept(case_id: int) -> Page:
    def run(case: Case, form: Any, me: User) -> None:
        operations.accept(db.session, case, me)

    return take_step(case_id, "accept", run, _("The case is accepted."))


@bp.post("/cases/<int:case_id>/decline")
def decline(case_id: int) -> Page:
    def run(case: Case, form: Any, me: User) -> None:
        operations.decline(db.session, case, me, form.reason.data)

    return take_step(case_id, "decline", run, _("The case is not accepted; the citizen sees why."))


@bp.post("/cases/<int:case_id>/transfer")
def transfer(case_id: int) -> Page:
    def run(case: Case, form: Any, me: User) -> None:
        to_body = db.session.get_one(Body, form.to_body.data)
        operations.transfer(db.session, case, me, to_body, form.reason.data)

    return take_step(
        case_id,
        "transfer",
        run,
        _("The case has been transferred and has left this inbox."),
        then=url_for(".index"),
    )


@bp.post("/cases/<int:case_id>/note")
def note(case_id: int) -> Page:
    def run(case: Case, form: Any, me: User) -> None:
        operations.add_note(db.session, case, me, form.text.data)

    return take_step(case_id, "note", run, _("The internal note is saved."))


@bp.post("/cases/<int:case_id>/assign")
def assign(case_id: int) -> Page:
    def run(case: Case, form: Any, me: User) -> None:
        operations.assign(db.session, case, me, db.session.get_one(User, form.assignee.data))

    return take_step(case_id, "assign", run, _("The case is assigned."))


@bp.post("/cases/<int:case_id>/extend")
def extend(case_id: int) -> Page:
    def run(case: Case, form: Any, me: User) -> None:
        operations.extend(db.session, case, me, form.days.data, form.reason.data)

    return take_step(case_id, "extend", run, _("The time limit is extended."))


@bp.post("/cases/<int:case_id>/close")
def close(case_id: int) -> Page:
    def run(case: Case, form: Any, me: User) -> None:
        operations.close(db.session, case, me, form.reply.data)

    return take_step(case_id, "close", run, _("The reply is sent and the case is closed."))


@bp.post("/cases/<int:case_id>/publish")
def publish(case_id: int) -> Page:
    def run(case: Case, form: Any, me: User) -> None:
        operations.publish_reply(db.session, case, me, form.text.data)

    return take_step(
        case_id, "publish", run, _("The reply is published on the notice's public page.")
    )


@bp.post("/cases/<int:case_id>/answer")
def answer(case_id: int) -> Page:
    def run(case: Case, form: Any, me: User) -> None:
        operations.answer_follow_up(db.session, case, me, form.answer.data)

    return take_step(case_id, "answer", run, _("The answer is sent; the citizen sees it."))


def group_step(case_id: int, name: str, form: FlaskForm, run: Callable[[Case], str]) -> Page:
    """Validate a group form, run its operation, audit it for each case it changed, commit."""
    case = body_case(case_id)
    if not form.validate_on_submit():
        focus(form)
        return case_page(case, posted=(name, form), status=400)
    try:
        done = run(case)
    except CaseError as error:
        db.session.rollback()
        flash(str(error), "error")
        return case_page(body_case(case_id), status=409)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.post("/cases/<int:case_id>/group")
def group(case_id: int) -> Page:
    """同一诉求: link the near copies ticked on the case page into one group with this case."""
    form = GroupForm(prefix="group")

    def run(case: Case) -> str:
        me = signed_in_user()
        every = form.every.data == "yes"
        ids = [c.id for c in similar.near_copies(db.session, case)] if every else form.cases.data
        for member in operations.link(db.session, case, me, ids):
            audit.record(db.session, me, AuditAction.CASE_STEP, member, detail="group")
        return _("The cases are linked: one reply can now close them all.")

    return group_step(case_id, "group", form, run)


@bp.post("/cases/<int:case_id>/ungroup")
def ungroup(case_id: int) -> Page:
    """Take the case out of its group."""

    def run(case: Case) -> str:
        me = signed_in_user()
        members = operations.group_members(db.session, case.group_id) if case.group_id else []
        operations.unlink(db.session, case, me)
        for member in members:
            if member.group_id is None:
                audit.record(db.session, me, AuditAction.CASE_STEP, member, detail="ungroup")
        return _("The case is no longer in the group.")

    return group_step(case_id, "ungroup", UngroupForm(prefix="ungroup"), run)


@bp.post("/cases/<int:case_id>/group/close")
def group_close(case_id: int) -> Page:
    """One reply to every open case of the group, after the confirmation page."""
    form = GroupCloseForm(prefix="group_close")
    case = body_case(case_id)
    if form.validate_on_submit() and not form.is_confirmed():
        if form.goes_back():
            form.confirmed.data = ""
            focus(form)
            return case_page(case, posted=("group_close", form))
        members = operations.group_members(db.session, case.group_id) if case.group_id else []
        closing = [m for m in members if m.status.is_open]
        if not closing:
            flash(_("No case of this group is open any more."), "error")
            return case_page(case, status=409)
        return render_template(
            "inbox/confirm_group.html",
            case=case,
            form=form,
            closing=closing,
            review_days=contest.REVIEW_DAYS,
        ), 200

    def run(case: Case) -> str:
        me = signed_in_user()
        holder = case.body
        closed = operations.close_group(db.session, case, me, form.reply.data)
        for member in closed:
            audit.record(
                db.session, me, AuditAction.CASE_STEP, member, body=holder, detail="group_close"
            )
        return _("The reply is sent to %(n)d cases and they are closed.", n=len(closed))

    return group_step(case_id, "group_close", form, run)


@bp.route("/accounts", methods=["GET", "POST"])
@manager_only
def accounts_page() -> Page:
    """List the body's accounts and create new ones (managers only)."""
    form = AccountForm()
    if form.validate_on_submit():
        name = form.username.data
        try:
            change = accounts.create(
                db.session,
                signed_in_user(),
                name,
                form.password.data,
                Role(form.role.data),
                current_user.body.slug,
            )
        except accounts.AccountError as error:
            db.session.rollback()
            form.username.errors.append(str(error))
        else:
            db.session.commit()
            announce(change, _("The account %(name)s is created.", name=name))
            return redirect(url_for(".accounts_page"))
    return render_template(
        "inbox/accounts.html",
        form=form,
        users=queries.body_accounts(db.session, current_user.body_id),
        requests=approvals.pending_by_account(db.session),
    ), 400 if form.errors else 200


@bp.post("/accounts/<int:user_id>/deactivate")
@manager_only
def deactivate(user_id: int) -> Page:
    return switch_account(user_id, active=False)


@bp.post("/accounts/<int:user_id>/reactivate")
@manager_only
def reactivate(user_id: int) -> Page:
    return switch_account(user_id, active=True)


@bp.route("/accounts/<int:user_id>/reset", methods=["GET", "POST"])
@manager_only
def reset_account(user_id: int) -> Page:
    """Give an account of the body a new password and no second factor, after saying what
    that does; the account chooses its own password at its next login."""
    user = db.session.get(User, user_id)
    if user is None or user.body_id != current_user.body_id or user.id == current_user.id:
        abort(404)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            change = accounts.reset_sign_in(db.session, signed_in_user(), user, form.password.data)
        except LookupError:
            abort(404)
        except accounts.AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            name = user.username
            db.session.commit()
            announce(
                change,
                _(
                    "%(name)s has a new password and no second factor; they choose their own "
                    "password at their next login.",
                    name=name,
                ),
            )
            return redirect(url_for(".accounts_page"))
    return render_template(
        "inbox/account_reset.html", form=form, user=user
    ), 400 if form.errors else 200


@bp.get("/approvals")
@manager_only
def approvals_page() -> Page:
    """The changes to the body's accounts that wait for a manager, and those made unasked."""
    return approvals_view(200)


def approvals_view(status: int) -> Page:
    overview = approvals.overview(db.session, signed_in_user())
    last_unapproved = overview.unapproved[-1].id if overview.unapproved else 0
    return render_template(
        "inbox/approvals.html",
        overview=overview,
        decision=DecisionForm(formdata=None),
        acknowledge=AcknowledgeForm(formdata=None, data={"up_to": last_unapproved}),
    ), status


def decide(request_id: int, run: Callable[..., Any], done: str) -> Page:
    """Approve or reject a request of the body; anything else is explained and changes nothing."""
    if not DecisionForm().validate_on_submit():
        flash(_("Reload the page and try again."), "error")
        return approvals_view(400)
    try:
        request = run(db.session, signed_in_user(), request_id)
    except LookupError:
        db.session.rollback()
        flash(_("There is no such request for this body."), "error")
        return approvals_view(404)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return approvals_view(409)
    name = request.username
    db.session.commit()
    flash(done % {"name": name}, "success")
    return redirect(url_for(".approvals_page"))


@bp.post("/approvals/<int:request_id>/approve")
@manager_only
def approve(request_id: int) -> Page:
    return decide(request_id, accounts.approve, _("Approved: the change to %(name)s is made."))


@bp.post("/approvals/<int:request_id>/reject")
@manager_only
def reject(request_id: int) -> Page:
    return decide(request_id, accounts.reject, _("Rejected: nothing changes for %(name)s."))


@bp.post("/approvals/acknowledge")
@manager_only
def acknowledge() -> Page:
    """Stop showing this manager the changes made without approval, up to the last one shown."""
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        flash(_("Reload the page and try again."), "error")
        return approvals_view(400)
    approvals.acknowledge(db.session, signed_in_user(), form.up_to.data)
    db.session.commit()
    flash(_("Noted: these changes are no longer shown to you."), "success")
    return redirect(url_for(".approvals_page"))


@bp.app_context_processor
def waiting_approvals() -> dict[str, Any]:
    """What the banner of a manager's pages shows, counted only when the page asks."""
    return {"waiting_approvals": lambda: approvals.waiting(db.session, signed_in_user())}


@bp.get("/export")
@manager_only
def export() -> Page:
    """Let a manager choose a month, the last complete one unless changed, and a format."""
    now = utcnow()
    form = ExportForm(formdata=None, data={"month": months.last_complete(now), "format": "csv"})
    offer_export_months(form, now)
    return render_template("inbox/export.html", form=form), 200


def offer_export_months(form: ExportForm, now: datetime) -> None:
    first = queries.first_received(db.session, current_user.body_id)
    form.month.offer_months(months.since(first, now), now, everything=False)


@bp.get("/export/download")
@writes
@manager_only
@from_this_site
def export_download() -> Page:
    """Download the body's month, once the month is valid."""
    form = ExportForm(formdata=request.args)
    offer_export_months(form, utcnow())
    if form.validate():
        # The download reads the body now and the rows as they stream, on a connection of
        # their own; after this commit the request holds no transaction (nor SQLite's lock).
        download = exports.download(current_user.body, form.month.data, form.format.data)
        audit.record(
            db.session,
            signed_in_user(),
            AuditAction.EXPORTED,
            detail=f"{form.month.data} {form.format.data}",
        )
        db.session.commit()
        return download
    return render_template("inbox/export.html", form=form), 400


@bp.get("/figures")
def figures_page() -> Page:
    """The body's month in figures and charts, the last complete month unless another is chosen."""
    form, month = figures_month()
    if month is None:
        return render_template("inbox/figures.html", form=form, figures=None), 400
    now = utcnow()
    return render_template(
        "inbox/figures.html",
        form=form,
        figures=figures.month_figures(db.session, current_user.body_id, month, now),
        today=now,
        came=month_report.CAME,
        answer_sets=verdicts.answers_per_notice(
            db.session,
            [notice.id for notice, _role in watch.notices_of(db.session, current_user.body_id)],
        ),
    ), 200


@bp.get("/figures/<name>.svg")
def figures_chart(name: str) -> Page:
    """One chart of the month, an SVG image with no script."""
    _form, month = figures_month()
    if name not in month_report.CHARTS or month is None:
        abort(404)
    found = figures.month_figures(db.session, current_user.body_id, month, utcnow())
    response = Response(month_report.chart(name, found), content_type="image/svg+xml")
    # Its own policy, kept by web/headers.py: pygal's styles are inline, and nothing runs.
    response.headers["Content-Security-Policy"] = month_report.CHART_POLICY
    return response


@bp.get("/figures/download")
def figures_download() -> Page:
    """The month's figures as a CSV or XLSX file."""
    form, month = figures_month()
    if month is None:
        return render_template("inbox/figures.html", form=form, figures=None), 400
    fmt = form.format.data
    found = figures.month_figures(db.session, current_user.body_id, month, utcnow())
    data = month_report.csv_bytes(found) if fmt == "csv" else month_report.xlsx_bytes(found)
    name = f"figures-{current_user.body.slug}-{month}.{fmt}"
    return Response(
        data,
        content_type=exports.MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def figures_month() -> tuple[ExportForm, str | None]:
    """The month asked for (the last complete one by default), or None with the form's errors
    (a month not offered, or a download's unknown format)."""
    now = utcnow()
    form = ExportForm(formdata=request.args if "month" in request.args else None)
    if "month" not in request.args:
        form.month.data = months.last_complete(now)
    first = queries.first_received(db.session, current_user.body_id)
    form.month.offer_months(months.since(first, now), now, everything=False)
    return form, form.month.data if form.validate() else None


@bp.get("/audit")
@manager_only
def audit_log() -> Page:
    """The body's audit log, newest first: who opened, revealed, downloaded, exported, changed."""
    number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    page = audit.body_log(db.session, current_user.body_id, number, AUDIT_PAGE_SIZE)
    return render_template(
        "audit/log.html",
        page=page,
        show_body=False,
        endpoint="inbox.audit_log",
    ), 200
