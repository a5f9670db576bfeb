"""The inbox's figures at the top, and the month pickers of the inbox and the export."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import body, login, new_case
from sqlalchemy import func, select

from demo.data import generate
from feedback.cases import months, operations
from feedback.extensions import db
from feedback.inbox import queries
from feedback.models import Case, Status, utcnow

FIGURE = re.compile(r'<span class="figure">(\d+)</span> ([^<]+)<')
REFERENCE = re.compile(r">(\d{4}-\d{2}-\d{6})</a>")


def figures(client, query=""):
    response = client.get("/inbox/" + query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return {label.strip(): int(n) for n, label in FIGURE.findall(page)}, page


@pytest.fixture
def five_cases(app, staff):
    """Four cases of the court, one overdue, one due in two days, one old and declined; one of
    the inspection office."""
    now = utcnow()
    overdue, _ = new_case(subject="已超期的件")
    soon, _ = new_case(subject="两天后到期的件")
    later, _ = new_case(subject="三天多后到期的件")
    old, _ = new_case(subject="去年不予受理的件")
    new_case(chosen="inspection", subject="巡察办的件")
    operations.accept(db.session, soon, staff["court"])
    operations.decline(db.session, old, staff["court"], "不属于受理范围")
    overdue.due_at = now - timedelta(hours=1)
    soon.due_at = now + timedelta(days=2)
    later.due_at = now + timedelta(days=3, hours=1)
    old.received_at = datetime(2025, 1, 15, 4, tzinfo=UTC)
    db.session.commit()
    return overdue, soon, later, old


def test_the_figures_count_the_bodys_cases_by_status_deadline_and_month(client, staff, five_cases):
    overdue, soon, later, _old = five_cases
    login(client, staff["court"])
    counted, page = figures(client)
    assert counted == {
        "待受理": 2,
        "已受理": 1,
        "不予受理": 1,
        "已办结": 0,
        "已超期": 1,
        "3 日内到期": 1,
        "本月收到": 3,
    }
    assert '<li class="alarm"><a class="tile" href="/inbox/?overdue=y">' in page
    this_month = months.month_of(utcnow())
    shown = set(REFERENCE.findall(client.get(f"/inbox/?month={this_month}").get_data(as_text=True)))
    assert shown == {overdue.reference, soon.reference, later.reference}


def test_the_figures_stay_the_whole_inbox_whatever_the_filters(client, staff, five_cases):
    login(client, staff["court"])
    assert figures(client, "?status=closed")[0] == figures(client)[0]


def test_the_figures_read_from_the_tallies_equal_the_cases_counted_one_by_one(app, staff):
    """The totals and this month's count come from the tallies kept with the cases: after two
    years of generated cases and the steps of staff on new ones, they are what counting the
    cases themselves gives."""
    generate(db.session, 400, tracking_code="DEMO-0000-1111-2222-3333", months=24, seed=3)
    fresh = [new_case(subject=f"新的件 {n}")[0] for n in range(4)]
    operations.accept(db.session, fresh[0], staff["court"])
    operations.decline(db.session, fresh[1], staff["court"], "不属于受理范围")
    operations.accept(db.session, fresh[2], staff["court"])
    operations.close(db.session, fresh[2], staff["court"], "已办结，答复如下。")
    fresh[3].due_at = utcnow() - timedelta(minutes=5)  # overdue since a moment ago
    db.session.commit()
    now = utcnow()
    for slug in ("court", "discipline", "inspection"):
        body_id = body(slug).id
        shown = queries.inbox_figures(db.session, body_id, now)
        of_body = Case.body_id == body_id
        counted = dict.fromkeys(Status, 0)
        for status, n in db.session.execute(
            select(Case.status, func.count()).where(of_body).group_by(Case.status)
        ):
            counted[status] = n
        overdue = db.session.execute(
            select(func.count()).where(of_body, Case.due_at < now)
        ).scalar_one()
        start, end = months.parse_month(months.month_of(now))
        this_month = db.session.execute(
            select(func.count()).where(of_body, Case.received_at >= start, Case.received_at < end)
        ).scalar_one()
        assert shown.by_status == counted, slug
        assert shown.overdue == overdue, slug
        assert shown.received_this_month.cases == this_month, slug
    assert sum(queries.inbox_figures(db.session, body("court").id, now).by_status.values()) > 100


def test_an_inbox_with_no_case_counts_zeros_and_no_alarm(client, staff):
    new_case(chosen="inspection", subject="巡察办的件")
    login(client, staff["court"])
    counted, page = figures(client)
    assert set(counted.values()) == {0} and len(counted) == 7
    assert 'class="alarm"' not in page and 'class="soon"' not in page


def test_the_inbox_list_is_not_held_in_a_reading_column(client, staff):
    login(client, staff["court-manager"])
    assert '<main class="wide">' in client.get("/inbox/").get_data(as_text=True)
    assert "<main>" in client.get("/inbox/export").get_data(as_text=True)  # a form reads narrow


def test_the_inbox_month_filter_offers_the_bodys_months_newest_first(client, staff, five_cases):
    login(client, staff["court"])
    page = figures(client)[1]
    select = re.search(r'<select id="month" name="month">(.*?)</select>', page, re.S)[1]
    values = re.findall(r'value="([^"]*)"', select)
    now = utcnow()
    assert values[0] == "" and values[1] == months.month_of(now)
    assert values[-1] == "2025-01"  # the month of the body's oldest case
    assert values[1:] == sorted(values[1:], reverse=True)
    assert f"{months.month_of(now)}（本月，截至目前）" in select


@pytest.mark.parametrize("month", ["2025-13", "25-01", "一月", "1999-01"])
def test_a_month_not_offered_is_explained_and_the_list_still_shown(
    client, staff, five_cases, month
):
    login(client, staff["court"])
    page = figures(client, f"?month={month}&status=declined")[1]
    assert '<p class="error" id="month-error">请从列表中选择月份。</p>' in page
    assert REFERENCE.findall(page)[-1:] == [five_cases[3].reference]  # the status still applies


def test_the_export_offers_the_last_complete_month_by_default(client, staff):
    login(client, staff["court-manager"])
    page = client.get("/inbox/export").get_data(as_text=True)
    now = utcnow()
    assert f'<option selected value="{months.last_complete(now)}">' in page
    assert f"{months.month_of(now)}（本月，截至目前）" in page
    assert '<select id="month" name="month">' in page and 'type="text"' not in page


@pytest.mark.parametrize("month", ["2026-13", "", "last month", "1999-01"])
def test_an_export_month_not_offered_is_refused(client, staff, month):
    login(client, staff["court-manager"])
    response = client.get(f"/inbox/export/download?month={month}&format=csv")
    assert response.status_code == 400
    assert "Content-Disposition" not in response.headers
    assert "请从列表中选择月份。" in response.get_data(as_text=True)


def test_a_month_picker_goes_from_the_first_case_across_the_new_year(app):
    now = datetime(2026, 1, 5, 3, tzinfo=UTC)
    first = datetime(2025, 11, 20, 3, tzinfo=UTC)
    assert months.since(first, now) == ["2026-01", "2025-12", "2025-11"]
    assert months.since(None, now) == ["2026-01", "2025-12"]
    assert months.last_complete(now) == "2025-12"
    # 2026-01-31 20:00 UTC is already February in Shanghai: its last complete month is January.
    assert months.last_complete(datetime(2026, 1, 31, 20, tzinfo=UTC)) == "2026-01"


def test_a_group_of_near_copies_counts_once_among_the_months_requests(client, staff):
    text = "诉讼服务大厅门前的停车场一直被施工围挡占用，前来办事的群众只能把车停在路边。"
    copies = [
        new_case(subject="停车难", content=greeting + text)[0]
        for greeting in ("", "您好！", "领导：")
    ]
    new_case(subject="网上立案", content="网上立案系统上传材料总是失败，希望尽快修复。")
    new_case(subject="执行款", content="执行款到账后迟迟没有发放，请核实原因。")
    login(client, staff["court"])
    assert "同一诉求" not in figures(client)[1]

    operations.link(db.session, copies[0], staff["court"], [c.id for c in copies[1:]])
    db.session.commit()
    counted, page = figures(client)

    assert counted["本月收到"] == 5
    assert "同一诉求合并计 3 项（其中 3 件归入 1 组）" in page
