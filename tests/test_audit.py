"""The audit log: every case view, contact reveal, download, export, login and case step is
recorded — who, when, what, which case — and managers and the admin read their parts of it."""

import pytest
from conftest import PASSWORD, body, login, new_case
from security_helpers import pdf
from sqlalchemy import select

from feedback.cases import attachments, months
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry, Kind, utcnow
from feedback.staff import audit

CONTACT = ContactDetails("李四", "13800000000", "")


def log():
    db.session.expire_all()
    return db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()


def last(action):
    return [e for e in log() if e.action is action][-1]


def test_opening_a_case_revealing_the_contact_and_each_step_are_recorded(client, staff):
    case, _ = new_case(contact=CONTACT)
    login(client, staff["court"])
    page = client.get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    assert "李四" not in page and "13800000000" not in page  # hidden until asked for
    viewed = last(AuditAction.CASE_VIEWED)
    assert (viewed.actor_name, viewed.case_id, viewed.case_reference) == (
        "court-staff",
        case.id,
        case.reference,
    )
    assert viewed.body_id == body("court").id and viewed.at is not None
    shown = client.post(f"/inbox/cases/{case.id}/contact").get_data(as_text=True)
    assert "李四" in shown and "13800000000" in shown
    assert last(AuditAction.CONTACT_REVEALED).case_id == case.id
    client.post(f"/inbox/cases/{case.id}/accept")
    client.post(
        f"/inbox/cases/{case.id}/transfer",
        data={
            "transfer-to_body": body("inspection").id,
            "transfer-reason": "转巡察办核查",
            "transfer-confirmed": "yes",
        },
    )
    steps = [e for e in log() if e.action is AuditAction.CASE_STEP]
    assert [s.detail for s in steps] == ["accept", "transfer"]
    assert all(s.body_id == body("court").id for s in steps)  # in the log of the body that acted


def test_an_anonymous_case_has_nothing_to_reveal_and_records_no_reveal(client, staff):
    case, _ = new_case()
    login(client, staff["court"])
    client.post(f"/inbox/cases/{case.id}/contact")
    assert not [e for e in log() if e.action is AuditAction.CONTACT_REVEALED]


def test_exports_are_recorded_from_the_inbox_and_the_command_line(client, staff, runner, tmp_path):
    login(client, staff["court-manager"])
    month = months.last_complete(utcnow())
    assert client.get(f"/inbox/export/download?month={month}&format=xlsx").status_code == 200
    entry = last(AuditAction.EXPORTED)
    assert (entry.actor_name, entry.detail, entry.body_id) == (
        "court-manager",
        f"{month} xlsx",
        body("court").id,
    )
    result = runner.invoke(
        args=["feedback", "export", "--month", "2026-10", "--output", str(tmp_path / "all.csv")]
    )
    assert result.exit_code == 0, result.output
    by_cli = [e for e in log() if e.action is AuditAction.EXPORTED and e.actor_id is None]
    assert sorted(e.body_id for e in by_cli) == sorted(
        body(slug).id for slug in ("court", "discipline", "inspection")
    )
    assert {e.detail for e in by_cli} == {"2026-10 csv"}


def test_logins_are_recorded_and_a_failure_names_only_an_account_that_exists(client, staff):
    client.post("/staff/login", data={"username": "court-staff", "password": "wrong password!"})
    client.post("/staff/login", data={"username": "mypassword-typed-here", "password": "x" * 12})
    login(client, staff["court"])
    client.post("/staff/logout")
    entries = log()
    failed = [e for e in entries if e.action is AuditAction.LOGIN_FAILED]
    assert [(e.actor_name, e.detail) for e in failed] == [
        ("court-staff", "password"),
        ("", "unknown"),
    ]
    assert "mypassword-typed-here" not in repr([vars(e) for e in entries])
    assert last(AuditAction.LOGIN).actor_name == "court-staff"
    assert last(AuditAction.LOGOUT).actor_name == "court-staff"


def test_account_changes_are_recorded(client, staff):
    login(client, staff["court-manager"])
    client.post(
        "/inbox/accounts",
        data={"username": "court-clerk", "password": PASSWORD, "role": "staff"},
    )
    client.post(f"/inbox/accounts/{staff['court'].id}/deactivate")
    actions = [(e.action, e.detail) for e in log() if e.actor_name == "court-manager"]
    assert (AuditAction.ACCOUNT_CREATED, "court-clerk (staff)") in actions
    assert (AuditAction.ACCOUNT_DEACTIVATED, "court-staff") in actions


def test_a_manager_reads_the_bodys_log_and_nothing_of_another_body(client, staff):
    court_case, _ = new_case()
    other_case, _ = new_case(kind=Kind.REPORT, chosen="discipline")
    audit.record(db.session, staff["discipline"], AuditAction.CASE_VIEWED, other_case)
    audit.record(db.session, staff["court"], AuditAction.CASE_VIEWED, court_case)
    db.session.commit()
    login(client, staff["court-manager"])
    page = client.get("/inbox/audit").get_data(as_text=True)
    assert "审计日志" in page and "打开案件" in page
    assert court_case.reference in page and "court-staff" in page
    assert other_case.reference not in page and "discipline-staff" not in page


def test_staff_who_are_not_managers_do_not_read_the_log(client, staff):
    login(client, staff["court"])
    assert client.get("/inbox/audit").status_code == 403


def test_the_admin_reads_logins_and_account_changes_but_no_case(client, staff):
    case, _ = new_case()
    audit.record(db.session, staff["court"], AuditAction.CASE_VIEWED, case)
    db.session.commit()
    client.post("/staff/login", data={"username": "court-staff", "password": "wrong password!"})
    login(client, staff["admin"])
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "登录失败" in page and "court-staff" in page and "密码错误" in page
    assert case.reference not in page and "打开案件" not in page


def test_entries_are_never_changed_or_deleted(app, staff):
    entry = audit.record(db.session, staff["court"], AuditAction.LOGIN)
    db.session.commit()
    entry.detail = "rewritten"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_link_followed_from_another_site_opens_and_records_nothing(
    app, client, staff, tmp_path, site
):
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "files")
    case, _ = new_case(subject="别的网站打开的案件")
    attachments.store(db.session, case, [attachments.CleanFile("pdf", pdf(b"attached"))])
    db.session.commit()
    login(client, staff["court-manager"])
    month = months.month_of(case.received_at)
    before = len(log())
    for path in (
        f"/inbox/cases/{case.id}",
        f"/inbox/cases/{case.id}/attachments/1",
        f"/inbox/export/download?month={month}&format=csv",
    ):
        response = client.get(path, headers={"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate"})
        page = response.get_data(as_text=True)
        assert response.status_code == 403 and "Content-Disposition" not in response.headers
        assert "别的网站打开的案件" not in page and "attached" not in page
        assert "来自其他网站的链接" in page and f'href="{path.replace("&", "&amp;")}"' in page
    assert len(log()) == before
    # The page's own link is followed from this site (or the address typed): now it opens.
    for fetch_site in ("same-origin", "none"):
        response = client.get(f"/inbox/cases/{case.id}", headers={"Sec-Fetch-Site": fetch_site})
        assert response.status_code == 200 and "别的网站打开的案件" in response.get_data(
            as_text=True
        )
    assert [e.action for e in log()[before:]] == [AuditAction.CASE_VIEWED] * 2
