"""The conflict rule by body identity: a report never reaches the inspected unit's own body.

Every path by which a body could come to hold a report about the unit it plays in a notice: a
notice edit or an import that gives one body two roles, a role change for a body that holds
reports, a submission through a catalog a moment old. Each is refused in Chinese, and nothing
changes. Transfers to the unit are refused by test_cases.py and test_inbox_case.py.
"""

import contextvars
import threading
import time
from collections.abc import Callable

import pytest
from alembic.script import ScriptDirectory
from conftest import body, case_count, login, new_case
from databases import POSTGRES_URL
from flask_migrate import upgrade
from notice_helpers import import_sample, sample
from public_helpers import post_form
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from test_notice_admin import edit_data, seed

from feedback.cases import operations
from feedback.cases.operations import Submission
from feedback.extensions import db
from feedback.models import (
    AuditAction,
    AuditEntry,
    BodyRole,
    Kind,
    Notice,
    NoticeBody,
    Status,
)
from feedback.notices import catalog
from feedback.notices.loader import SEED_SLUG, import_notice, seed_text

TWO_ROLES = "不能同时担任{}和{}：同一份通报中一个机关只能承担一个角色"


def links(notice: Notice) -> dict[str, str]:
    db.session.expire_all()
    return {link.role.value: link.body.slug for link in notice.body_links}


def entries(action: AuditAction) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


def notice_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Notice))


@pytest.mark.parametrize(
    ("role", "given", "message"),
    [
        (
            "discipline",
            "court",
            "五峰土家族自治县人民法院" + TWO_ROLES.format("被巡察单位", "纪检监察组"),
        ),
        ("court", "inspection", TWO_ROLES.format("被巡察单位", "巡察办")),
        ("inspection", "discipline", TWO_ROLES.format("纪检监察组", "巡察办")),
    ],
)
def test_the_notice_page_refuses_one_body_in_two_roles_and_changes_nothing(
    client, staff, role, given, message
):
    login(client, staff["admin"])
    notice = seed()
    before = links(notice)
    data = edit_data(notice, title="改过的标题", **{f"body_{role}": str(body(given).id)})
    response = client.post(f"/admin/notices/{notice.id}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert links(notice) == before
    assert notice.title != "改过的标题"
    assert entries(AuditAction.NOTICE_CHANGED) == []


@pytest.mark.parametrize("closed", [False, True])
def test_a_body_holding_reports_of_the_notice_cannot_become_its_inspected_unit(
    client, staff, closed
):
    case, _ = new_case(kind=Kind.REPORT, chosen="discipline")
    if closed:  # a closed report stays in the body's inbox, contact details and all
        operations.accept(db.session, case, staff["discipline"])
        operations.close(db.session, case, staff["discipline"], "已查实并处理")
        db.session.commit()
    login(client, staff["admin"])
    notice = seed()
    before = links(notice)
    swap = {"body_court": str(body("discipline").id), "body_discipline": str(body("court").id)}
    response = client.post(f"/admin/notices/{notice.id}", data=edit_data(notice, **swap))
    assert response.status_code == 400
    assert (
        "持有通过本通报收到的 1 件“检举控告”，而被巡察单位不得持有此类件：请为该角色选择其他机关。"
        in response.get_data(as_text=True)
    )
    assert links(notice) == before
    db.session.refresh(case)
    assert case.body.slug == "discipline"
    assert case.status is (Status.CLOSED if closed else Status.RECEIVED)


def import_seed_text(runner, tmp_path, *options: str):
    path = tmp_path / "notice.txt"
    path.write_text(seed_text(), encoding="utf-8")
    args = ["feedback", "import-notice", str(path), "--unit", "五峰土家族自治县人民法院"]
    return runner.invoke(args=[*args, "--slug", "wufeng-again", *options])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        # --discipline names the court's body; the unit's contact finds it by name as well.
        (["--discipline", "court"], TWO_ROLES.format("被巡察单位", "纪检监察组")),
        (["--discipline", "court", "--dry-run"], TWO_ROLES.format("被巡察单位", "纪检监察组")),
        # The discipline group's contact finds by name the body --court names.
        (["--court", "discipline"], TWO_ROLES.format("被巡察单位", "纪检监察组")),
        (
            ["--court", "inspection", "--inspection", "inspection"],
            TWO_ROLES.format("被巡察单位", "巡察办"),
        ),
    ],
)
def test_an_import_that_gives_one_body_two_roles_is_refused_and_stores_nothing(
    runner, tmp_path, options, message
):
    before = notice_count()
    result = import_seed_text(runner, tmp_path, *options)
    assert result.exit_code != 0
    assert message in result.output
    assert notice_count() == before
    assert entries(AuditAction.NOTICE_IMPORTED) == []


def test_the_database_refuses_a_body_in_two_roles_of_one_notice(app):
    text_without_contacts = sample("comma-aspects").split("欢迎广大干部群众")[0]
    draft = import_notice(db.session, text_without_contacts, "中共渔洋关镇委员会", publish=False)
    court = body("court")
    draft.notice.body_links.append(NoticeBody(role=BodyRole.COURT, body=court))
    db.session.flush()
    draft.notice.body_links.append(NoticeBody(role=BodyRole.DISCIPLINE, body=court))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_report_sent_through_a_catalog_a_moment_old_never_reaches_the_new_inspected_unit(
    client,
):
    notice_id = catalog.current().by_slug(SEED_SLUG).id  # this worker's copy of the catalog
    court, discipline, inspection = (
        body(slug).id for slug in ("court", "discipline", "inspection")
    )
    db.session.commit()
    # Another worker swaps the roles; this worker has not reloaded its catalog yet.
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM notice_bodies WHERE notice_id = :n"), {"n": notice_id})
        connection.execute(
            text(
                "INSERT INTO notice_bodies (notice_id, role, body_id) VALUES "
                "(:n, 'court', :discipline), (:n, 'discipline', :court), (:n, 'inspection', :i)"
            ),
            {"n": notice_id, "court": court, "discipline": discipline, "i": inspection},
        )
    before = case_count()
    response = post_form(client, kind="report", body="discipline")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert (
        "这件检举控告未能送出：它将送达的机关是本通报的被巡察单位。内容未保存，请重新提交。" in page
    )
    assert "receipt-code" not in page
    assert case_count() == before


def test_importing_editing_publishing_and_discarding_a_notice_are_audited(
    client, staff, runner, tmp_path
):
    login(client, staff["admin"])
    response = client.post(
        "/admin/notices/new",
        data={"unit": "五峰土家族自治县林业局", "text": sample("totals-mismatch"), "slug": "linye"},
    )
    assert response.status_code == 302
    imported = entries(AuditAction.NOTICE_IMPORTED)
    assert [(e.actor_name, e.detail.split(";")[0]) for e in imported] == [("admin", "linye")]

    notice = seed()
    swap = {
        "body_discipline": str(body("inspection").id),
        "body_inspection": str(body("discipline").id),
    }
    assert (
        client.post(f"/admin/notices/{notice.id}", data=edit_data(notice, **swap)).status_code
        == 302
    )
    assert links(notice) == {
        "court": "court",
        "discipline": "inspection",
        "inspection": "discipline",
    }
    [changed] = entries(AuditAction.NOTICE_CHANGED)
    assert changed.actor_name == "admin"
    assert changed.detail == (
        f"{SEED_SLUG}; discipline: discipline → inspection; inspection: inspection → discipline"
    )

    draft = db.session.scalars(select(Notice).where(Notice.slug == "linye")).one()
    publish = edit_data(draft, action="publish", **{"body_discipline": str(body("discipline").id)})
    assert client.post(f"/admin/notices/{draft.id}", data=publish).status_code == 302
    [published] = entries(AuditAction.NOTICE_PUBLISHED)
    assert published.actor_name == "admin" and published.detail.startswith("linye; ")

    other = import_sample("guanyu-measures", publish=False)
    assert client.post(f"/admin/notices/{other.id}/discard").status_code == 302
    [discarded] = entries(AuditAction.NOTICE_DISCARDED)
    assert discarded.detail.startswith("guanyu-measures; ")

    result = import_seed_text(runner, tmp_path, "--court", "court")
    assert result.exit_code == 0, result.output
    by_command = [e for e in entries(AuditAction.NOTICE_IMPORTED) if not e.actor_name]
    assert [e.detail for e in by_command] == [
        "wufeng-again; court: court; discipline: discipline; inspection: inspection"
    ]
    assert entries(AuditAction.NOTICE_PUBLISHED)[-1].detail.startswith("wufeng-again; ")

    page = client.get("/admin/audit").get_data(as_text=True)
    for label in ("导入了通报", "修改了通报", "发布了通报", "删除了通报草稿", "命令行"):
        assert label in page


ONE_ROLE_PER_BODY = "f3a8c6d1e9b2"


def test_the_upgrade_stops_at_a_notice_whose_body_plays_two_roles(
    app_factory, empty_database_url, capfd
):
    app = app_factory(SQLALCHEMY_DATABASE_URI=empty_database_url)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="d4e9a2b6c8f1")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO bodies (id, slug, name, short_name, name_en, phone, address, postcode, "
                "accept_days, close_days, max_extension_days) VALUES (1, 'court', '法院', '法院', "
                "'Court', '0717-5193251', '', '', 15, 60, 30)",
                "INSERT INTO notices (id, slug, unit, title, preamble, source_text, created_at) "
                "VALUES (7, 'n', '法院', '通报', '', '原文', '2026-11-01 00:00:00+00:00')",
                "INSERT INTO notice_bodies (notice_id, role, body_id) "
                "VALUES (7, 'court', 1), (7, 'discipline', 1)",
            ):
                connection.execute(text(statement))
        with pytest.raises(SystemExit):  # `flask db upgrade` prints the reason and exits 1
            upgrade(directory=directory, revision="heads")
        assert "notice n (/admin/notices/7): body court" in capfd.readouterr().err
        # Neither the refusing migration nor any later one is applied. PostgreSQL runs the whole
        # upgrade in one transaction, so nothing of it stays; SQLite keeps the ones before.
        before = ScriptDirectory(directory).get_revision(ONE_ROLE_PER_BODY).down_revision
        kept = "d4e9a2b6c8f1" if db.engine.dialect.name == "postgresql" else before
        with db.engine.connect() as connection:
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == kept


def wait_until_someone_waits_for_a_lock() -> None:
    """Return once a connection to this test's database waits for a row lock."""
    deadline = time.monotonic() + 10
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with db.engine.connect() as watcher:
        while not watcher.scalar(query):
            assert time.monotonic() < deadline, "nobody waited for the lock"
            time.sleep(0.01)
            watcher.rollback()


def in_background(call: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    """Run `call` in a thread that shares the test's contexts (the app, the client)."""
    result: dict[str, object] = {}
    context = contextvars.copy_context()
    thread = threading.Thread(target=lambda: result.update(value=context.run(call)))
    thread.start()
    return thread, result


@pytest.mark.skipif(not POSTGRES_URL, reason="SQLite lets one writer in at a time")
def test_a_report_sent_while_an_edit_makes_its_body_the_inspected_unit_waits_and_is_refused(
    client,
):
    notice_id = seed().id
    court, discipline, inspection = (
        body(slug).id for slug in ("court", "discipline", "inspection")
    )
    db.session.commit()
    before = case_count()
    with db.engine.connect() as admin:  # an edit of the roles, not committed yet
        admin.execute(text("SELECT id FROM notices WHERE id = :n FOR UPDATE"), {"n": notice_id})
        admin.execute(text("DELETE FROM notice_bodies WHERE notice_id = :n"), {"n": notice_id})
        admin.execute(
            text(
                "INSERT INTO notice_bodies (notice_id, role, body_id) VALUES "
                "(:n, 'court', :discipline), (:n, 'discipline', :court), (:n, 'inspection', :i)"
            ),
            {"n": notice_id, "court": court, "discipline": discipline, "i": inspection},
        )
        thread, result = in_background(lambda: post_form(client, kind="report", body="discipline"))
        wait_until_someone_waits_for_a_lock()
        admin.commit()
    thread.join(10)
    assert result["value"].status_code == 409
    assert case_count() == before


@pytest.mark.skipif(not POSTGRES_URL, reason="SQLite lets one writer in at a time")
def test_an_edit_made_while_a_report_is_on_its_way_to_the_new_unit_waits_and_is_refused(
    client, staff
):
    login(client, staff["admin"])
    notice = seed()
    swap = {"body_court": str(body("discipline").id), "body_discipline": str(body("court").id)}
    data = edit_data(notice, **swap)
    stale = catalog.current().by_slug(SEED_SLUG)
    db.session.commit()
    before = links(notice)
    db.session.commit()
    with db.engine.connect() as citizen, Session(bind=citizen) as session:
        report = Submission(
            Kind.REPORT, "discipline", None, "举报", "某法官收受当事人财物。", None, stale
        )
        operations.submit(session, report)  # stored, not committed yet
        thread, result = in_background(
            lambda: client.post(f"/admin/notices/{notice.id}", data=data)
        )
        wait_until_someone_waits_for_a_lock()
        session.commit()
    thread.join(10)
    response = result["value"]
    assert response.status_code == 400
    assert "持有通过本通报收到的 1 件“检举控告”" in response.get_data(as_text=True)
    assert links(notice) == before
