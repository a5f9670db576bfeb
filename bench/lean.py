"""The reference for submissions: a lean Flask app doing the service's submission work, for `make bench`.

What the service's POST /submit does, written as plainly as Flask allows: CSRF (Flask-WTF, the
session cookie), the same rate limit in the same storage (Flask-Limiter), a form with the same
fields and checks and the notice's items as its choices (built once, at start-up), the routing
rules (feedback.cases.routing), then in one transaction through SQLAlchemy Core, each statement
built once: the case under a random reference of its month, its contact and its first event; and a
receipt page in a layout like the site's. SQLite connections get the service's own settings and
its way of taking the write lock (feedback.storage.database), so that neither app is slowed by
SQLite's busy handler. What it leaves out is what the service adds on top: the one-time form
token and the kept receipt, translations, the notice catalog's freshness, the conflict rule.

/submit/duties does the same and, as leanly, the duties the service's submission has taken on
since: the look-ups of the one-time form token and of the browser's kept receipts, the deletion
of expired ones and the sealed receipt (AES-GCM), the body's time limit read, the month's tallies
(feedback.cases.figures), the near-copy band keys (feedback.cases.similar) and the accounts to
tell of a new case. Measured beside /submit, it tells the cost of that work from the cost of the
way the service does it.

Served by gunicorn with the same gunicorn.conf.py: `gunicorn -c gunicorn.conf.py bench.lean:app`,
configured by DATABASE_URL, SECRET_KEY, RATELIMIT_STORAGE_URI and SUBMIT_LIMITS.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, render_template, request, session
from flask_limiter import Limiter
from flask_wtf import CSRFProtect, FlaskForm
from jinja2 import DictLoader
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from feedback.cases import figures, similar
from feedback.cases.routing import route
from feedback.models import Body, CaseBand, KeptReceipt, Kind, MailSetting, NewCaseMail, User
from feedback.storage import database

app = Flask(__name__)
# As the service: the Origin, not the Referer, is what no-referrer pages send over HTTPS.
app.config.update(
    SECRET_KEY=os.environ["SECRET_KEY"],
    WTF_CSRF_TIME_LIMIT=4 * 3600,
    WTF_CSRF_SSL_STRICT=False,
    BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",  # the tallies' months are local ones
)
CSRFProtect(app)
limiter = Limiter(
    lambda: request.remote_addr or "unknown",
    app=app,
    storage_uri=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
)
engine = sa.create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
if engine.dialect.name == "sqlite":
    # The service's connection settings and its BEGIN IMMEDIATE, retried every millisecond.
    sa.event.listen(engine, "connect", database._on_connect)
    sa.event.listen(
        engine, "begin", lambda c: database._begin_immediate(c.connection.dbapi_connection)
    )

metadata = sa.MetaData()
cases = sa.Table("cases", metadata, autoload_with=engine)
contacts = sa.Table("contacts", metadata, autoload_with=engine)
events = sa.Table("events", metadata, autoload_with=engine)
ADD_CASE = cases.insert().returning(cases.c.id)
ADD_CONTACT = contacts.insert()
ADD_EVENT = events.insert()
kept = KeptReceipt.__table__
FIND_FORM = sa.select(cases.c.id).where(cases.c.submission_hash == sa.bindparam("token_hash"))
FIND_KEPT = sa.select(kept.c.case_id, kept.c.sealed).where(
    kept.c.fingerprint == sa.bindparam("fingerprint"), kept.c.expires_at > sa.bindparam("now")
)
FORGET_KEPT = kept.delete().where(kept.c.expires_at <= sa.bindparam("now"))
ADD_KEPT = kept.insert()
ADD_BANDS = CaseBand.__table__.insert()
ACCEPT_DAYS = sa.select(Body.accept_days).where(Body.id == sa.bindparam("body_id"))
TO_TELL = (
    sa.select(MailSetting.account_id, MailSetting.email)
    .join(User, User.id == MailSetting.account_id)
    .where(
        User.body_id == sa.bindparam("body_id"),
        User.active.is_(True),
        MailSetting.email != "",
        MailSetting.new_cases == NewCaseMail.EACH,
    )
)
with engine.connect() as connection:
    BODIES = dict(connection.execute(sa.text("SELECT slug, id FROM bodies")).all())
    NOTICE_ID, ITEMS = None, []
    for notice_id, item_id, code, title in connection.execute(
        sa.text(
            "SELECT notice_id, id, code, title FROM items WHERE notice_id = "
            "(SELECT min(id) FROM notices WHERE published_at IS NOT NULL) ORDER BY position, id"
        )
    ):
        NOTICE_ID = notice_id
        ITEMS.append((str(item_id), f"{code} {title}"))

SECRET = os.environ["SECRET_KEY"].encode()
PHONE = re.compile(r"^(\+86)?1[3-9]\d{9}$")


class MessageForm(FlaskForm):
    kind = RadioField(choices=[k.value for k in Kind])
    item = SelectField(choices=[("", "none"), *ITEMS], validators=[Optional()])
    body = RadioField(choices=["court", "discipline", "inspection", "unsure"])
    subject = StringField(validators=[DataRequired(), Length(max=60)])
    content = TextAreaField(validators=[DataRequired(), Length(min=10, max=5000)])
    identity = RadioField(choices=["real", "anonymous"])
    name = StringField(validators=[Optional(), Length(max=40)])
    phone = StringField(
        validators=[Optional(), Regexp(PHONE)], filters=[lambda s: s and s.replace(" ", "")]
    )
    email = StringField(validators=[Optional(), Length(max=254)])
    consent = BooleanField(validators=[DataRequired()])
    website = StringField(validators=[Length(max=0)])
    confirm_routing = HiddenField()
    form_token = HiddenField(default=lambda: secrets.token_urlsafe(16))


LAYOUT = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{% block title %}{% endblock %} · 整改监督意见箱</title>
<link rel="stylesheet" href="{{ url_for('static', filename='style.css') }}"></head>
<body><header class="site"><a class="brand" href="/">整改监督意见箱</a>
<nav><a href="/track">查询办理进度</a> <a href="/care/on?next={{ request.full_path|urlencode }}">大字版（关怀模式）</a>
<a href="/language/en?next={{ request.full_path|urlencode }}" lang="en">English</a></nav></header>
<main>{% block content %}{% endblock %}</main>
<footer class="site"><p>您提交的内容不会记录IP地址或浏览器信息。</p></footer></body></html>"""

RECEIPT = """{% extends "layout.html" %}{% block title %}回执{% endblock %}{% block content %}
<h1>您的留言已收到</h1>
<section class="panel receipt">
<p>受理编号<br><span id="receipt-ref" class="receipt-value">{{ reference }}</span></p>
<p>查询码<br><span id="receipt-code">{% for group in code.split("-") %}<span>{{ group }}</span>{% if not loop.last %}-<wbr>{% endif %}{% endfor %}</span></p>
<p class="receipt-warning"><strong>请立即抄下查询码或截图保存。查询码只显示这一次，本网站不保存可读的查询码。</strong></p>
<p>要查询办理进度，请打开“查询办理进度”，输入受理编号和查询码。<a href="/track">查询办理进度</a></p>
</section>
<h2>受理机关</h2><p>已送达{{ body }}。{{ reason }}</p>
<h2>办理时限</h2><ul>
<li>受理机关在收到后{{ days }}日内决定是否受理（{{ due.strftime("%Y-%m-%d") }}前）。</li>
<li>受理后在60日内办结。</li></ul>
<h2>您提交的内容</h2><dl class="facts"><dt>类型</dt><dd>{{ form.kind.data }}</dd>
<dt>主题</dt><dd>{{ form.subject.data }}</dd><dt>身份</dt><dd>{{ form.identity.data }}</dd></dl>
<p class="text receipt-content">{{ form.content.data }}</p>{% endblock %}"""

FORM = """{% extends "layout.html" %}{% block content %}<form method="post">{{ form.csrf_token }}
{% for f in form if f.name != "csrf_token" %}{{ f.label }} {{ f() }} {{ f.errors|join(", ") }}
{% endfor %}<button>send</button></form>{% endblock %}"""

# The reference for the public pages: about 5 KB of HTML from a template in the same layout,
# the same for every visitor.
PAGE = """{% extends "layout.html" %}{% block title %}通报{% endblock %}{% block content %}
<h1>关于巡察整改情况的通报</h1>
{% for n in range(1, 23) %}<article class="item"><h3>问题{{ n }}</h3>
<p>整改措施：建立健全工作机制，明确责任分工，定期督促检查，确保整改落实到位。</p>
<p class="badge">已完成</p></article>
{% endfor %}{% endblock %}"""

app.jinja_loader = DictLoader(
    {"layout.html": LAYOUT, "receipt.html": RECEIPT, "form.html": FORM, "page.html": PAGE}
)
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@app.route("/submit", methods=["GET", "POST"])
@limiter.limit(lambda: os.environ.get("SUBMIT_LIMITS", "5 per hour"), methods=["POST"])
def submit() -> str | tuple[str, int]:
    return submission(duties=False)


@app.route("/submit/duties", methods=["GET", "POST"])
@limiter.limit(lambda: os.environ.get("SUBMIT_LIMITS", "5 per hour"), methods=["POST"])
def submit_with_duties() -> str | tuple[str, int]:
    if request.method == "GET" and "receipt_key" not in session:
        session["receipt_key"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return submission(duties=True)


def submission(duties: bool) -> str | tuple[str, int]:
    form = MessageForm()
    if not form.validate_on_submit():
        return render_template("form.html", form=form), 400 if request.method == "POST" else 200
    decision = route(Kind(form.kind.data), form.body.data, bool(form.item.data))
    body_id = BODIES[decision.body]
    now = datetime.now(UTC).replace(tzinfo=None)
    due = now + timedelta(days=15)
    code = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _group in range(5))
    case = {
        "tracking_hash": hmac.new(SECRET, code.encode(), hashlib.sha256).hexdigest(),
        "submission_hash": hmac.new(SECRET, form.form_token.data.encode(), "sha256").hexdigest(),
        "notice_id": NOTICE_ID,
        "item_id": int(form.item.data) if form.item.data else None,
        "kind": form.kind.data,
        "chosen_body": form.body.data,
        "routing_reason": decision.reason,
        "body_id": body_id,
        "subject": form.subject.data,
        "content": form.content.data,
        "anonymous": form.identity.data == "anonymous",
        "status": "received",
        "received_at": now,
        "due_at": due,
        "extension_days": 0,
        "transfers": 0,
    }
    for _draw in range(20):
        reference = f"{now:%Y-%m}-{secrets.randbelow(10**6):06d}"
        try:
            with engine.begin() as connection:
                if duties:
                    earlier_duties(connection, form, case, now)
                case_id = connection.execute(
                    ADD_CASE, {**case, "reference": reference}
                ).scalar_one()
                if form.identity.data == "real":
                    contact = {"name": form.name.data, "phone": form.phone.data, "email": ""}
                    connection.execute(ADD_CONTACT, {"case_id": case_id, **contact})
                connection.execute(
                    ADD_EVENT,
                    {
                        "case_id": case_id,
                        "at": now,
                        "kind": "submitted",
                        "public": True,
                        "body_id": body_id,
                        "text": "",
                    },
                )
                if duties:
                    later_duties(connection, form, case, case_id, reference, code, now)
            break
        except IntegrityError:
            continue
    return render_template(
        "receipt.html",
        reference=reference,
        code=code,
        form=form,
        body=decision.body,
        reason=decision.reason,
        days=15,
        due=due,
    )


def earlier_duties(
    connection: sa.Connection, form: MessageForm, case: dict[str, Any], now: datetime
) -> None:
    """Before the case is written: is it a repeat (by form token, by the browser's kept
    answers), and the body's time limit."""
    connection.execute(FIND_FORM, {"token_hash": case["submission_hash"]}).first()
    aware = now.replace(tzinfo=UTC)  # the service's tables take times with their zone
    connection.execute(FIND_KEPT, {"fingerprint": fingerprint(form), "now": aware}).all()
    days = connection.execute(ACCEPT_DAYS, {"body_id": case["body_id"]}).scalar_one()
    case["due_at"] = now + timedelta(days=days)


def later_duties(
    connection: sa.Connection,
    form: MessageForm,
    case: dict[str, Any],
    case_id: int,
    reference: str,
    code: str,
    now: datetime,
) -> None:
    """After the case is written: its tallies, its band keys, the accounts to tell, and the
    kept receipt (expired ones deleted first)."""
    row = {**case, "id": case_id, "review_of_id": None, "transferred_at": None}
    row.update(accepted_at=None, closed_at=None, rating=None, contested=False)
    row.update(accept_days=15, close_days=60)
    sort = figures.sort_of(type("Row", (), row))
    figures.add(connection, {tally: 1 for tally in figures.tallies_of(sort)})
    connection.execute(ADD_BANDS, similar.band_rows(case_id, case["subject"], case["content"]))
    connection.execute(TO_TELL, {"body_id": case["body_id"]}).all()
    aware = now.replace(tzinfo=UTC)  # the service's tables take times with their zone
    connection.execute(FORGET_KEPT, {"now": aware})
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(derive(b"seal")).encrypt(nonce, code.encode(), reference.encode())
    connection.execute(
        ADD_KEPT,
        {
            "case_id": case_id,
            "fingerprint": fingerprint(form),
            "sealed": nonce + sealed,
            "expires_at": aware + timedelta(minutes=30),
        },
    )


def derive(purpose: bytes) -> bytes:
    """A key from the browser's key and SECRET_KEY, as the service derives it."""
    browser_key = base64.urlsafe_b64decode(session["receipt_key"])
    root = hmac.new(SECRET, browser_key, hashlib.sha256).digest()
    return hmac.new(root, purpose, hashlib.sha256).digest()


def fingerprint(form: MessageForm) -> str:
    answers = {
        "item": form.item.data,
        "kind": form.kind.data,
        "body": form.body.data,
        "content": form.content.data,
        "contact": [form.name.data, form.phone.data, form.email.data],
    }
    text = json.dumps(answers, ensure_ascii=False, sort_keys=True)
    return hmac.new(derive(b"fingerprint"), text.encode(), hashlib.sha256).hexdigest()


@app.get("/page")
def page() -> str:
    return render_template("page.html")
