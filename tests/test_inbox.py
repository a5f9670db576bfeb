"""The inbox list: overdue first, filters, pages, a constant number of queries, escaped text."""

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import pytz
from babel.dates import format_datetime
from conftest import PASSWORD, IsolatedClient, login, new_case, take_the_sqlite_write_lock
from flask import request_finished
from sqlalchemy import event, select

from feedback.cases import operations
from feedback.extensions import db
from feedback.inbox import listing
from feedback.models import Attachment, Case, Item, Kind, Notice, Role, User, utcnow
from feedback.staff import accounts

REFERENCE = re.compile(r">(\d{4}-\d{2}-\d{6})</a>")


def listed(client, query=""):
    """The references the inbox shows, in order, and the page itself."""
    response = client.get("/inbox/" + query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return REFERENCE.findall(page), page


def test_overdue_cases_come_first_then_the_newest(client, staff):
    old, _ = new_case(subject="最早的一件")
    middle, _ = new_case(subject="中间的一件")
    newest, _ = new_case(subject="最新的一件")
    for n, case in enumerate((old, middle, newest)):
        case.received_at = utcnow() - timedelta(days=10 - n)
    middle.due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    login(client, staff["court"])
    references, page = listed(client)
    assert references == [middle.reference, newest.reference, old.reference]
    assert page.count('<span class="badge overdue">已超期</span>') == 1
    assert page.count('<tr class="overdue">') == 1


@pytest.fixture
def three_cases(app, staff):
    """An opinion about one item, a complaint about another (accepted), an old 'other'."""
    opinion, _ = new_case(kind=Kind.OPINION, item_code="一.1.(1)", subject="意见一件")
    complaint, _ = new_case(kind=Kind.COMPLAINT, item_code="二.3", subject="投诉一件")
    other, _ = new_case(kind=Kind.OTHER, item_code=None, subject="其他一件")
    operations.accept(db.session, complaint, staff["court"])
    other.received_at = datetime(2025, 1, 15, 4, tzinfo=UTC)
    opinion.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    return opinion, complaint, other


def test_each_filter_narrows_the_list(client, staff, three_cases):
    opinion, complaint, other = three_cases
    login(client, staff["court"])
    assert set(listed(client)[0]) == {opinion.reference, complaint.reference, other.reference}
    assert listed(client, "?status=accepted")[0] == [complaint.reference]
    assert listed(client, "?kind=other")[0] == [other.reference]
    assert listed(client, f"?item={complaint.item_id}")[0] == [complaint.reference]
    assert listed(client, "?month=2025-01")[0] == [other.reference]
    assert listed(client, "?overdue=y")[0] == [opinion.reference]
    assert listed(client, "?status=received&kind=opinion")[0] == [opinion.reference]
    references, page = listed(client, "?status=closed")
    assert references == [] and "没有符合筛选条件的件。" in page


def test_overdue_only_among_closed_cases_is_an_empty_list(client, staff, three_cases):
    login(client, staff["court"])
    references, page = listed(client, "?overdue=y&status=closed")
    assert references == [] and "没有符合筛选条件的件。" in page


def test_the_list_speaks_english_when_asked(client, staff, three_cases):
    opinion = three_cases[0]
    client.set_cookie("lang", "en")
    login(client, staff["court"])
    page = listed(client, "?status=nonsense")[1]
    assert '<span class="badge received">Awaiting acceptance</span>' in page
    assert '<span class="badge overdue">Overdue</span>' in page
    assert ">Opinion or suggestion</td>" in page and ">Complaint</td>" in page
    assert '<option selected value="">All</option>' in page
    assert '<select aria-describedby="status-error" aria-invalid="true" id="status"' in page
    assert '<p class="error" id="status-error">Not a valid choice.</p>' in page
    assert f'<a href="/inbox/cases/{opinion.id}">{opinion.reference}</a>' in page


def test_the_filters_show_what_was_chosen(client, staff, three_cases):
    login(client, staff["court"])
    page = listed(client, "?status=accepted&kind=complaint&overdue=y")[1]
    assert '<option selected value="accepted">已受理</option>' in page
    assert '<option selected value="complaint">投诉</option>' in page
    assert '<option value="">全部</option><option value="received">' in page
    assert '<input checked id="overdue" name="overdue" type="checkbox" value="y">' in page


def test_the_item_filter_offers_the_notices_items(client, staff):
    login(client, staff["court"])
    page = listed(client)[1]
    options = re.search(r'<select id="item" name="item">(.*?)</select>', page, re.S)[1]
    items = db.session.execute(select(Item)).scalars().all()
    assert options.count("<option") == len(items) + 1
    assert "一.1.(1)" in options


def test_the_item_filter_lists_the_items_in_the_notices_order(client, staff):
    login(client, staff["court"])
    options = re.search(r'<select id="item" name="item">(.*?)</select>', listed(client)[1], re.S)[1]
    codes = re.findall(r'<option value="\d+">(\S+) ', options)
    notices = db.session.execute(select(Notice).order_by(Notice.id)).scalars()
    in_the_notice = [
        i.code for n in notices for a in n.aspects for c in a.categories for i in c.items
    ]
    assert codes == in_the_notice
    assert codes[:4] == ["一.1.(1)", "一.1.(2)", "一.1.(3)", "一.2.(1)"]


def test_an_empty_inbox_says_so(client, staff):
    new_case(chosen="inspection", subject="别的机关的件")
    login(client, staff["court"])
    references, page = listed(client)
    assert references == [] and "收件箱为空：尚未收到任何反映。" in page


@pytest.fixture
def small_pages(app_factory):
    app = app_factory(INBOX_PAGE_SIZE=2)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_pages_go_forward_and_back(small_pages):
    client = small_pages.test_client()
    made = [new_case(subject=f"第{n}件")[0].reference for n in range(5)]
    newest_first = made[::-1]
    user = db.session.execute(select(User).where(User.username == "court-staff")).scalar_one()
    login(client, user)
    first, page = listed(client, "?kind=opinion")
    assert first == newest_first[:2]
    assert 'href="/inbox/?kind=opinion&amp;page=2"' in page and "上一页" not in page
    second, page = listed(client, "?kind=opinion&page=2")
    assert second == newest_first[2:4]
    assert "上一页" in page and "下一页" in page
    third, page = listed(client, "?kind=opinion&page=3")
    assert third == newest_first[4:] and "下一页" not in page
    assert listed(client, "?page=0")[0] == first  # a page number below one means the first


@contextmanager
def counted_statements():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def fresh_request(client, url):
    """Request a page and count the SQL statements it took."""
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def user(username):
    """The account of that name, creating a court staff account if there is none yet."""
    found = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if found is not None:
        return found
    manager = user("court-manager")
    return accounts.create(db.session, manager, username, PASSWORD, Role.STAFF, "court").account


def make_cases(n, start):
    """Cases about different items, assigned to different people: lazy loads would show."""
    items = db.session.execute(select(Item).order_by(Item.id)).scalars().all()
    for k in range(start, start + n):
        case, _ = new_case(item_code=items[k % len(items)].code, subject=f"件{k}")
        assignee = user(f"court-clerk-{k}")
        operations.assign(db.session, case, user("court-manager"), assignee)
    db.session.commit()


def make_overdue(*references):
    for case in db.session.execute(select(Case).where(Case.reference.in_(references))).scalars():
        case.due_at = utcnow() - timedelta(days=1)
    db.session.commit()


def test_the_list_takes_the_same_number_of_queries_for_3_or_12_cases_at_any_page_size(
    app, client, staff
):
    make_cases(3, 0)
    login(client, staff["court-manager"])
    counts = []
    for n, size in enumerate((50, 2, 5)):  # all of them, two overdue and more, a mixed page
        app.config["INBOX_PAGE_SIZE"] = size
        few, page = fresh_request(client, "/inbox/")
        assert len(REFERENCE.findall(page)) == min(3 + 3 * n, size)
        counts.append(few)
        make_cases(3, 3 + 3 * n)
        make_overdue(*REFERENCE.findall(page)[-1:])
    app.config["INBOX_PAGE_SIZE"] = 50
    many, page = fresh_request(client, "/inbox/")
    assert len(REFERENCE.findall(page)) == 12
    assert counts == [many] * 3


def test_the_case_page_takes_the_same_number_of_queries_for_1_or_10_events(client, staff):
    quiet, _ = new_case(subject="只有一个事件")
    busy, _ = new_case(subject="有十个事件")
    operations.accept(db.session, busy, staff["court"])
    operations.assign(db.session, busy, staff["court-manager"], staff["court"])
    for n in range(7):
        clerk = user(f"court-clerk-{n}")
        operations.add_note(db.session, busy, clerk, f"备注{n}")
        clerk.active = False  # since left: not among the colleagues the page lists anyway
    db.session.commit()
    assert len(busy.events) == 10
    login(client, staff["court-manager"])
    one, page = fresh_request(client, f"/inbox/cases/{quiet.id}")
    assert page.count("<time") >= 2
    ten, page = fresh_request(client, f"/inbox/cases/{busy.id}")
    assert "备注6" in page
    assert one == ten


def test_the_case_page_takes_the_same_number_of_queries_with_or_without_attachments(client, staff):
    bare, _ = new_case(subject="没有附件")
    with_files, _ = new_case(subject="有三个附件")
    for number in (1, 2, 3):
        db.session.add(
            Attachment(
                case=with_files,
                number=number,
                stored_name=f"test-{with_files.id}-{number}",
                media_type="image/png",
                size=1000 * number,
            )
        )
    db.session.commit()
    login(client, staff["court"])
    none, page = fresh_request(client, f"/inbox/cases/{bare.id}")
    assert "/attachments/" not in page
    three, page = fresh_request(client, f"/inbox/cases/{with_files.id}")
    assert page.count(f'href="/inbox/cases/{with_files.id}/attachments/') == 3
    assert none == three


def test_markup_a_citizen_sent_is_shown_as_text(client, staff):
    case, _ = new_case(
        subject='<script>alert("s")</script>', content='<img src=x onerror="alert(1)"><b>粗</b>'
    )
    login(client, staff["court"])
    page = listed(client)[1]
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    page = client.get(f"/inbox/cases/{case.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page and "<b>粗</b>" not in page


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
def test_the_lists_local_times_are_babels(app, zone):
    """The list formats times itself, and must show what Babel's date filters would."""
    tz = pytz.timezone(zone)
    times = listing.LocalTimes(tz)
    start = datetime(2024, 3, 9, 0, 0, 7, 123456, tzinfo=UTC)
    for hours in range(0, 24 * 400, 7):  # a year and more, across the changes of time
        moment = start + timedelta(hours=hours, minutes=hours % 60)
        assert times.minute(moment) == format_datetime(
            moment, "yyyy-MM-dd HH:mm", tzinfo=tz, locale="zh_Hans_CN"
        )
        assert times.day(moment) == format_datetime(moment, "yyyy-MM-dd", tzinfo=tz, locale="en")
    with app.test_request_context("/inbox/"):
        render = app.jinja_env.from_string(
            '{{ t|datetimeformat("yyyy-MM-dd HH:mm") }} {{ t|dateformat("yyyy-MM-dd") }}'
        ).render
        times = listing.LocalTimes()
        for hours in range(0, 24 * 40, 5):
            moment = start + timedelta(hours=hours)
            assert f"{times.minute(moment)} {times.day(moment)}" == render(t=moment)


def test_subjects_are_cut_as_jinjas_truncate_cuts_them(app):
    truncate = app.jinja_env.from_string('{{ s|truncate(30, true, "…", 0) }}').render
    for length in (0, 1, 29, 30, 31, 60):
        subject = "反映" * (length // 2) + "x" * (length % 2)
        assert listing.short_subject(subject) == truncate(s=subject)


def list_statement(client, query):
    """The statement (and its parameters) that selected the page's cases."""
    captured = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM cases" in statement and "LIMIT" in statement and "JOIN items" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get("/inbox/" + query).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert len(captured) == 1, captured
    return captured[0]


def sqlite_plan_problems(statement, parameters):
    """Full scans of cases, and cases read through an index only to be sorted afterwards."""
    rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    levels = {}
    for _id, parent, _unused, detail in rows:
        levels.setdefault(parent, []).append(detail)
    problems = [d for details in levels.values() for d in details if d.startswith("SCAN cases")]
    for details in levels.values():
        if "USE TEMP B-TREE FOR ORDER BY" in details:
            problems += [
                f"sorted after {d}"
                for d in details
                if d.startswith("SEARCH cases USING") and "PRIMARY KEY" not in d
            ]
    return problems


def postgres_plan_problems(statement, parameters):
    """With sequential scans, bitmap scans and sorts priced out, what still needs them: a scan
    of cases, or a sort of cases read by more than their primary key with no LIMIT between."""
    connection = db.session.connection()
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
    db.session.rollback()
    problems = []

    def walk(node, sorting):
        kind = node["Node Type"]
        reads_cases = node.get("Relation Name") == "cases"
        if kind == "Seq Scan" and reads_cases:
            problems.append("Seq Scan on cases")
        if sorting and reads_cases and node.get("Index Name") != "pk_cases":
            problems.append(f"Sort over {kind} using {node.get('Index Name')}")
        for child in node.get("Plans", []):
            walk(child, (sorting or kind == "Sort") and kind != "Limit")

    walk(plan[0]["Plan"], False)
    return problems


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=received",
        "?status=closed&kind=complaint",
        "?kind=report",
        "?item=ITEM",
        "?month=2026-01",
        "?overdue=y",
        "?status=accepted&page=3",
    ],
)
def test_the_list_walks_indexes_and_never_sorts_the_whole_inbox(client, staff, query):
    """Whatever the filter, each part of the page reads an index in the order shown (no full
    scan, no sort of every matching case): the page costs the same with millions of cases."""
    make_cases(4, 0)
    login(client, staff["court"])
    item_id = db.session.execute(select(Case.item_id).limit(1)).scalar()
    statement, parameters = list_statement(client, query.replace("ITEM", str(item_id)))
    if db.engine.dialect.name == "postgresql":
        assert postgres_plan_problems(statement, parameters) == []
    else:
        assert sqlite_plan_problems(statement, parameters) == []


def test_the_inbox_lets_go_of_the_database_before_its_page_is_sent(
    app, client, staff, database_url
):
    """On SQLite a request's transaction holds the write lock: it ends before the page goes out,
    so that the next request, a citizen's or this person's next click, does not wait for it."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has no database-wide write lock")
    new_case()
    login(client, staff["court"])
    writers: list[str] = []

    def a_writer_as_the_page_goes_out(sender, response, **extra):
        take_the_sqlite_write_lock(database_url)
        writers.append("went ahead")

    with request_finished.connected_to(a_writer_as_the_page_goes_out, app):
        references, _ = listed(client)

    assert len(references) == 1 and writers == ["went ahead"]


def page_statements(client, path):
    """Every statement reading cases that the page ran, with its parameters."""
    captured = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM cases" in statement and statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return captured


def test_no_part_of_the_inbox_page_reads_every_case(client, staff):
    """The figures, the escalations and the follow-up questions awaiting an answer at the top of
    the page read indexes too: with a million cases the page opens as fast as with a thousand."""
    make_cases(4, 0)
    login(client, staff["court"])
    statements = page_statements(client, "/inbox/")
    assert statements
    for statement, parameters in statements:
        if db.engine.dialect.name == "postgresql":
            assert postgres_plan_problems(statement, parameters) == [], statement
        else:
            assert sqlite_plan_problems(statement, parameters) == [], statement
