"""Who may read what in the inbox: every access rule of the staff side lives here.

A case is visible only to staff of the body that holds it; to anyone else it does not exist
(404, never 403). A review (复查) shows its holder the case it reviews as the citizen sees it:
what was sent, the decision and the public events, never internal notes or contact details;
that reading is written to the audit log as a view of the reviewed case. The administrator reads no case at all. Managers alone run the body's accounts
and exports. What is written to the audit log when read opens only from this site's own pages.
"""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from feedback.extensions import db, login_manager
from feedback.models import Attachment, AuditAction, Case, Contact, Notice
from feedback.staff import audit

P = ParamSpec("P")
R = TypeVar("R")


# Sec-Fetch-Site of a request that another site started: a link followed, a form sent, a script.
ANOTHER_SITE = ("cross-site", "same-site")


def from_this_site(view: Callable[P, R]) -> Callable[P, R | tuple[str, int]]:
    """Serve an audited GET only if it was opened from this site's pages, or typed in.

    The session cookie (SameSite=Lax) goes along with a link followed from any site, so another
    site could open a case in a staff member's name and have it written to the audit log. Such a
    request gets a page with a link instead, and nothing is opened or recorded. Every current
    browser sends Sec-Fetch-Site (Safari since 16.4); a request without it is served.
    """

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R | tuple[str, int]:
        if request.headers.get("Sec-Fetch-Site") in ANOTHER_SITE:
            target = request.full_path.rstrip("?")
            return render_template("inbox/from_elsewhere.html", target=target), 403
        return view(*args, **kwargs)

    return guarded


def require_case_reader() -> Response | None:
    """Let through only signed-in staff of a body: others log in, the administrator is refused."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.reads_cases:
        abort(403)
    return None


def body_case(case_id: int) -> Case:
    """Return the case if the reader's body holds it; otherwise 404, as if it did not exist.

    The case comes with what its page and its steps read: item, body, assignee, attachments,
    and its notice with the notice's bodies (the body the citizen chose, where it may go).
    """
    if not current_user.is_authenticated or not current_user.reads_cases:
        abort(404)
    case = (
        db.session.execute(
            select(Case)
            .options(
                joinedload(Case.item),
                joinedload(Case.body),
                joinedload(Case.assignee),
                joinedload(Case.attachments),
                joinedload(Case.notice).joinedload(Notice.body_links),
            )
            .where(Case.id == case_id, Case.body_id == current_user.body_id)
        )
        .unique()
        .scalar_one_or_none()
    )
    if case is None:
        abort(404)
    return case


def case_attachment(case: Case, number: int) -> Attachment:
    """Return an attachment of a case the reader may see (see body_case); otherwise 404."""
    found = next((a for a in case.attachments if a.number == number), None)
    if found is None:
        abort(404)
    return found


def manager_only(view: Callable[P, R]) -> Callable[P, R]:
    """Refuse a page to everyone but the body's managers (403)."""

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_user.is_manager:
            abort(403)
        return view(*args, **kwargs)

    return guarded


def reveal_contact(case: Case) -> Contact | None:
    """Show a real-name citizen's contact details to the reader: the one place they are revealed.

    The revelation is written to the audit log (the caller commits).
    """
    if not current_user.reads_cases or case.body_id != current_user.body_id:
        abort(404)
    if case.anonymous or case.contact is None:
        return None
    audit.record(db.session, current_user._get_current_object(), AuditAction.CONTACT_REVEALED, case)
    return case.contact
