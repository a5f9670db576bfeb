"""A body's month in figures (/inbox/figures): the numbers a manager reports upward, their charts
and downloads, and the tallies behind them, which add up as the export's rows do."""

import csv
import io
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from conftest import body, login, new_case
from public_helpers import valid_form
from served import Citizen, gunicorn
from sqlalchemy import select

from demo.data import generate
from feedback.cases import exports, figures, months, operations
from feedback.extensions import db
from feedback.models import CaseTally, Kind, Rating, Status, utcnow

MONTH = "2026-10"
TILE = re.compile(r'<span class="figure">([^<]+)</span>\s*([^<]+)<')


def at(day: int, hour: int = 2) -> datetime:
    """A time in October 2026, in UTC (10:00 in Shanghai at hour 2)."""
    return datetime(2026, 10, day, hour, tzinfo=UTC)


@pytest.fixture
def october(app, staff):
    """The court's October: a case closed in time and rated 满意, one accepted and closed late
    and rated 不满意, one the rules proposed that is still waiting and overdue, one transferred
    in from the inspection office and declined; a September case; a case of another body."""
    now = utcnow()
    in_time, _ = new_case(subject="按时办结的件")
    late, _ = new_case(kind=Kind.COMPLAINT, subject="超期办结的件")
    waiting, _ = new_case(chosen="unsure", item_code=None, subject="仍待受理的件")
    moved, _ = new_case(chosen="inspection", item_code=None, subject="转来的件")
    september, _ = new_case(subject="九月的件")
    new_case(chosen="inspection", subject="巡察办自己的件")
    operations.transfer(db.session, moved, staff["inspection"], body("court"), "属法院办理")
    operations.decline(db.session, moved, staff["court"], "不属于受理范围")
    in_time.received_at = at(5)
    in_time.status, in_time.accepted_at = Status.CLOSED, at(8)
    in_time.closed_at, in_time.due_at, in_time.rating = at(25), None, Rating.SATISFIED
    late.received_at = at(6)
    late.status, late.accepted_at = Status.CLOSED, at(6) + timedelta(days=20)
    late.closed_at, late.due_at = at(6) + timedelta(days=90), None
    late.rating = Rating.UNSATISFIED
    waiting.received_at, waiting.due_at = at(20), now - timedelta(days=1)
    moved.received_at = at(31, 15)  # 23:00 on the 31st in Shanghai: still October
    september.received_at = datetime(2026, 9, 30, 15, 59, tzinfo=UTC)  # 23:59 local
    db.session.commit()
    return in_time, late, waiting, moved


def page_of(client, query=""):
    response = client.get("/inbox/figures" + query)
    return response.status_code, response.get_data(as_text=True)


def table_row(page: str, label: str) -> str:
    found = re.search(r"<th scope=\"row\">" + re.escape(label) + r"</th><td>([^<]*)</td>", page)
    assert found, label
    return found[1]


def test_a_manager_sees_the_month_by_kind_way_item_limits_and_satisfaction(client, staff, october):
    in_time, late, waiting, _moved = october
    login(client, staff["court-manager"])
    status, page = page_of(client, f"?month={MONTH}")
    assert status == 200
    assert table_row(page, "合计") == "4"
    assert table_row(page, "意见建议") == "3" and table_row(page, "投诉") == "1"
    assert table_row(page, "群众自选受理机关") == "2" and table_row(page, "转办来件") == "1"
    assert table_row(page, "满意") == "1" and table_row(page, "不满意") == "1"
    assert table_row(page, "基本满意") == "0"
    assert table_row(page, "不针对具体问题") == "2"
    tiles = {label.strip(): value for value, label in TILE.findall(page)}
    assert tiles["已收到"] == "4"
    assert tiles["按时受理或不予受理（3 件中 2 件）"] == "66.7%"
    assert tiles["按时办结（2 件中 1 件）"] == "50.0%"
    assert tiles["当前超期（全部月份）"] == "1"
    assert waiting.reference in page  # overdue, with its reference
    assert in_time.reference not in page and late.reference not in page
    # The month against the previous six: September's case, and October in bold.
    assert '<th scope="row">2026-09</th><td>1</td>' in page
    assert '<tr class="current"><th scope="row">2026-10</th><td>4</td>' in page


def test_how_the_cases_came_counts_the_rules_and_the_transfers(client, staff, october):
    login(client, staff["court"])
    found = figures.month_figures(db.session, body("court").id, MONTH, utcnow())
    assert found.by_came == {
        figures.Came.CHOSEN: 2,
        figures.Came.PROPOSED: 1,
        figures.Came.CONFLICT: 0,
        figures.Came.TRANSFERRED: 1,
        figures.Came.REVIEW: 0,
    }
    report, _ = new_case(kind=Kind.REPORT, subject="检举")
    discipline = figures.month_figures(
        db.session, body("discipline").id, months.month_of(utcnow()), utcnow()
    )
    assert (
        discipline.by_came[figures.Came.CONFLICT] == 1 and report.body_id == body("discipline").id
    )


def test_the_charts_are_svg_images_with_no_script(client, staff, october):
    login(client, staff["court"])
    _status, page = page_of(client, f"?month={MONTH}")
    charts = re.findall(r'<img class="chart" src="([^"]+)"', page)
    assert len(charts) == len({"kinds", "came", "items", "satisfaction", "months"})
    for address in charts:
        response = client.get(address.replace("&amp;", "&"))
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        svg = response.get_data(as_text=True)
        assert "<svg" in svg and "<script" not in svg
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert client.get(f"/inbox/figures/nothing.svg?month={MONTH}").status_code == 404
    page_policy = client.get("/inbox/figures").headers["Content-Security-Policy"]
    assert "script-src 'self'" in page_policy and "unsafe-inline" not in page_policy


def test_the_month_defaults_to_the_last_complete_one(client, staff, october):
    login(client, staff["court"])
    status, page = page_of(client)
    assert status == 200
    last = months.last_complete(utcnow())
    assert f'<option selected value="{last}">{last}</option>' in page


@pytest.mark.parametrize("month", ["2026-13", "next", "2999-01", "2020-01"])
def test_a_month_not_offered_gets_a_chinese_message_and_no_figures(client, staff, october, month):
    login(client, staff["court"])
    status, page = page_of(client, f"?month={month}")
    assert status == 400
    assert "请从列表中选择月份" in page and "table" not in page.split("</form>")[1]
    assert client.get(f"/inbox/figures/download?month={month}").status_code == 400


def test_the_figures_download_as_csv_and_xlsx_with_the_same_numbers(client, staff, october):
    login(client, staff["court-manager"])
    response = client.get(f"/inbox/figures/download?month={MONTH}&format=csv")
    assert response.status_code == 200
    assert f"figures-court-{MONTH}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["部分", "数据项", "数量", "比率（%）"]
    by_label = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_label[("已收到", "合计")] == ["4", ""]
    assert by_label[("办理时限", "按时办结")] == ["1", "50.0"]
    response = client.get(f"/inbox/figures/download?month={MONTH}&format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cells = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells[("已收到", "合计")] == 4 and cells[("满意度评价", "满意")] == 1
    refused = client.get(f"/inbox/figures/download?month={MONTH}&format=pdf")
    assert refused.status_code == 400 and "不是有效的选择" in refused.get_data(as_text=True)


def test_another_bodys_staff_see_their_own_month_only(client, staff, october):
    login(client, staff["inspection"])
    status, page = page_of(client, f"?month={months.month_of(utcnow())}")
    assert status == 200
    assert october[2].reference not in page
    assert table_row(page, "合计") == "1"  # its own case; the one it transferred is the court's


def test_the_administrator_and_strangers_are_refused(client, staff):
    assert client.get("/inbox/figures").status_code == 302  # to the login
    login(client, staff["admin"])
    assert client.get("/inbox/figures").status_code == 403


# --- the tallies add up as the export's rows do ---------------------------------------------


def tallies() -> Counter:
    rows = db.session.execute(select(CaseTally)).scalars()
    return Counter({(r.body_id, r.month, r.dimension, r.value): r.cases for r in rows if r.cases})


def test_the_tallies_kept_at_every_step_equal_a_recount(app, staff):
    generate(db.session, 300, tracking_code="DEMO-0000-1111-2222-3333", months=4, seed=5)
    cases = [new_case(kind=kind)[0] for kind in (Kind.OPINION, Kind.COMPLAINT, Kind.REPORT)]
    operations.accept(db.session, cases[0], staff["court"])
    operations.extend(db.session, cases[0], staff["court"], 10, "需要现场核实")
    operations.close(db.session, cases[0], staff["court"], "已整改。")
    operations.rate(db.session, cases[0], Rating.UNSATISFIED, "")
    operations.transfer(db.session, cases[1], staff["court"], body("inspection"), "请巡察办处理")
    db.session.commit()
    review = operations.request_review(db.session, cases[0], "答复与事实不符，请求复查。")
    db.session.delete(cases[2])
    db.session.commit()
    kept = tallies()
    by_month = sum(n for (_body, month, _d, _v), n in kept.items() if month)
    assert by_month == (300 + 3 - 1 + 1) * len(figures.DIMENSIONS)
    figures.recount(db.session.connection())
    db.session.commit()
    assert tallies() == kept
    assert review.body_id == body("inspection").id


def from_export(body_id: int, month: str, now: datetime) -> dict:
    """The month's figures worked out from the export's rows alone."""
    start, end = months.parse_month(month)
    parse = datetime.fromisoformat
    found: dict = {
        "kind": Counter(),
        "item": Counter(),
        "status": Counter(),
        "rating": Counter(),
        "accepted": Counter(),
        "closed": Counter(),
        "reviews": 0,
        "references": [],
    }
    for row in exports.export_rows(body_id, start, end):
        found["kind"][Kind(row.kind)] += 1
        found["item"][row.item_code] += 1
        found["status"][Status(row.status)] += 1
        if row.rating:
            found["rating"][Rating(row.rating)] += 1
        found["reviews"] += row.review_of is not None
        found["references"].append(row.reference)
        clock = parse(row.transferred_at or row.received_at)
        decided = row.accepted_at or (row.closed_at if row.status == "declined" else None)
        if decided:
            found["accepted"][parse(decided) <= clock + timedelta(days=row.accept_days)] += 1
        if row.status == "closed":
            limit = timedelta(days=row.close_days + row.extension_days)
            found["closed"][parse(row.closed_at) <= parse(row.accepted_at) + limit] += 1
    return found


def test_each_month_computed_from_the_export_rows_gives_the_same_numbers(app, staff):
    generate(db.session, 600, tracking_code="DEMO-0000-1111-2222-3333", months=6, seed=11)
    for _ in range(2):
        declined, _code = new_case()
        operations.decline(db.session, declined, staff["court"], "不属于受理范围")
        db.session.commit()
        operations.request_review(db.session, declined, "不予受理的理由不成立，请求复查。")
        db.session.commit()
    now = utcnow()
    every_case = exports.export_rows(None, datetime(2000, 1, 1, tzinfo=UTC), now + timedelta(1))
    reviewed = Counter(row.review_of for row in every_case if row.review_of)
    for slug in ("court", "discipline"):
        body_id = body(slug).id
        for month in months.since(None, now)[:1] + [
            m for m in figures.recent_months(months.month_of(now), 6)
        ]:
            shown = figures.month_figures(db.session, body_id, month, now)
            rows = from_export(body_id, month, now)
            assert shown.received == sum(rows["kind"].values())
            assert {k: n for k, n in shown.by_kind.items() if n} == dict(rows["kind"])
            assert {s: n for s, n in shown.by_status.items() if n} == dict(rows["status"])
            assert {r: n for r, n in shown.ratings.items() if n} == dict(rows["rating"])
            assert shown.reviews == rows["reviews"]
            assert shown.contested == sum(reviewed[r] for r in rows["references"])
            assert shown.no_item == rows["item"][None]
            for item in shown.top_items:
                assert item.cases == rows["item"][item.code]
            if shown.top_items:
                listed = {item.code for item in shown.top_items}
                others = [n for code, n in rows["item"].items() if code and code not in listed]
                assert all(n <= shown.top_items[-1].cases for n in others)
            assert shown.accepted_on_time == (rows["accepted"][True], rows["accepted"].total())
            assert shown.closed_on_time == (rows["closed"][True], rows["closed"].total())


def test_a_case_moved_by_its_relationship_alone_moves_its_count(app, staff):
    case, _code = new_case()
    case.body = body("inspection")
    db.session.commit()
    month = months.month_of(case.received_at)
    court = figures.month_figures(db.session, body("court").id, month, utcnow())
    inspection = figures.month_figures(db.session, body("inspection").id, month, utcnow())
    assert (court.received, inspection.received) == (0, 1)


def test_a_review_request_counts_for_the_body_reviewing_and_the_body_reviewed(app, staff):
    case, _code = new_case()
    operations.decline(db.session, case, staff["court"], "不属于受理范围")
    db.session.commit()
    review = operations.request_review(db.session, case, "不予受理的理由不成立，请求复查。")
    db.session.commit()
    now = utcnow()
    court = figures.month_figures(db.session, body("court").id, months.month_of(now), now)
    reviewer = figures.month_figures(db.session, review.body_id, months.month_of(now), now)
    assert (court.contested, court.reviews) == (1, 0)
    assert (reviewer.contested, reviewer.reviews) == (0, 1)
    db.session.delete(review)
    db.session.commit()
    court = figures.month_figures(db.session, body("court").id, months.month_of(now), now)
    assert court.contested == 0


def test_overdue_counts_every_open_case_past_its_deadline_however_long_ago(app, staff):
    now = utcnow()
    long_ago, just_now, later, closed = (new_case()[0] for _ in range(4))
    long_ago.due_at = now - timedelta(days=40)
    just_now.due_at = now - timedelta(seconds=1)  # today's deadlines are read from the cases
    later.due_at = now + timedelta(days=2)
    closed.due_at = now - timedelta(days=3)
    db.session.commit()
    month = months.month_of(now)
    assert figures.month_figures(db.session, body("court").id, month, now).overdue == 4 - 1
    operations.accept(db.session, closed, staff["court"])  # a new deadline, 60 days on
    operations.close(db.session, closed, staff["court"], "已整改。")
    db.session.commit()
    shown = figures.month_figures(db.session, body("court").id, month, now)
    assert shown.overdue == 2
    assert [c.reference for c in shown.overdue_cases] == [long_ago.reference, just_now.reference]


def test_citizens_sending_at_once_are_each_counted_once(deployment, redis, tmp_path):
    """Through the deployed service (gunicorn, 4 workers): the month's counts are updated by
    every submission at once, on the same rows, and none is lost or counted twice."""
    env = {
        "DATABASE_URL": deployment.url,
        "SECRET_KEY": "figures test key " * 4,
        "RATELIMIT_STORAGE_URI": redis.url,
        "TRUSTED_PROXIES": "1",
    }

    def send(n: int) -> int:
        citizen = Citizen(server.port, f"203.0.113.{n + 1}")
        citizen.open_form()
        form = valid_form(subject=f"第{n}位群众的意见", identity="anonymous", name="", phone="")
        return citizen.submit(form)[0]

    with gunicorn(env, tmp_path / "gunicorn.log") as server, ThreadPoolExecutor(16) as pool:
        assert list(pool.map(send, range(60))) == [200] * 60
    stored = deployment.query("SELECT body_id, count(*) FROM cases GROUP BY body_id")
    counted = deployment.query(
        "SELECT body_id, sum(cases) FROM case_tallies WHERE dimension = 'kind' GROUP BY body_id"
    )
    assert sorted(stored) == sorted(counted) and sum(n for _b, n in stored) == 60
