"""/supervision/: the timeliness of the bodies a body supervises, and what its supervisors see of it."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from feedback.cases import figures, months, verdicts
from feedback.extensions import db
from feedback.inbox.access import require_case_reader
from feedback.inbox.forms import ExportForm
from feedback.models import Case, utcnow
from feedback.supervision import watch

bp = Blueprint("supervision", __name__)
bp.before_request(require_case_reader)


@bp.get("/")
def index() -> tuple[str, int]:
    """For the month chosen (the last complete one by default): each supervised body's
    timeliness and overdue references, and the reader's own body as its supervisors see it."""
    now = utcnow()
    form = ExportForm(formdata=request.args if "month" in request.args else None)
    if "month" not in request.args:
        form.month.data = months.last_complete(now)
    first = db.session.execute(db.select(db.func.min(Case.received_at))).scalar_one()
    form.month.offer_months(months.since(first, now), now, everything=False)
    if not form.validate():
        return render_template("supervision/index.html", form=form, month=None), 400
    month = form.month.data
    watched = watch.watched(db.session, current_user.body_id)
    shown = {w.body.id for w in watched} | {current_user.body_id}
    timeliness = {
        body_id: figures.month_figures(db.session, body_id, month, now) for body_id in shown
    }
    return render_template(
        "supervision/index.html",
        form=form,
        month=month,
        watched=watched,
        watchers=watch.watchers(db.session, current_user.body_id),
        timeliness=timeliness,
        answer_sets=verdicts.answers_per_notice(
            db.session,
            [w.notice.id for w in watched]
            + [notice.id for notice, _role in watch.notices_of(db.session, current_user.body_id)],
        ),
    ), 200
