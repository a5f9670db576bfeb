"""督办: a case past its time limit by ESCALATE_AFTER_DAYS goes, once, to the body that supervises
its holder; the supervising body sees its reference and days overdue, never its content."""

import threading
from collections.abc import Callable
from datetime import timedelta

from conftest import body, login, new_case
from flask import Flask
from mail_server import mail_server
from sqlalchemy import func, select

from feedback.cases import escalation, operations
from feedback.extensions import db
from feedback.models import (
    AuditAction,
    AuditEntry,
    BodyRole,
    Case,
    Escalation,
    Event,
    EventKind,
    Kind,
    MailSetting,
    NewCaseMail,
    NoticeSupervisor,
    User,
    utcnow,
)

SUBJECT = "执行款迟迟未到账"
CONTENT = "判决生效已半年，执行款仍未到账，多次询问无果。"


def overdue(days: float, **options) -> Case:
    case, _code = new_case(subject=SUBJECT, content=CONTENT, **options)
    case.due_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return case


def escalate(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["feedback", "escalate"])
    assert result.exit_code == 0, result.output
    return result.output


def escalations() -> list[Escalation]:
    return list(db.session.execute(select(Escalation)).scalars())


def test_a_case_five_days_late_goes_once_to_the_discipline_group(app):
    case = overdue(5.1)
    assert escalate(app) == "1 cases escalated (5 days or more past their time limit).\n"
    assert escalate(app) == ""

    [done] = escalations()
    assert (done.case_id, done.body.slug, done.holder.slug) == (case.id, "discipline", "court")
    assert done.days_overdue == 5
    events = db.session.execute(
        select(Event).where(Event.case_id == case.id, Event.kind == EventKind.ESCALATED)
    ).scalars()
    [event] = events
    assert not event.public and event.to_body_id == body("discipline").id
    [entry] = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == AuditAction.ESCALATED)
    ).scalars()
    assert entry.case_reference == case.reference and entry.body_id == body("court").id


def test_a_case_less_late_waits_and_the_number_of_days_is_a_setting(app_factory: Callable):
    app = app_factory()
    with app.app_context():
        overdue(4.5)
        assert escalate(app) == "" and escalations() == []
        app.config["ESCALATE_AFTER_DAYS"] = 3
        assert "1 cases escalated (3 days" in escalate(app)
        db.session.remove()


def test_each_holder_goes_to_its_own_supervisor_and_the_inspection_office_to_none(app):
    at_discipline = overdue(6, kind=Kind.REPORT, chosen="discipline")
    overdue(6, chosen="inspection")
    overdue(6, item_code=None)  # no notice: no supervisor to go to
    escalate(app)
    [done] = escalations()
    assert done.case_id == at_discipline.id and done.body.slug == "inspection"


def test_a_notice_may_name_another_supervisor(app):
    case = overdue(6)
    assert case.notice is not None
    db.session.add(
        NoticeSupervisor(
            notice_id=case.notice.id, role=BodyRole.COURT, supervisor=BodyRole.INSPECTION
        )
    )
    db.session.commit()
    escalate(app)
    [done] = escalations()
    assert done.body.slug == "inspection"


def test_a_decided_case_is_not_escalated(app, staff):
    case = overdue(10)
    operations.decline(db.session, case, staff["court"], "不属于受理范围")
    db.session.commit()
    assert escalate(app) == "" and escalations() == []


def test_the_supervising_body_sees_the_reference_and_days_but_no_content(app, client, staff):
    case = overdue(7.2)
    escalate(app)

    login(client, staff["discipline"])
    page = client.get("/inbox/escalated").text
    assert case.reference in page and "<td>7</td>" in page and "仍在办理" in page
    assert SUBJECT not in page and CONTENT not in page
    assert client.get(f"/inbox/cases/{case.id}").status_code == 404

    client.post("/staff/logout")
    login(client, staff["inspection"])
    assert case.reference not in client.get("/inbox/escalated").text


def test_the_holding_body_sees_that_it_was_escalated(app, client, staff):
    case = overdue(6)
    escalate(app)
    login(client, staff["court"])
    inbox = client.get("/inbox/").text
    assert 'id="escalated-here"' in inbox and case.reference in inbox
    page = client.get(f"/inbox/cases/{case.id}").text
    assert 'id="case-escalated"' in page and "已超期 6 天" in page
    assert case.reference not in client.get("/inbox/escalated").text


def test_two_runs_at_once_escalate_each_case_once(app):
    cases = [overdue(6) for _ in range(8)]
    start = threading.Barrier(2)

    def run() -> None:
        with app.app_context():
            start.wait()
            escalation.escalate_overdue(db.session, utcnow(), 5)
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(escalations()) == len(cases)
    count = select(func.count()).select_from(Event).where(Event.kind == EventKind.ESCALATED)
    assert db.session.execute(count).scalar_one() == len(cases)


def test_the_supervising_accounts_that_asked_hear_of_it_by_mail(app_factory: Callable):
    with mail_server() as server:
        app = app_factory(MAIL_URL=server.url(), MAIL_FROM="noreply@example.gov.cn")
        with app.app_context():
            clerk = db.session.execute(
                select(User).where(User.username == "discipline-staff")
            ).scalar_one()
            db.session.add(
                MailSetting(
                    account_id=clerk.id,
                    email="clerk@example.gov.cn",
                    new_cases=NewCaseMail.EACH,
                    locale="zh_Hans_CN",
                )
            )
            db.session.commit()
            case = overdue(6)
            result = app.test_cli_runner().invoke(args=["feedback", "send-notifications"])
            assert result.exit_code == 0, result.output
            assert "1 cases escalated" in result.output
            [mail] = server.mailbox.to("clerk@example.gov.cn")
            assert mail["Subject"] == f"件 {case.reference} 已提请本单位督办"
            content = mail.get_content()
            assert "已超期 6 天" in content and "/inbox/escalated" in content
            assert SUBJECT not in content and CONTENT not in content
            db.session.remove()
