"""The baseline: the simplest Flask app that takes the same submission, for `make bench`.

It does what the service's POST /submit must do at the least, and nothing else: CSRF (Flask-WTF,
the session cookie), the same rate limit in the same storage (Flask-Limiter, Redis), a form with
the same fields and comparable checks, and ONE row inserted into the same `cases` table of the
same database (SQLAlchemy Core, pooled like the service's engine). No notice catalog, routing,
reference counter, event, contact row, translation or page layout: the ratio of the two
throughputs is the price of those.

Served by gunicorn with the same gunicorn.conf.py: `gunicorn -c gunicorn.conf.py bench.minimal:app`,
configured by DATABASE_URL, SECRET_KEY, RATELIMIT_STORAGE_URI and SUBMIT_LIMITS.
"""

import hashlib
import hmac
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, render_template_string, request
from flask_limiter import Limiter
from flask_wtf import CSRFProtect, FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

app = Flask(__name__)
app.config.update(SECRET_KEY=os.environ["SECRET_KEY"], WTF_CSRF_TIME_LIMIT=4 * 3600)
CSRFProtect(app)
limiter = Limiter(
    lambda: request.remote_addr or "unknown",
    app=app,
    storage_uri=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
)
engine = sa.create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
if engine.dialect.name == "sqlite":

    @sa.event.listens_for(engine, "connect")
    def _wal(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


cases = sa.table(
    "cases",
    *(sa.column(name) for name in ("reference", "tracking_hash", "kind", "chosen_body")),
    *(sa.column(name) for name in ("routing_reason", "body_id", "subject", "content")),
    *(sa.column(name) for name in ("anonymous", "status", "extension_days")),
    sa.column("received_at", sa.DateTime()),
    sa.column("due_at", sa.DateTime()),
)
with engine.connect() as connection:
    BODIES = dict(connection.execute(sa.text("SELECT slug, id FROM bodies")).all())

SECRET = os.environ["SECRET_KEY"].encode()
PHONE = re.compile(r"^(\+86)?[\d \-]{7,16}$")


class MessageForm(FlaskForm):
    kind = RadioField(choices=["opinion", "complaint", "report", "other"])
    body = RadioField(choices=["court", "discipline", "inspection", "unsure"])
    item = StringField(validators=[Optional(), Regexp(r"^\d+$")])
    subject = StringField(validators=[DataRequired(), Length(max=60)])
    content = TextAreaField(validators=[DataRequired(), Length(min=10, max=5000)])
    identity = RadioField(choices=["real", "anonymous"])
    name = StringField(validators=[Optional(), Length(max=40)])
    phone = StringField(validators=[Optional(), Regexp(PHONE)])
    email = StringField(validators=[Optional(), Length(max=254)])
    consent = BooleanField(validators=[DataRequired()])
    website = StringField(validators=[Length(max=0)])


FORM = """<!doctype html><title>minimal</title>
<form method="post">{{ form.csrf_token }}{% for f in form if f.name != "csrf_token" %}
{{ f.label }} {{ f() }} {{ f.errors|join(", ") }}{% endfor %}<button>send</button></form>"""


@app.route("/submit", methods=["GET", "POST"])
@limiter.limit(lambda: os.environ.get("SUBMIT_LIMITS", "5 per hour"), methods=["POST"])
def submit() -> str | tuple[str, int]:
    form = MessageForm()
    if not form.validate_on_submit():
        return render_template_string(FORM, form=form), 400 if request.method == "POST" else 200
    now = datetime.now(UTC).replace(tzinfo=None)
    reference = "M" + secrets.token_hex(9)
    code = secrets.token_hex(10)
    with engine.begin() as connection:
        connection.execute(
            cases.insert().values(
                reference=reference,
                tracking_hash=hmac.new(SECRET, code.encode(), hashlib.sha256).hexdigest(),
                kind=form.kind.data,
                chosen_body=form.body.data,
                routing_reason="chosen",
                body_id=BODIES.get(form.body.data, BODIES["court"]),
                subject=form.subject.data,
                content=form.content.data,
                anonymous=form.identity.data == "anonymous",
                status="received",
                extension_days=0,
                received_at=now,
                due_at=now + timedelta(days=15),
            )
        )
    return f'<p>Sent: <b id="receipt-ref">{reference}</b> <b id="receipt-code">{code}</b></p>'
