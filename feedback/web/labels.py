"""The words shown for each domain value, translated; templates, forms and exports use these."""

from flask_babel import lazy_gettext as _l

from feedback.cases import routing
from feedback.cases.progress import Step
from feedback.models import (
    AuditAction,
    BodyRole,
    EventKind,
    ItemStatus,
    Kind,
    Rating,
    RequestKind,
    RequestState,
    Role,
    Status,
    TemplateUse,
    Verdict,
)
from feedback.notices.totals import Finding

KIND = {
    Kind.OPINION: _l("Opinion or suggestion"),
    Kind.COMPLAINT: _l("Complaint"),
    Kind.REPORT: _l("Report of misconduct"),
    Kind.OTHER: _l("Other"),
}

# One line per kind, with an example, so that the citizen can tell them apart on the form.
KIND_EXPLAINED = {
    Kind.OPINION: _l(
        "Your view of the rectification, or how it could be done better. For example: “The "
        "litigation service window should also open at weekends.”"
    ),
    Kind.COMPLAINT: _l(
        "A rectification that did not really happen, or a problem that is still there. For "
        "example: “The notice says the fees charged twice were refunded, but mine were not.”"
    ),
    Kind.REPORT: _l(
        "Misconduct of a particular official or member of staff, such as taking gifts or abusing "
        "their power. For example: “A judge of the enforcement bureau accepted gifts from a "
        "party.”"
    ),
    Kind.OTHER: _l(
        "Anything else, such as a question about the notice. For example: “Where can I read the "
        "inspection's findings in full?”"
    ),
}

STATUS = {
    Status.RECEIVED: _l("Awaiting acceptance"),
    Status.ACCEPTED: _l("Accepted"),
    Status.DECLINED: _l("Not accepted"),
    Status.CLOSED: _l("Closed"),
}

# The steps of the tracking page's step bar: 已收到 → 已受理 → 已办结, or → 不予受理.
STEP = {
    Step.RECEIVED: _l("Received"),
    Step.ACCEPTED: _l("Accepted"),
    Step.CLOSED: _l("Closed"),
    Step.DECLINED: _l("Not accepted"),
}

RATING = {
    Rating.SATISFIED: _l("Satisfied"),
    Rating.FAIRLY_SATISFIED: _l("Fairly satisfied"),
    Rating.UNSATISFIED: _l("Not satisfied"),
}

EVENT = {
    EventKind.SUBMITTED: _l("Received"),
    EventKind.ACCEPTED: _l("Accepted"),
    EventKind.DECLINED: _l("Not accepted"),
    EventKind.TRANSFERRED: _l("Transferred"),
    EventKind.NOTE: _l("Internal note"),
    EventKind.ASSIGNED: _l("Assigned"),
    EventKind.EXTENDED: _l("Time limit extended"),
    EventKind.CLOSED: _l("Replied and closed"),
    EventKind.SUPPLEMENT: _l("Information added by the citizen"),
    EventKind.RATED: _l("Rated by the citizen"),
    EventKind.REVIEW_REQUESTED: _l("Review requested by the citizen"),
    EventKind.FOLLOW_UP: _l("Follow-up question from the citizen"),
    EventKind.ANSWERED: _l("Follow-up question answered"),
    EventKind.ESCALATED: _l("Escalated to the supervising body (督办)"),
    EventKind.PUBLISHED: _l("Reply published on the public page"),
    EventKind.GROUPED: _l("Linked with its near copies (same request)"),
    EventKind.UNGROUPED: _l("Taken out of its group of near copies"),
}

ROLE = {
    Role.STAFF: _l("Staff"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}

AUDIT = {
    AuditAction.CASE_VIEWED: _l("Opened the case"),
    AuditAction.INBOX_SEARCHED: _l("Searched the inbox"),
    AuditAction.CONTACT_REVEALED: _l("Showed the contact details"),
    AuditAction.CASE_STEP: _l("Took a step on the case"),
    AuditAction.ATTACHMENT_DOWNLOADED: _l("Downloaded an attachment"),
    AuditAction.EXPORTED: _l("Exported a month"),
    AuditAction.PURGED: _l("Deleted closed cases (retention)"),
    AuditAction.LOGIN: _l("Logged in"),
    AuditAction.LOGIN_FAILED: _l("Failed login"),
    AuditAction.LOGOUT: _l("Logged out"),
    AuditAction.ACCOUNT_CREATED: _l("Created an account"),
    AuditAction.ACCOUNT_DEACTIVATED: _l("Deactivated an account"),
    AuditAction.ACCOUNT_REACTIVATED: _l("Reactivated an account"),
    AuditAction.TWO_FACTOR_ENROLLED: _l("Set up two-factor login"),
    AuditAction.TWO_FACTOR_RESET: _l("Reset two-factor login"),
    AuditAction.RECOVERY_CODE_USED: _l("Logged in with a recovery code"),
    AuditAction.BODY_CHANGED: _l("Changed a body's details"),
    AuditAction.NOTICE_IMPORTED: _l("Imported a notice"),
    AuditAction.NOTICE_CHANGED: _l("Edited a notice"),
    AuditAction.NOTICE_PUBLISHED: _l("Published a notice"),
    AuditAction.NOTICE_DISCARDED: _l("Deleted a draft notice"),
    AuditAction.PASSWORD_RESET: _l("Reset a password"),
    AuditAction.PASSWORD_CHANGED: _l("Changed their own password"),
    AuditAction.ACCOUNT_MOVED: _l("Moved an account to another body"),
    AuditAction.CHANGE_REQUESTED: _l("Asked a manager to approve an account change"),
    AuditAction.CHANGE_APPROVED: _l("Approved an account change"),
    AuditAction.CHANGE_REJECTED: _l("Rejected an account change"),
    AuditAction.CHANGE_UNAPPROVED: _l(
        "Changed an account without a manager's approval (the body had no active manager)"
    ),
    AuditAction.UNAPPROVED_SEEN: _l("Acknowledged changes made without approval"),
    AuditAction.RECOVERY_CODES_NEW: _l("Replaced the recovery codes"),
    AuditAction.TEMPLATE_CREATED: _l("Created a reply template"),
    AuditAction.TEMPLATE_CHANGED: _l("Edited a reply template"),
    AuditAction.TEMPLATE_DELETED: _l("Deleted a reply template"),
    AuditAction.ESCALATED: _l("Escalated an overdue case (督办)"),
    AuditAction.NOTIFIED: _l("Sent a message by mail"),
    AuditAction.MAIL_SETTINGS: _l("Changed what they are told by mail"),
    AuditAction.NEWS_STOPPED: _l("The citizen stopped the mail about a case"),
}

# What an account request asks for (feedback.staff.approvals).
REQUEST_KIND = {
    RequestKind.CREATE: _l("Create the account"),
    RequestKind.REACTIVATE: _l("Reactivate the account"),
    RequestKind.RESET_PASSWORD: _l("Set a new password"),
    RequestKind.RESET_TWO_FACTOR: _l("Reset two-factor login"),
    RequestKind.MOVE: _l("Move the account into this body"),
}

REQUEST_STATE = {
    RequestState.PENDING: _l("Waiting for approval"),
    RequestState.APPROVED: _l("Approved"),
    RequestState.REJECTED: _l("Rejected"),
    RequestState.UNAPPROVED: _l("Done without approval"),
}

# The audit log's details that are words rather than names or months.
AUDIT_DETAIL = {
    "unknown": _l("unknown username"),
    "password": _l("wrong password"),
    "inactive": _l("deactivated account"),
    "second factor": _l("wrong or missing two-factor code"),
    "locked": _l("too many failed attempts"),
    "accept": _l("Accepted"),
    "decline": _l("Not accepted"),
    "transfer": _l("Transferred"),
    "note": _l("Internal note"),
    "assign": _l("Assigned"),
    "extend": _l("Time limit extended"),
    "close": _l("Replied and closed"),
    "answer": _l("Follow-up question answered"),
}

# Why a case went where it went; shown on the routing preview and the receipt.
ROUTING_REASON = {
    routing.CHOSEN: _l("You chose this body."),
    routing.CONFLICT: _l(
        "A report of misconduct is never delivered to the inspected unit, whose own staff it may "
        "concern. It goes to the discipline inspection group that supervises the unit."
    ),
    "report_to_discipline": _l(
        "Reports of misconduct are handled by the discipline inspection group that supervises "
        "the inspected unit."
    ),
    "complaint_about_item": _l(
        "A complaint that a rectification did not really happen goes to the inspection office, "
        "which checks the rectification."
    ),
    "default_to_court": _l(
        "Opinions and other matters go to the inspected unit, which carries out the rectification."
    ),
    routing.REVIEW: _l(
        "A review of another body's decision: this body reviews that body's decisions "
        "for this notice."
    ),
}

# The same reasons as staff read them on a case page: who chose the body, which rule applied.
# They speak of the first delivery, which a later transfer does not change.
ROUTING_REASON_STAFF = {
    routing.CHOSEN: _l("The citizen chose the receiving body."),
    routing.CONFLICT: _l(
        "The citizen chose the inspected unit for a report of misconduct; by the "
        "conflict-of-interest rule it went to the discipline inspection group instead."
    ),
    "report_to_discipline": _l(
        "The citizen was not sure; by the rules, a report of misconduct goes to the discipline "
        "inspection group."
    ),
    "complaint_about_item": _l(
        "The citizen was not sure; by the rules, a complaint that a rectification was not real "
        "goes to the inspection office."
    ),
    "default_to_court": _l(
        "The citizen was not sure; by the rules, opinions and other matters go to the inspected "
        "unit."
    ),
    routing.REVIEW: _l(
        "A request to review another body's decision, sent to the body that reviews it for this "
        "notice."
    ),
}

# The part a body plays for a notice; the first notice's inspected unit is a court.
BODY_ROLE = {
    BodyRole.COURT: _l("Inspected unit"),
    BodyRole.DISCIPLINE: _l("Discipline inspection group"),
    BodyRole.INSPECTION: _l("Inspection office"),
}

# Whether an item's rectification matches what the citizen sees.
VERDICT = {
    Verdict.TRUE: _l("True"),  # 属实
    Verdict.UNTRUE: _l("Not true"),  # 不属实
    Verdict.UNKNOWN: _l("Don't know"),  # 不了解
}

ITEM_STATUS = {
    ItemStatus.DONE: _l("Completed"),
    ItemStatus.ONGOING: _l("Ongoing"),
}

# What an imported notice's administrator should check; the parameters fill the message.
NOTICE_FINDING = {
    "total_aspects": _l("The notice states %(stated)s aspects; %(found)s were found."),
    "total_categories": _l("The notice states %(stated)s categories; %(found)s were found."),
    "total_items": _l("The notice states %(stated)s problems; %(found)s items were found."),
    "total_done": _l(
        "The notice states %(stated)s problems completed; %(found)s items read as completed. "
        "Check the statuses."
    ),
    "total_ongoing": _l(
        "The notice states %(stated)s problems still being rectified; %(found)s items read as "
        "ongoing. Check the statuses."
    ),
    "no_rectification": _l("Line %(line)d: item %(code)s has no rectification text."),
    "numbering_gap": _l("Line %(line)d: the numbering jumps from %(previous)s to %(number)s."),
    "duplicate_code": _l("Line %(line)d: a second item is numbered %(code)s; it was renumbered."),
    "empty_aspect": _l("Line %(line)d: “%(title)s” lists no problems and was left out."),
    "long_title": _l(
        "Line %(line)d: the heading “%(heading)s…” is long: check where its title ends."
    ),
    "no_contacts": _l("No phone numbers of receiving bodies were found at the end of the notice."),
    "no_totals": _l(
        "The notice states no totals (such as 3个方面11类问题30项问题): compare the items with it "
        "by hand."
    ),
    "read_as_text": _l(
        "Line %(line)d (“%(start)s…”) starts like a heading, but its number does not follow on: "
        "it was kept in the text above it."
    ),
    "not_problems": _l(
        "Line %(line)d: the section “%(title)s” says nothing of what was done, so it was read as "
        "work in general, not as problems."
    ),
    "next_steps": _l(
        "Line %(line)d (“%(start)s…”): from here the text was read as the notice's own closing, "
        "not as part of the last item."
    ),
    "deep_numbering": _l(
        "Line %(line)d: numbering deeper than aspect, category and item was kept in the item's "
        "text."
    ),
    "table_without_header": _l(
        "Line %(line)d: the table has no header row naming its columns; they were read as problem, "
        "measures and status."
    ),
    "table_without_problems": _l(
        "Line %(line)d: the table has no column of problems (a header such as 问题 or 具体问题)."
    ),
    "row_without_problem": _l("Line %(line)d: a table row without a problem was left out."),
}


SEARCH_KIND = {"reference": _l("by reference number"), "words": _l("by words")}


def search_detail(detail: str) -> str:
    """A search's audit detail ("words:20+:1"), in the reader's language."""
    kind, _sep, rest = detail.partition(":")
    shown, _sep, page = rest.partition(":")
    if kind not in SEARCH_KIND or not page.isdigit():
        return detail
    more = shown.endswith("+")
    return str(
        (
            _l("%(how)s: %(n)s cases on page %(page)s, more on the next")
            if more
            else _l("%(how)s: %(n)s cases on page %(page)s")
        )
        % {"how": SEARCH_KIND[kind], "n": shown.rstrip("+"), "page": page}
    )


def audit_detail(detail: str) -> str:
    """An audit entry's detail in the reader's language, where it is made of known words."""
    number, _sep, rest = detail.partition(" ")
    kind, _sep, name = rest.partition(" ")
    if number.startswith("#") and kind in RequestKind.__members__.values():
        return f"{number} {REQUEST_KIND[RequestKind(kind)]}: {name}"
    return str(AUDIT_DETAIL.get(detail, detail))


def finding_text(finding: Finding) -> str:
    """A finding of the notice parser, in the reader's language."""
    return str(NOTICE_FINDING[finding.code]) % finding.params


# Where today falls in a notice's feedback window (Notice.window).
NOTICE_WINDOW = {
    "open": _l("Taking comments"),
    "not_yet": _l("Not yet taking comments"),
    "closed": _l("No longer taking comments"),
}

# What a reply template is for (feedback.staff.reply_templates).
TEMPLATE_USE = {
    TemplateUse.REPLY: _l("Reply that closes a case"),
    TemplateUse.DECLINE: _l("Reason for not accepting"),
}
