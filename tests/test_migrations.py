"""The migrations build exactly the schema the models describe, and come back down cleanly."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from feedback.extensions import db
from feedback.inbox import search
from feedback.models import Base, Case


def test_the_models_agree_with_alembic_upgrade_head(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": search.outside_search_index},
        )
        assert compare_metadata(context, Base.metadata) == []


def test_every_migration_downgrades_to_empty_and_upgrades_again(app_factory, empty_database_url):
    app = app_factory(SQLALCHEMY_DATABASE_URI=empty_database_url)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="heads")
        downgrade(directory=directory, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=directory, revision="heads")
        assert {"cases", "events", "items", "bodies"} <= set(inspect(db.engine).get_table_names())


def test_the_app_still_logs_after_the_migrations_ran_in_its_process(
    app_factory, empty_database_url
):
    """`flask feedback init` migrates in the process that goes on to log (an SMTP refusal, a
    rate-limit storage outage): Alembic's logging set-up must not silence the loggers already made."""
    app = app_factory(SQLALCHEMY_DATABASE_URI=empty_database_url)
    seen: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    app.logger.addHandler(handler)
    werkzeug = logging.getLogger("werkzeug")
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        app.logger.warning("the outbox cannot be read")
    finally:
        app.logger.removeHandler(handler)
    assert seen == ["the outbox cannot be read"]
    assert not werkzeug.disabled


INITIAL = "3869822c070a"
ROWS_AT_THE_FIRST_REVISION = [
    "INSERT INTO bodies VALUES (1, 'court', '五峰土家族自治县人民法院', '法院', 'Court', "
    "'0717-5193251', '', '', 15, 60, 30)",
    "INSERT INTO notices VALUES (1, 'n', '法院', '通报', '', '原文', '2026-11-01 00:00:00+00:00')",
    "INSERT INTO aspects VALUES (1, 1, 1, '一', '方面')",
    "INSERT INTO categories VALUES (1, 1, 1, '1', '类')",
    "INSERT INTO items VALUES (1, 1, 1, 1, '一.1.(1)', '党组理论学习不够到位', '已补学')",
    "INSERT INTO users VALUES (1, 'court-staff', 'x', 'staff', 1, TRUE, '2026-11-01 00:00:00+00:00')",
    "INSERT INTO cases (id, reference, tracking_hash, notice_id, item_id, kind, chosen_body, "
    "routing_reason, body_id, subject, content, anonymous, status, received_at, accepted_at, "
    "closed_at, due_at, extension_days, assignee_id, rating) VALUES (1, '2026-11-000001', 'h', 1, "
    "1, 'opinion', 'court', 'chosen', 1, '升级前的意见', '内容', FALSE, 'accepted', "
    "'2026-11-02 00:00:00+00:00', '2026-11-03 00:00:00+00:00', NULL, "
    "'2027-01-02 00:00:00+00:00', 0, 1, NULL)",
    "INSERT INTO contacts VALUES (1, '张三', '13812345678', '')",
    "INSERT INTO events (id, case_id, at, kind, public, body_id, actor_id, to_body_id, text) "
    "VALUES (1, 1, '2026-11-02 00:00:00+00:00', 'submitted', TRUE, 1, NULL, NULL, ''), "
    "(2, 1, '2026-11-03 00:00:00+00:00', 'accepted', TRUE, 1, 1, NULL, '')",
]


@contextmanager
def upgraded_from_the_first_revision(
    app_factory: Callable[..., Flask], url: str, rows: list[str]
) -> Iterator[None]:
    """An empty database at the first revision, given `rows`, then upgraded to the head."""
    app = app_factory(SQLALCHEMY_DATABASE_URI=url)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision=INITIAL)
        with db.engine.begin() as connection:
            for statement in rows:
                connection.execute(text(statement))
        upgrade(directory=directory, revision="heads")
        yield
        db.session.remove()


def test_upgrading_a_database_that_holds_cases_keeps_them_whole(app_factory, empty_database_url):
    """Later migrations rebuild tables on SQLite: nothing that refers to them may be lost."""
    with upgraded_from_the_first_revision(
        app_factory, empty_database_url, ROWS_AT_THE_FIRST_REVISION
    ):
        case = db.session.get(Case, 1)
        assert case is not None and case.subject == "升级前的意见"
        assert [event.kind.value for event in case.events] == ["submitted", "accepted"]
        assert case.contact is not None and case.contact.name == "张三"
        assert case.item is not None and case.item.code == "一.1.(1)"
        assert case.assignee is not None and case.assignee.username == "court-staff"


HISTORY_BEFORE_THE_OUTCOME_SUMMARY = [
    "UPDATE cases SET status = 'closed', closed_at = '2026-11-20 00:00:00+00:00', due_at = NULL",
    "INSERT INTO events (id, case_id, at, kind, public, body_id, actor_id, to_body_id, text) "
    "VALUES (3, 1, '2026-11-04 00:00:00+00:00', 'transferred', TRUE, 1, 1, NULL, '转办一'), "
    "(4, 1, '2026-11-06 00:00:00+00:00', 'transferred', TRUE, 1, 1, NULL, '转办二'), "
    "(5, 1, '2026-11-20 00:00:00+00:00', 'closed', TRUE, 1, 1, NULL, '已答复')",
]


def test_upgrading_fills_in_each_cases_reply_and_transfers_from_its_events(
    app_factory, empty_database_url
):
    with upgraded_from_the_first_revision(
        app_factory,
        empty_database_url,
        ROWS_AT_THE_FIRST_REVISION + HISTORY_BEFORE_THE_OUTCOME_SUMMARY,
    ):
        case = db.session.get(Case, 1)
        assert case is not None
        assert (case.reply, case.transfers) == ("已答复", 2)
        assert case.transferred_at == datetime(2026, 11, 6, tzinfo=UTC)
