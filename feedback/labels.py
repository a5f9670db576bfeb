"""The words shown for each domain value, translated; templates, forms and exports use these."""

from flask_babel import lazy_gettext as _l

from feedback import routing
from feedback.models import EventKind, Kind, Rating, Role, Status

KIND = {
    Kind.OPINION: _l("Opinion or suggestion"),
    Kind.COMPLAINT: _l("Complaint"),
    Kind.REPORT: _l("Report of misconduct"),
    Kind.OTHER: _l("Other"),
}

STATUS = {
    Status.RECEIVED: _l("Awaiting acceptance"),
    Status.ACCEPTED: _l("Accepted"),
    Status.DECLINED: _l("Not accepted"),
    Status.CLOSED: _l("Closed"),
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
}

ROLE = {
    Role.STAFF: _l("Staff"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}

# Why a case went where it went; shown on the routing preview and the receipt.
ROUTING_REASON = {
    routing.CHOSEN: _l("You chose this body."),
    routing.CONFLICT: _l(
        "A report of misconduct is never delivered to the court, whose own staff it may concern. "
        "It goes to the discipline inspection group that supervises the court."
    ),
    "report_to_discipline": _l(
        "Reports of misconduct are handled by the discipline inspection group that supervises "
        "the court."
    ),
    "complaint_about_item": _l(
        "A complaint that a rectification did not really happen goes to the inspection office, "
        "which checks the rectification."
    ),
    "default_to_court": _l(
        "Opinions and other matters go to the court, the unit that carries out the rectification."
    ),
}
