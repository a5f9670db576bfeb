"""Mail to bodies and citizens, sent through a real SMTP server (aiosmtpd) and read back.

What a message may carry: counts, reference numbers and links. Never a subject, text, name or
contact, never the tracking code, and nothing that tells a report of misconduct (检举控告) from
any other kind. One message per event, however often the sender runs, even two at once.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from conftest import IsolatedClient, login, new_case
from flask import Flask
from flask.testing import FlaskClient
from mail_server import MailServer, free_port, mail_server
from public_helpers import post_form
from public_helpers import send as send_form
from sqlalchemy import select, text

from feedback.cases import notifications, operations, retention
from feedback.cases.operations import ContactDetails
from feedback.config import ConfigurationError
from feedback.extensions import db
from feedback.models import (
    AuditAction,
    AuditEntry,
    Case,
    CaseNews,
    Kind,
    MailSetting,
    NewCaseMail,
    OutboxMessage,
    User,
    utcnow,
)
from feedback.notify import outbox, smtp

SITE = "https://feedback.example.gov.cn"
SENDER = "noreply@example.gov.cn"
CITIZEN = "zhang.san@example.com"
NAME, PHONE = "张三丰", "13812345678"
SUBJECT, CONTENT = "窗口没有开放", "通报说已设便民窗口，但我本周两次去都没有开放。"
KIND_WORDS = ("检举", "控告", "投诉", "意见建议", "report", "complaint", "opinion", "misconduct")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


@pytest.fixture
def mail_app(app_factory: Callable[..., Flask], mail: MailServer) -> Iterator[Flask]:
    app = app_factory(MAIL_URL=mail.url(), MAIL_FROM=SENDER, BASE_URL=SITE)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def clerks(mail_app: Flask) -> dict[str, User]:
    """The staff member of each body, on the app that sends mail (conftest's `staff` would push
    an app of its own, which the command line would then use)."""
    return {slug: user(f"{slug}-staff") for slug in ("court", "discipline", "inspection")}


def user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def choose(name: str, new_cases: NewCaseMail, due_list: bool = False, locale: str = "zh_Hans_CN"):
    account = user(name)
    db.session.add(
        MailSetting(
            account_id=account.id,
            email=f"{name}@example.gov.cn",
            new_cases=new_cases,
            due_list=due_list,
            locale=locale,
        )
    )
    db.session.commit()
    return f"{name}@example.gov.cn"


def citizen_case(
    kind: Kind = Kind.OPINION, chosen: str = "court", locale: str = "zh_Hans_CN"
) -> tuple[Case, str]:
    """A real-name case whose citizen ticked the box for news by mail, through `submit`."""
    case, code = new_case(
        kind=kind,
        chosen=chosen,
        subject=SUBJECT,
        content=CONTENT,
        contact=ContactDetails(NAME, PHONE, CITIZEN),
    )
    notifications.subscribe(db.session, case, CITIZEN, locale)
    db.session.commit()
    return case, code


def send(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["feedback", "send-notifications"])
    assert result.exit_code == 0, result.output
    return result.output


def body_of(mail: EmailMessage) -> str:
    content = mail.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def nothing_private(mail: EmailMessage, *, code: str = "") -> None:
    whole = str(mail["Subject"]) + body_of(mail)
    for private in (SUBJECT, CONTENT, NAME, PHONE, CITIZEN, "窗口"):
        assert private not in whole
    if code:
        assert code not in whole and code.replace("-", "") not in whole.replace("-", "")
    for word in KIND_WORDS:
        assert word.lower() not in whole.lower()


# To bodies ---------------------------------------------------------------------------------


def test_each_new_case_is_one_message_with_its_reference_and_a_link_to_the_inbox(mail_app, mail):
    address = choose("court-staff", NewCaseMail.EACH)
    case, _code = citizen_case()

    assert "1 sent" in send(mail_app)
    send(mail_app)  # again: nothing more

    [message] = mail.mailbox.to(address)
    assert case.reference in message["Subject"] and case.reference in body_of(message)
    assert f"{SITE}/inbox/" in body_of(message)
    assert message["From"] == SENDER and "List-Unsubscribe" not in message
    nothing_private(message)


def test_a_report_of_misconduct_cannot_be_told_from_an_opinion_by_its_mail(mail_app, mail):
    """The discipline group receives both; their messages differ only by reference."""
    address = choose("discipline-staff", NewCaseMail.EACH)
    report, _ = new_case(kind=Kind.REPORT, chosen="discipline", subject=SUBJECT, content=CONTENT)
    opinion, _ = new_case(kind=Kind.OPINION, chosen="discipline", subject=SUBJECT, content=CONTENT)
    send(mail_app)

    by_reference = {m["Subject"]: m for m in mail.mailbox.to(address)}
    assert len(by_reference) == 2
    words = []
    for case in (report, opinion):
        [message] = [m for s, m in by_reference.items() if case.reference in s]
        nothing_private(message)
        words.append(
            (
                message["Subject"].replace(case.reference, "#"),
                body_of(message).replace(case.reference, "#"),
            )
        )
    assert words[0] == words[1]


def test_an_account_that_chose_the_daily_digest_gets_no_message_per_case(mail_app, mail):
    choose("court-staff", NewCaseMail.DAILY)
    new_case()
    send(mail_app)
    assert mail.mailbox.received == [] or all(
        "daily" not in m["Subject"] for m in mail.mailbox.received
    )
    assert not db.session.execute(
        select(OutboxMessage).where(OutboxMessage.what == "new_case")
    ).first()


def test_the_daily_message_counts_new_due_and_overdue_cases_once_a_day(mail_app, mail):
    address = choose("court-staff", NewCaseMail.DAILY, due_list=True, locale="en")
    local = utcnow().astimezone(SHANGHAI) + timedelta(days=1)
    morning = local.replace(hour=9, minute=0, second=0, microsecond=0).astimezone(UTC)
    db.session.get_one(MailSetting, user("court-staff").id).daily_since = utcnow() - timedelta(
        hours=1
    )
    fresh, _ = new_case()
    soon, _ = new_case()
    late, _ = new_case()
    soon.due_at = morning + timedelta(days=2)
    late.due_at = morning - timedelta(days=1)
    fresh.due_at = morning + timedelta(days=10)
    db.session.commit()

    early = morning - timedelta(hours=3)  # 06:00 in Shanghai: not yet
    assert notifications.queue_daily(db.session, early) == 0
    assert notifications.queue_daily(db.session, morning) == 1
    assert notifications.queue_daily(db.session, morning + timedelta(hours=5)) == 0
    db.session.commit()
    server = smtp.server(mail_app.config["MAIL_URL"], SENDER, 5)
    assert server is not None
    outbox.send_due(db.session, server, morning)

    [digest] = mail.mailbox.to(address)
    assert digest["Subject"] == "Your inbox today: 3 new, 1 due soon, 1 overdue"
    content = body_of(digest)
    assert "Due within 3 days: 1\n  " + soon.reference in content
    assert "Overdue: 1\n  " + late.reference in content
    assert all(case.reference in content for case in (fresh, soon, late))
    nothing_private(digest)

    # The next day counts only what came since: nothing new, the same due and overdue cases.
    assert notifications.queue_daily(db.session, morning + timedelta(days=1)) == 1
    db.session.commit()
    outbox.send_due(db.session, server, morning + timedelta(days=1))
    assert (
        mail.mailbox.to(address)[1]["Subject"] == "Your inbox today: 0 new, 1 due soon, 1 overdue"
    )


def test_mail_is_written_in_the_language_the_account_chose(mail_app, mail):
    chinese = choose("court-staff", NewCaseMail.EACH)
    english = choose("court-manager", NewCaseMail.EACH, locale="en")
    case, _ = new_case()
    send(mail_app)
    [zh] = mail.mailbox.to(chinese)
    [en] = mail.mailbox.to(english)
    assert zh["Subject"] == f"收件箱有新件 {case.reference}"
    assert en["Subject"] == f"New case {case.reference} in your inbox"


# To citizens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "subject"),
    [("zh_Hans_CN", "您的来信 {} 有新进展"), ("en", "News of your message {}")],
)
def test_a_citizen_hears_of_each_step_without_the_code_in_the_chosen_language(
    mail_app, mail, clerks, locale, subject
):
    case, code = citizen_case(locale=locale)
    send(mail_app)
    assert mail.mailbox.to(CITIZEN) == []  # received: nothing to tell yet

    operations.accept(db.session, case, clerks["court"])
    db.session.commit()
    send(mail_app)
    operations.close(db.session, case, clerks["court"], "经核实，已整改到位。")
    db.session.commit()
    send(mail_app)
    send(mail_app)

    messages = mail.mailbox.to(CITIZEN)
    assert len(messages) == 2
    for message in messages:
        assert message["Subject"] == subject.format(case.reference)
        assert f"{SITE}/track" in body_of(message)
        news = db.session.get_one(CaseNews, case.id)
        assert message["List-Unsubscribe"] == f"<{SITE}/news/stop/{news.token}>"
        assert f"{SITE}/news/stop/{news.token}" in body_of(message)
        assert "已整改到位" not in body_of(message)
        nothing_private(message, code=code)


def test_transfer_decline_and_answer_are_news_too_and_a_note_is_not(mail_app, mail, clerks):
    case, _ = citizen_case()
    operations.add_note(db.session, case, clerks["court"], "内部备注")
    operations.transfer(db.session, case, clerks["court"], user("inspection-staff").body, "转办")
    db.session.commit()
    operations.decline(db.session, case, clerks["inspection"], "不属于受理范围")
    db.session.commit()
    send(mail_app)
    assert len(mail.mailbox.to(CITIZEN)) == 2


def test_a_review_is_news_to_the_same_address(mail_app, mail, clerks):
    case, _ = citizen_case(locale="en")
    operations.decline(db.session, case, clerks["court"], "不属于受理范围")
    db.session.commit()
    review = operations.request_review(db.session, case, "理由与事实不符，请求复查。")
    db.session.commit()
    operations.accept(db.session, review, clerks[review.body.slug])
    db.session.commit()
    send(mail_app)
    subjects = sorted(m["Subject"] for m in mail.mailbox.to(CITIZEN))
    assert subjects == sorted(
        [f"News of your message {case.reference}", f"News of your message {review.reference}"]
    )


def test_a_citizen_who_did_not_ask_gets_nothing(mail_app, mail, clerks):
    case, _ = new_case(contact=ContactDetails(NAME, PHONE, CITIZEN))
    operations.accept(db.session, case, clerks["court"])
    db.session.commit()
    send(mail_app)
    assert mail.mailbox.to(CITIZEN) == []


def test_the_box_on_the_form_asks_for_an_address_and_keeps_the_page_language(mail_app):
    client = mail_app.test_client()
    refused = post_form(client, identity="anonymous", news="y")
    assert 'id="news-error"' in refused.text
    assert "如需邮件通知，请在上方填写电子邮箱。" in refused.text
    assert db.session.execute(select(Case.id)).first() is None
    assert 'id="news-error"' in post_form(client, email="", news="y").text

    client.get("/language/en")
    reference, _code = send_form(client, email=CITIZEN, news="y")
    [news] = db.session.execute(select(CaseNews)).scalars()
    case = db.session.get_one(Case, news.case_id)
    assert case.reference == reference and news.email == CITIZEN and news.locale == "en"


def test_the_unsubscribe_link_asks_then_stops_the_mail(mail_app, mail, clerks):
    case, _ = citizen_case()
    token = db.session.get_one(CaseNews, case.id).token
    client = mail_app.test_client()

    asked = client.get(f"/news/stop/{token}")
    assert asked.status_code == 200 and 'id="stop-news"' in asked.text
    assert db.session.get(CaseNews, case.id) is not None  # a GET (a mail scanner) stops nothing

    stopped = client.post(f"/news/stop/{token}")
    assert stopped.status_code == 200 and "您不会再收到关于此件的邮件" in stopped.text
    db.session.expire_all()
    assert db.session.get(CaseNews, case.id) is None
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == AuditAction.NEWS_STOPPED)
    ).scalar_one()
    assert entry.case_reference == case.reference

    operations.accept(db.session, case, clerks["court"])
    db.session.commit()
    send(mail_app)
    assert mail.mailbox.to(CITIZEN) == []
    assert client.get(f"/news/stop/{token}").status_code == 404


def test_the_address_goes_with_the_case_when_it_is_purged(mail_app, clerks):
    """Queued but never sent (mail off): the purge still leaves the address nowhere."""
    case, _ = citizen_case()
    operations.decline(db.session, case, clerks["court"], "不属于受理范围")
    db.session.commit()
    assert db.session.execute(
        select(OutboxMessage).where(OutboxMessage.recipient == CITIZEN)
    ).first()

    retention.purge(db.session, (utcnow() + timedelta(days=2)).date())
    db.session.commit()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            assert CITIZEN not in repr(row), table.name


# Delivery ---------------------------------------------------------------------------------


def test_a_refused_message_is_tried_again_later_and_arrives_once(mail_app, mail, clerks):
    mail.mailbox.refuse = [451, 550]
    case, _ = citizen_case()
    operations.accept(db.session, case, clerks["court"])
    db.session.commit()
    server = smtp.server(mail_app.config["MAIL_URL"], SENDER, 5)
    assert server is not None
    now = utcnow()

    first = outbox.send_due(db.session, server, now)
    assert (first.sent, first.failed) == (0, 1)
    [waiting] = db.session.execute(select(OutboxMessage)).scalars()
    assert waiting.attempts == 1 and waiting.last_error == "refused (451)"
    assert waiting.due_at > now
    assert outbox.send_due(db.session, server, now).sent == 0  # not due yet: not tried

    second = outbox.send_due(db.session, server, now + timedelta(minutes=2))
    assert second.failed == 1
    third = outbox.send_due(db.session, server, now + timedelta(minutes=10))
    assert third.sent == 1
    assert mail.mailbox.refused == 2 and len(mail.mailbox.to(CITIZEN)) == 1
    db.session.refresh(waiting)
    assert waiting.attempts == 3 and waiting.sent_at is not None and waiting.last_error == ""


def test_a_message_refused_every_time_is_given_up_after_the_last_retry(mail_app, mail, clerks):
    mail.mailbox.refuse = [550] * 10
    case, _ = citizen_case()
    operations.accept(db.session, case, clerks["court"])
    db.session.commit()
    server = smtp.server(mail_app.config["MAIL_URL"], SENDER, 5)
    assert server is not None
    when = utcnow()
    for _ in range(len(outbox.BACKOFF_MINUTES) + 1):
        outbox.send_due(db.session, server, when)
        when += timedelta(days=1)
    [message] = db.session.execute(select(OutboxMessage)).scalars()
    assert message.failed_at is not None and message.attempts == len(outbox.BACKOFF_MINUTES) + 1
    assert outbox.send_due(db.session, server, when).failed == 0
    assert mail.mailbox.to(CITIZEN) == []


def test_messages_sent_a_month_ago_are_deleted_with_their_addresses(mail_app, mail):
    address = choose("court-staff", NewCaseMail.EACH)
    new_case()
    new_case()
    send(mail_app)
    old, recent = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
    assert old.sent_at is not None
    old.sent_at -= timedelta(days=outbox.KEEP_DAYS + 1)
    db.session.commit()
    send(mail_app)
    [kept] = db.session.execute(select(OutboxMessage)).scalars()
    assert kept.id == recent.id and kept.recipient == address


def test_two_senders_at_once_send_each_message_once(mail_app, mail, monkeypatch):
    """Two runners, each with its own connection, in small batches so that they interleave."""
    addresses = [choose(name, NewCaseMail.EACH) for name in ("court-staff", "court-manager")]
    for _ in range(15):
        new_case()
    monkeypatch.setattr(outbox, "BATCH", 3)
    mail.mailbox.delay = 0.02
    server = smtp.server(mail_app.config["MAIL_URL"], SENDER, 5)
    assert server is not None
    runs: list[outbox.Run] = []
    start = threading.Barrier(2)

    def runner() -> None:
        with mail_app.app_context():
            start.wait()
            runs.append(outbox.send_due(db.session, server))
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(run.sent for run in runs) == 30
    assert all(run.sent > 0 for run in runs), "one runner did everything: no race was tried"
    subjects = [m["Subject"] + m["To"] for m in mail.mailbox.received]
    assert len(subjects) == 30 and len(set(subjects)) == 30
    assert {m["To"] for m in mail.mailbox.received} == set(addresses)


class Kept(logging.Handler):
    """Every record of the app's logger, whatever handlers the process's root logger has."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_who_was_told_what_is_in_the_audit_log_and_no_address_in_any_log(mail_app, mail, clerks):
    choose("court-staff", NewCaseMail.EACH)
    mail.mailbox.refuse = [451]
    case, _ = citizen_case()
    operations.accept(db.session, case, clerks["court"])
    db.session.commit()
    kept = Kept()
    mail_app.logger.addHandler(kept)
    try:
        mail_app.test_cli_runner().invoke(args=["feedback", "send-notifications"])
        server = smtp.server(mail_app.config["MAIL_URL"], SENDER, 5)
        assert server is not None
        outbox.send_due(db.session, server, utcnow() + timedelta(minutes=2))
    finally:
        mail_app.logger.removeHandler(kept)
    assert len(mail.mailbox.received) == 2
    entries = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == AuditAction.NOTIFIED)
    ).scalars()
    told = sorted(entry.detail for entry in entries)
    assert told == [
        f"citizen: accepted {case.reference}",
        f"court-staff: new_case {case.reference}",
    ]
    logged = "\n".join(record.getMessage() for record in kept.records)
    assert "not sent" in logged
    for address in (CITIZEN, "court-staff@example.gov.cn"):
        assert address not in logged
        assert not db.session.execute(
            select(AuditEntry).where(AuditEntry.detail.contains(address))
        ).first()


# Mail off, and mail failing ---------------------------------------------------------------


def test_without_mail_url_the_outbox_keeps_and_the_admin_page_says_mail_is_off(app, client, staff):
    choose("court-staff", NewCaseMail.EACH)
    new_case()
    result = app.test_cli_runner().invoke(args=["feedback", "send-notifications"])
    assert result.exit_code == 0
    assert "Mail is off (MAIL_URL is not set): 1 messages wait in the outbox." in result.output
    login(client, staff["admin"])
    page = client.get("/admin/").text
    assert 'id="mail-off"' in page and "等待发送：1" in page
    assert client.get("/healthz").json["mail"] == "off"


def wrong_password_app(app_factory: Callable[..., Flask], server: MailServer) -> Flask:
    return app_factory(MAIL_URL=server.url("feedback", "wrong"), MAIL_FROM=SENDER, BASE_URL=SITE)


def test_a_wrong_password_is_shown_on_healthz_and_the_admin_page(app_factory):
    with mail_server(user="feedback", password="right") as server:
        app = wrong_password_app(app_factory, server)
        with app.app_context():
            choose("court-staff", NewCaseMail.EACH)
            new_case()
            result = app.test_cli_runner().invoke(args=["feedback", "send-notifications"])
            assert result.exit_code == 1
            assert "authentication refused (535)" in result.output
            assert server.mailbox.received == []

            client = app.test_client()
            health = client.get("/healthz")
            assert health.status_code == 200 and health.json["status"] == "ok"
            assert health.json["mail"] == "failing"
            assert health.json["mail_error"] == "authentication refused (535)"
            login(client, user("admin"))
            page = client.get("/admin/").text
            assert 'id="mail-failing"' in page and "authentication refused (535)" in page

            # Put right, the message waiting goes out, and the pages say so.
            app.config["MAIL_URL"] = server.url("feedback", "right")
            db.session.execute(text("UPDATE outbox SET due_at = created_at"))
            db.session.commit()
            assert "1 sent" in send(app)
            assert client.get("/healthz").json["mail"] == "ok"
            assert 'id="mail-ok"' in client.get("/admin/").text
            db.session.remove()


def test_a_server_that_does_not_answer_is_reported_and_delays_no_request(app_factory):
    port = free_port()  # nothing listens there
    app = app_factory(MAIL_URL=f"smtp://127.0.0.1:{port}", MAIL_FROM=SENDER)
    with app.app_context():
        choose("court-staff", NewCaseMail.EACH)
        new_case()
        result = app.test_cli_runner().invoke(args=["feedback", "send-notifications"])
        assert result.exit_code == 1 and "connection refused" in result.output
        health = app.test_client().get("/healthz").json
        assert health["mail"] == "failing" and health["mail_error"] == "connection refused"
        db.session.remove()


def test_mail_url_names_the_server_and_bad_mail_settings_stop_the_start(app_factory):
    server = smtp.server("smtps://feedback%40gov:p%3Ass@mail.example.org", SENDER, 5)
    assert server is not None
    assert (server.host, server.port, server.implicit_tls, server.starttls) == (
        "mail.example.org",
        465,
        True,
        False,
    )
    assert (server.username, server.password) == ("feedback@gov", "p:ss")
    upgraded = smtp.server("smtp://mail.example.org?starttls", SENDER, 5)
    assert upgraded is not None and (upgraded.port, upgraded.starttls) == (587, True)
    assert smtp.server("", "", 5) is None

    with pytest.raises(ConfigurationError, match="MAIL_URL must look like"):
        app_factory(MAIL_URL="http://mail.example.org", MAIL_FROM=SENDER)
    with pytest.raises(ConfigurationError, match="MAIL_FROM is not set"):
        app_factory(MAIL_URL="smtp://mail.example.org")
    with pytest.raises(ConfigurationError, match="BASE_URL is not"):
        app_factory(MAIL_URL="smtp://mail.example.org", MAIL_FROM=SENDER, DEVELOPMENT=False)


# The account's page -------------------------------------------------------------------------


def test_an_account_chooses_its_mail_and_the_choice_is_audited(app, client, staff):
    login(client, staff["court"])
    page = client.get("/staff/notifications")
    assert page.status_code == 200 and 'id="mail-off"' in page.text
    missing = client.post("/staff/notifications", data={"new_cases": "each", "locale": "en"})
    assert missing.status_code == 400 and "请填写接收这些邮件的电子邮箱。" in missing.text
    assert db.session.get(MailSetting, staff["court"].id) is None

    saved = client.post(
        "/staff/notifications",
        data={"email": "clerk@example.gov.cn", "new_cases": "each", "locale": "en"},
    )
    assert saved.status_code == 302
    setting = db.session.get_one(MailSetting, staff["court"].id)
    assert (setting.email, setting.new_cases, setting.due_list, setting.locale) == (
        "clerk@example.gov.cn",
        NewCaseMail.EACH,
        False,
        "en",
    )
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == AuditAction.MAIL_SETTINGS)
    ).scalar_one()
    assert entry.actor_name == "court-staff" and "clerk@" not in entry.detail


def test_an_administrator_has_no_mail_page(app, client: FlaskClient, staff):
    login(client, staff["admin"])
    assert client.get("/staff/notifications").status_code == 404
