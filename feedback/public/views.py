"""The citizen's side: read the notice, send a message, keep the receipt, follow the case.

No JavaScript and no secrets in URLs: the tracking code is shown in the response to the
submitting POST (again, for a short while, to the same browser posting the same form: see
feedback/cases/resubmission.py), and later travels only in POST bodies.
"""

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from feedback.cases import (
    attachments,
    contest,
    months,
    notifications,
    operations,
    progress,
    public_figures,
    receipt_file,
    resubmission,
    routing,
    tracking,
    verdicts,
)
from feedback.cases.operations import CaseError
from feedback.cases.receipts import Receipt
from feedback.extensions import db, limiter
from feedback.models import AuditAction, Case, Kind, Status, utcnow
from feedback.notices import catalog, window
from feedback.public.forms import (
    AnswerForm,
    FollowUpForm,
    RatingForm,
    ReceiptFileForm,
    ReviewForm,
    SubmissionForm,
    SupplementForm,
    TrackingForm,
)
from feedback.staff import audit
from feedback.storage.database import read_only_session
from feedback.web import page_cache
from feedback.web.care import CARE_COOKIE, CARE_ON
from feedback.web.forms import Form
from feedback.web.i18n import LANGUAGE_COOKIE, waiting_time
from feedback.web.labels import ROUTING_REASON

bp = Blueprint("public", __name__)

Page = str | bytes | tuple[str, int] | tuple[str, int, dict[str, str]]

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
ROUTING = "feedback.routing"  # the routing of the request's submission, in its environ
# The forms that may carry files (feedback/cases/attachments.py sets their rules).
WITH_FILES = frozenset({"public.submit", "public.add_information", "public.request_review"})


def submit_limits() -> str:
    return current_app.config["SUBMIT_LIMITS"]


def track_limits() -> str:
    return current_app.config["TRACK_LIMITS"]


def answer_limits() -> str:
    return current_app.config["ANSWER_LIMITS"]


@bp.url_value_preprocessor
def allow_attachments(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Let the forms that take files, and only they, carry them: before anything reads the body."""
    if endpoint in WITH_FILES and request.mimetype == "multipart/form-data":
        request.max_content_length = attachments.request_limit()


def requested_routing() -> routing.Routing | None:
    """Where the message this POST sends goes, and why: decided once per request.

    The rate limit's exemption asks before the view runs, the view then shows or stores this
    same decision, and the case operation receives it. None when the kind is none of ours (the
    form refuses it). The values are read as the form reads them: an item in the address counts
    when the form sends none.
    """
    if ROUTING not in request.environ:  # the request's own (tests keep one `g` for many)
        try:
            kind = Kind(request.form.get("kind", ""))
        except ValueError:
            request.environ[ROUTING] = None
        else:
            # Without a body, the form's default: not sure.
            chosen = request.form.get("body", routing.UNSURE)
            item = request.form.get("item", request.args.get("item", ""))
            request.environ[ROUTING] = routing.route(kind, chosen, bool(item))
    return request.environ[ROUTING]


def is_routing_preview() -> bool:
    """Tell whether this POST can at most preview the routing: it stores nothing, so it is free.

    Without confirm_routing=1, a message whose body the rules decide is never stored: the
    service first shows where it will go and why.
    """
    if request.form.get("confirm_routing") == "1":
        return False
    decision = requested_routing()
    return decision is not None and decision.decided_by_rules


@bp.get("/")
def home() -> str | bytes:
    """List the notices open for comment; when only one is, show it item by item."""
    published, today = catalog.current(), window.today()

    def render() -> str:
        open_notices = published.open_on(today)
        shown = open_notices[0] if len(open_notices) == 1 else None
        return render_template("public/home.html", notices=open_notices, shown=shown)

    return page_cache.page(published.stamp, today, render)


@bp.get("/n/<slug>/")
def notice_page(slug: str) -> str | bytes:
    """Show one notice item by item, its feedback window and its receiving bodies."""
    published, today = catalog.current(), window.today()
    shown = published.by_slug(slug)
    if shown is None:
        abort(404)

    def render() -> str:
        return render_template("public/notice.html", notice=shown, window=shown.window(today))

    return page_cache.page(published.stamp, today, render)


@bp.get("/n/<slug>/figures")
def figures(slug: str) -> Page:
    """公开数据: the notice's figures per item and month, counts only, small counts hidden."""
    published = catalog.current()
    shown = published.by_slug(slug)
    if shown is None:
        abort(404)
    today = window.today()
    counted = public_figures.cached(db.session, shown, published.stamp, today)
    month = request.args.get("month", "").strip()
    problem = _month_problem(month, counted.months) if month else None
    page = render_template(
        "public/figures.html",
        notice=shown,
        figures=counted,
        month=month if month and problem is None else public_figures.TOTAL,
        problem=problem,
        cache_minutes=public_figures.CACHE_MINUTES,
    )
    return (page, 400) if problem else page


def _month_problem(month: str, offered: list[str]) -> str | None:
    """Why the figures of this month cannot be shown, or None if they can."""
    if month in offered:
        return None
    try:
        months.parse_month(month)
    except ValueError:
        return _("A month is written as year and month, such as 2026-11.")
    if month > offered[-1]:
        return _("The month %(month)s has not come yet: there are no figures for it.", month=month)
    return _("The notice took no messages before %(month)s.", month=offered[0])


@bp.post("/items/<int:item_id>/answer")
@limiter.limit(answer_limits, methods=["POST"])
def answer_item(item_id: int) -> Page | Response:
    """属实 / 不属实 / 不了解: record this browser's one answer about an item, and thank it.

    The thanks is a page of its own: the notice's page shows no visitor's answer, so that it
    stays the same for everyone (and can be kept rendered).
    """
    notice = catalog.current().notice_of_item(str(item_id))
    if notice is None:
        abort(404)
    item = next(item for item in notice.items if item.id == item_id)
    state = notice.window(window.today())
    if state != "open":
        return render_template("public/closed.html", notice=notice, window=state), 403
    form = AnswerForm()
    if not form.validate():
        return render_template("public/answered.html", notice=notice, item=item, form=form), 400
    key = request.cookies.get(verdicts.ANSWER_COOKIE, "")
    if not verdicts.is_browser_key(key):
        key = verdicts.new_browser_key()
    month = months.month_of(utcnow())
    previous = verdicts.record(db.session, item.id, key, form.chosen, month)
    page = render_template(
        "public/answered.html",
        notice=notice,
        item=item,
        form=form,
        verdict=form.chosen,
        previous=previous,
    )
    response = Response(page, mimetype="text/html")
    response.set_cookie(
        verdicts.ANSWER_COOKIE,
        key,
        max_age=verdicts.COOKIE_AGE,
        httponly=True,
        secure=request.is_secure,
        samesite="Lax",
    )
    return response


@bp.get("/submit", defaults={"slug": None})
@bp.get("/n/<slug>/submit")
def submission_form(slug: str | None) -> Page:
    """The blank form: the same for everyone save the tokens, so kept rendered. No limit counts it."""
    published, today = catalog.current(), window.today()
    notice = _open_notice(published, today, slug, closed_status=200)
    if not isinstance(notice, catalog.PublishedNotice):
        return notice
    resubmission.give_browser_key()

    def render(form_token: str) -> str:
        form = SubmissionForm(
            notice,
            item=request.args.get("item", ""),
            kind=request.args.get("kind"),  # 不属实 → a complaint about the item
            form_token=form_token,
        )
        return _submission_page(form, notice, slug)

    return page_cache.page(published.stamp, today, render, form_token=resubmission.new_form_token)


@bp.post("/submit", defaults={"slug": None})
@bp.post("/n/<slug>/submit")
@limiter.limit(submit_limits, exempt_when=is_routing_preview)
def submit(slug: str | None) -> Page:
    """Send a message: check it, show where the rules send it, store it once, show the receipt."""
    published, today = catalog.current(), window.today()
    notice = _open_notice(published, today, slug, closed_status=403)
    if not isinstance(notice, catalog.PublishedNotice):
        return notice
    form = SubmissionForm(notice, item=request.args.get("item", ""))
    if not form.validate_on_submit():
        return _submission_page(form, notice, slug)
    item = notice.items_by_id[form.item_id] if form.item_id else None
    submission = form.submission(notice, item)
    repeat = resubmission.find_repeat(db.session, submission, utcnow())
    if repeat is not None:
        return _already_received(repeat)
    decision = requested_routing()
    assert decision is not None  # the form took the kind
    if decision.decided_by_rules and not form.confirmed(decision.body):
        form.ask_confirmation(decision.body)
        proposed = notice.body_for(decision.body)
        return _submission_page(form, notice, slug, proposed=proposed, reason=decision.reason)
    files = form.clean_files()  # only now, when the message is stored, are pictures decoded
    if files is None:
        return _submission_page(form, notice, slug)
    try:
        case, code = operations.submit(db.session, submission, decision)
        attachments.store(db.session, case, files)
        resubmission.keep(db.session, case, code, submission, case.received_at)
        db.session.commit()
    except CaseError as error:  # the notice's bodies changed since this worker read them
        db.session.rollback()
        form.body.errors = [*form.body.errors, str(error)]
        return _submission_page(form, notice, slug), 409
    except IntegrityError:
        # Another worker stored this very form first: ours is dropped, theirs is the answer.
        db.session.rollback()  # and the files stored with the case go too
        repeat = resubmission.find_repeat(db.session, submission, utcnow())
        if repeat is None:
            raise
        return _already_received(repeat)
    except BaseException:
        db.session.rollback()  # and the files stored with the case go too
        raise
    receipt = Receipt.of(case, code, notice, item, files=len(files))
    return render_template(
        "public/receipt.html",
        receipt=receipt,
        kept_minutes=resubmission.KEEP_MINUTES,
        receipt_file=_receipt_file_form(case, code),
    )


def _already_received(repeat: resubmission.Repeat) -> str:
    """Say that this message was already received: its reference, and in the browser that sent
    it, within the time it is kept, its tracking code and whole receipt again. Stores nothing."""
    case = repeat.case
    if repeat.code and case.notice and case.status is Status.RECEIVED and not case.transfers:
        receipt = Receipt.of(case, repeat.code, case.notice, case.item, len(case.attachments))
        return render_template(
            "public/receipt.html",
            receipt=receipt,
            kept_minutes=resubmission.KEEP_MINUTES,
            receipt_file=_receipt_file_form(case, repeat.code),
            again=True,
        )
    return render_template(
        "public/already_received.html",
        reference=case.reference,
        code=repeat.code,
        kept_minutes=resubmission.KEEP_MINUTES,
        receipt_file=_receipt_file_form(case, repeat.code) if repeat.code else None,
    )


def _open_notice(
    published: catalog.Catalog, today: date, slug: str | None, closed_status: int
) -> catalog.PublishedNotice | Page:
    """The notice a message is about, if it takes messages today; else the page shown instead:
    the open notices to choose from, or the notice's window and why it is closed."""
    notice = _submission_notice(published, slug)
    if notice is None:
        return render_template("public/choose.html", notices=published.open_on(today))
    state = notice.window(today)
    if state != "open":
        return render_template("public/closed.html", notice=notice, window=state), closed_status
    return notice


def _submission_notice(
    published: catalog.Catalog, slug: str | None
) -> catalog.PublishedNotice | None:
    """The notice a message is about: named in the address, the item's, or the only open one.

    /submit?item=ID keeps working with many notices: the item says which notice it is.
    """
    if slug is not None:
        return published.by_slug(slug) or abort(404)
    found = published.notice_of_item(request.values.get("item", ""))
    if found is None and request.form.get("notice"):
        found = published.by_slug(request.form["notice"])
    if found is None:
        open_notices = published.open_on(window.today())
        if len(open_notices) == 1:
            found = open_notices[0]
    return found


def _submission_page(
    form: SubmissionForm,
    notice: catalog.PublishedNotice,
    slug: str | None,
    proposed: catalog.Body | None = None,
    reason: str | None = None,
) -> str:
    """Show the form: with its errors, or with the body the rules propose and why."""
    resubmission.give_browser_key()
    return render_template(
        "public/submit.html",
        form=form,
        notice=notice,
        action=url_for("public.submit", slug=slug),
        proposed=proposed,
        chosen=notice.body_for(form.body.data or ""),
        reason=ROUTING_REASON[reason] if reason else None,
        # Files cannot be sent back to the browser: the citizen must choose them again.
        files_dropped=any(f.filename for f in request.files.getlist("attachments")),
    )


@bp.route("/news/stop/<token>", methods=["GET", "POST"])
@limiter.shared_limit(track_limits, scope="track", methods=["POST"])
def stop_news(token: str) -> Page:
    """Stop the mail about a case, from the link in each message: GET asks, POST stops.

    The link names the case by a random token, not by the address or the tracking code. A link
    already used, or of a deleted case, says that no mail will come with it.
    """
    news = notifications.news_of(db.session, token)
    form = Form()
    if news is not None and form.validate_on_submit():
        case = db.session.get_one(Case, news.case_id)
        db.session.delete(news)
        audit.record(db.session, None, AuditAction.NEWS_STOPPED, case)
        db.session.commit()
        return render_template("public/news_stop.html", form=form, news=None, stopped=True)
    status = 200 if news is not None else 404
    return render_template("public/news_stop.html", form=form, news=news, stopped=False), status


@bp.route("/track", methods=["GET", "POST"])
@limiter.shared_limit(track_limits, scope="track", methods=["POST"])
def track() -> Page:
    """Look a case up by reference number and tracking code; a wrong pair tells nothing more."""
    form = TrackingForm()
    if not form.validate_on_submit():
        return render_template("public/track.html", form=form)
    with read_only_session() as session:  # a lookup: on SQLite, no writer waits for it
        case = tracking.find_case(session, form.reference.data, form.code.data)
        if case is None:
            return _not_found(form)
        return _case_page(case, form.code.data)


@bp.post("/track/add")
@limiter.shared_limit(track_limits, scope="track", methods=["POST"])
def add_information() -> Page:
    """补充材料: add information and files to an open case, after checking the pair again."""
    form = SupplementForm()
    case = tracking.find_case(db.session, form.reference.data or "", form.code.data or "")
    if case is None:
        return _not_found(TrackingForm(formdata=None, reference=form.reference.data))
    files = form.clean_files() if form.validate() else None
    if files is None:
        return _case_page(case, form.code.data, supplement=form), 400
    try:
        operations.add_supplement(db.session, case, form.text.data, files)
    except CaseError as error:
        db.session.rollback()
        return _case_page(case, form.code.data, supplement=form, refused=str(error)), 409
    except BaseException:
        db.session.rollback()  # and the files stored with it go too
        raise
    db.session.commit()
    return _case_page(case, form.code.data, done=_("Your information was added to the case."))


@bp.post("/track/review")
@limiter.shared_limit(track_limits, scope="track", methods=["POST"])
def request_review() -> Page:
    """申请复查: ask the reviewing body to review a decision, once, within the time allowed."""
    form = ReviewForm()
    case = tracking.find_case(db.session, form.reference.data or "", form.code.data or "")
    if case is None:
        return _not_found(TrackingForm(formdata=None, reference=form.reference.data))
    already = _("Your request for a review was already received; nothing was stored again.")
    if contest.is_repeat_review(case, form.reasons.data or ""):
        return _case_page(case, form.code.data, done=already)
    files = form.clean_files() if form.validate() else None
    if files is None:
        return _case_page(case, form.code.data, review=form), 400
    try:
        operations.request_review(db.session, case, form.reasons.data, files)
        db.session.commit()
    except CaseError as error:
        db.session.rollback()
        return _case_page(case, form.code.data, review=form, refused=str(error)), 409
    except IntegrityError:
        # The same request, sent twice at once, was stored by the other post: ours is dropped.
        db.session.rollback()
        db.session.refresh(case)
        if not contest.is_repeat_review(case, form.reasons.data):
            raise
        return _case_page(case, form.code.data, done=already)
    except BaseException:
        db.session.rollback()  # and the files stored with it go too
        raise
    return _case_page(
        case, form.code.data, done=_("Your request for a review was received. Follow it here.")
    )


@bp.post("/track/follow-up")
@limiter.shared_limit(track_limits, scope="track", methods=["POST"])
def follow_up() -> Page:
    """追问: ask one question about the reply of a closed case."""
    form = FollowUpForm()
    case = tracking.find_case(db.session, form.reference.data or "", form.code.data or "")
    if case is None:
        return _not_found(TrackingForm(formdata=None, reference=form.reference.data))
    if contest.is_repeat_follow_up(case, form.question.data or ""):
        return _case_page(
            case,
            form.code.data,
            done=_("Your question was already received; nothing was stored again."),
        )
    if not form.validate():
        return _case_page(case, form.code.data, follow_up=form), 400
    try:
        operations.ask_follow_up(db.session, case, form.question.data)
    except CaseError as error:
        db.session.rollback()
        return _case_page(case, form.code.data, follow_up=form, refused=str(error)), 409
    db.session.commit()
    return _case_page(
        case, form.code.data, done=_("Your question was sent; the answer will appear here.")
    )


@bp.post("/track/rate")
@limiter.shared_limit(track_limits, scope="track", methods=["POST"])
def rate() -> Page:
    """评价: rate the outcome of a closed case once, after checking the pair again."""
    form = RatingForm()
    case = tracking.find_case(db.session, form.reference.data or "", form.code.data or "")
    if case is None:
        return _not_found(TrackingForm(formdata=None, reference=form.reference.data))
    if not form.validate():
        return _case_page(case, form.code.data, rating=form)
    try:
        operations.rate(db.session, case, form.chosen_rating, form.comment.data)
    except CaseError as error:
        db.session.rollback()
        return _case_page(case, form.code.data, rating=form, refused=str(error)), 409
    db.session.commit()
    return _case_page(case, form.code.data, done=_("Thank you: your rating was recorded."))


@bp.post("/track/receipt")
@limiter.shared_limit(track_limits, scope="track", methods=["POST"])
def download_receipt() -> Page | Response:
    """回执: the receipt as a PDF file, after checking the pair again, as an attachment."""
    form = ReceiptFileForm()
    with read_only_session() as session:
        case = tracking.find_case(session, form.reference.data or "", form.code.data or "")
        if case is None:
            return _not_found(TrackingForm(formdata=None, reference=form.reference.data))
        track_url = url_for("public.track", _external=True)
        pdf = receipt_file.render(case, form.code.data, track_url, utcnow())
        name = f"receipt-{case.reference}.pdf"  # the reference only: the code is no file name
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _receipt_file_form(case: Case, code: str) -> ReceiptFileForm:
    return ReceiptFileForm(formdata=None, reference=case.reference, code=code)


def _not_found(form: TrackingForm) -> Page:
    """Say that no case matches; past the reference's limit on wrong codes, say how long to wait."""
    wait = tracking.count_failure(form.reference.data or "")
    if wait is None:
        form.code.errors = [
            _("No case was found. Check the reference number and the tracking code, and try again.")
        ]
        return render_template("public/track.html", form=form)
    form.code.errors = [
        _(
            "Too many wrong tracking codes were entered for this reference number recently. "
            "Check the code on your receipt: the right code still opens the case. "
            "Other codes can be tried again in %(wait)s.",
            wait=waiting_time(wait),
        )
    ]
    return render_template("public/track.html", form=form), 429, {"Retry-After": str(wait)}


def _case_page(
    case: Case,
    code: str,
    supplement: SupplementForm | None = None,
    rating: RatingForm | None = None,
    review: ReviewForm | None = None,
    follow_up: FollowUpForm | None = None,
    refused: str | None = None,
    done: str | None = None,
) -> str:
    """Render what the citizen may see of the case, with the forms that still apply to it."""
    pair = {"reference": case.reference, "code": code}
    if supplement is None or done:
        supplement = SupplementForm(formdata=None, **pair)
    if rating is None or done:
        rating = RatingForm(formdata=None, **pair)
    if review is None or done:
        review = ReviewForm(formdata=None, **pair)
    if follow_up is None or done:
        follow_up = FollowUpForm(formdata=None, **pair)
    now = utcnow()
    return render_template(
        "public/case.html",
        case=case,
        view=tracking.public_view(case),
        progress=progress.progress(case, now),
        receipt_file=_receipt_file_form(case, code),
        supplement=supplement,
        rating=rating,
        review_form=review,
        follow_up_form=follow_up,
        review_offer=contest.review_offer(case, now),
        # Why no review is offered, where the outcome is one a review could contest.
        review_note=(
            contest.review_refusal(case, now)
            if contest.review_start(case) and case.review is None
            else None
        ),
        review_view=tracking.public_view(case.review) if case.review else None,
        review_progress=progress.progress(case.review, now) if case.review else None,
        may_follow_up=contest.follow_up_refusal(case) is None,
        refused=refused,
        done=done,
    )


@bp.get("/language/<code>")
def set_language(code: str) -> Response:
    """Switch the language and go back to the page the citizen was reading."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    target = request.args.get("next", "")
    response = redirect(target if is_local_path(target) else url_for(".home"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=LANGUAGE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


@bp.get("/care/<state>")
def set_care(state: str) -> Response:
    """关怀模式: turn the elder mode on or off and go back to the page the citizen was reading."""
    if state not in ("on", "off"):
        abort(404)
    target = request.args.get("next", "")
    response = redirect(target if is_local_path(target) else url_for(".home"))
    if state == "on":
        response.set_cookie(
            CARE_COOKIE,
            CARE_ON,
            max_age=LANGUAGE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    else:
        response.delete_cookie(CARE_COOKIE, httponly=True, samesite="Lax", secure=request.is_secure)
    return response


def is_local_path(target: str) -> bool:
    """Accept only a path on this site: /track, not //evil.example or /\\evil.example."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(c) < 32 or c == "\\" for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
