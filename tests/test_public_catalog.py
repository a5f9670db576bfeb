"""Each worker keeps the published catalog in memory: a change made anywhere shows at once."""

import subprocess
import sys
from datetime import timedelta

from conftest import body, case_count, item
from notice_helpers import import_sample
from public_helpers import receipt, valid_form
from sqlalchemy import event, select

from feedback.extensions import db
from feedback.models import Case, CatalogStamp, ItemStatus
from feedback.notices import editing, window

ONGOING = 'class="badge item-ongoing">持续推进</span>'


def test_another_workers_edit_shows_on_the_next_page_of_this_one(app, app_factory):
    """Two apps on one database are two workers: the second has the catalog in memory."""
    worker = app_factory().test_client()
    ongoing = worker.get("/").get_data(as_text=True).count(ONGOING)
    assert item("一.1.(1)").status is ItemStatus.DONE

    editing.set_status(item("一.1.(1)"), ItemStatus.ONGOING)
    item("一.1.(1)").title = "改过的问题标题"
    body("court").phone = "0717-0000000"
    db.session.commit()

    html = worker.get("/").get_data(as_text=True)
    assert "改过的问题标题" in html and html.count(ONGOING) == ongoing + 1
    assert '<a href="tel:07170000000">0717-0000000</a>' in html


def test_a_window_closed_elsewhere_stops_submissions_on_every_worker(app, app_factory):
    worker = app_factory().test_client()
    notice = item("一.1.(1)").notice
    assert 'name="subject"' in worker.get(f"/n/{notice.slug}/submit").get_data(as_text=True)

    yesterday = window.today() - timedelta(days=1)
    editing.set_window(notice, notice.opens_on, yesterday)
    db.session.commit()

    refused = worker.post(f"/n/{notice.slug}/submit", data=valid_form())
    assert refused.status_code == 403
    assert 'name="subject"' not in worker.get("/submit").get_data(as_text=True)
    assert case_count() == 0


def test_a_notice_published_elsewhere_is_listed_and_takes_messages(app, app_factory):
    worker = app_factory().test_client()
    assert "五峰土家族自治县人民医院" not in worker.get("/").get_data(as_text=True)

    notice = import_sample("guanyu-measures")

    assert "五峰土家族自治县人民医院" in worker.get("/").get_data(as_text=True)
    notice_id, slug = notice.id, notice.slug
    first = notice.aspects[0].categories[0].items[0].id
    db.session.commit()  # the test's reads end: on SQLite its transaction holds the write lock
    sent = worker.post(
        f"/n/{slug}/submit",
        data=valid_form(item=str(first), body="unsure", confirm_routing="1"),
    )
    reference, _ = receipt(sent)
    case = db.session.query(Case).filter_by(reference=reference).one()
    assert (case.notice_id, case.item_id) == (notice_id, first)


def test_a_submission_reads_the_stamp_without_a_second_connection_on_postgresql(client):
    """On PostgreSQL each pooled connection costs a ping and each transaction a BEGIN and a
    COMMIT, so the stamp is read in the request's own; on SQLite that one would take the write
    lock, so the stamp is read on a read-only connection of its own."""
    client.get("/submit")
    checkouts = []

    def count(*_args):
        checkouts.append(1)

    event.listen(db.engine, "checkout", count)
    try:
        reference, _code = receipt(client.post("/submit", data=valid_form()))
    finally:
        event.remove(db.engine, "checkout", count)
    assert reference
    assert len(checkouts) == (2 if db.engine.dialect.name == "sqlite" else 1)


# A program that writes a body with the models alone: no application, no blueprint loaded.
CHANGE_A_BODY = """
import sys
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from feedback.models import Body
with Session(create_engine(sys.argv[1])) as session:
    court = session.scalars(select(Body).where(Body.slug == "court")).one()
    court.phone = "0717-1111111"
    session.commit()
print(sorted(name for name in sys.modules if name.startswith("feedback.")))
"""


def test_a_change_written_through_the_models_alone_shows_on_the_public_pages(client, database_url):
    """The stamp's renewal lives with the catalog's models: any writer renews it, whether or
    not it has loaded the public pages (a command, a script, the administrator's pages)."""
    assert "0717-1111111" not in client.get("/").get_data(as_text=True)
    before = db.session.scalar(select(CatalogStamp.stamp))
    db.session.commit()  # the test's reads end: on SQLite its transaction holds the write lock

    done = subprocess.run(
        [sys.executable, "-c", CHANGE_A_BODY, database_url],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "feedback.public" not in done.stdout
    assert db.session.scalar(select(CatalogStamp.stamp)) != before
    assert '<a href="tel:07171111111">0717-1111111</a>' in client.get("/").get_data(as_text=True)
