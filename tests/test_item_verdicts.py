"""属实 / 不属实 / 不了解 under each item: one tap, anonymous, once per browser and item."""

import re
from datetime import timedelta

import pytest
from conftest import item
from sqlalchemy import func, select

from feedback.cases import verdicts
from feedback.extensions import db
from feedback.models import ItemVerdict, Notice, Verdict
from feedback.notices import window

ITEM = "一.1.(1)"
SLUG = "wufeng-court-2020"


def answer(client, item_id: int, verdict: str):
    return client.post(f"/items/{item_id}/answer", data={"verdict": verdict})


def stored() -> list[tuple[int, Verdict]]:
    return [
        tuple(row) for row in db.session.execute(select(ItemVerdict.item_id, ItemVerdict.verdict))
    ]


def test_every_item_offers_the_three_answers_without_script(client):
    html = client.get("/n/wufeng-court-2020/").get_data(as_text=True)
    first = item(ITEM)
    form = re.search(
        rf'<form class="answer" method="post" action="/items/{first.id}/answer">(.*?)</form>',
        html,
        re.S,
    )
    assert form is not None
    for value, label in (("true", "属实"), ("untrue", "不属实"), ("unknown", "不了解")):
        assert f'name="verdict" value="{value}"' in form[1] and f">{label}</button>" in form[1]
    assert html.count('<form class="answer"') == 30  # every item of the notice
    assert "<script" not in html


def test_an_answer_is_counted_once_per_browser_and_may_be_changed(client):
    item_id = item(ITEM).id
    first = answer(client, item_id, "true")
    assert first.status_code == 200
    assert "您的回答“属实”已匿名记录" in first.get_data(as_text=True)
    cookie = first.headers["Set-Cookie"]
    assert "answer_key=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    again = answer(client, item_id, "true")
    assert "只计一次" in again.get_data(as_text=True)
    changed = answer(client, item_id, "unknown")
    assert "由“属实”改为“不了解”" in changed.get_data(as_text=True)
    assert stored() == [(item_id, Verdict.UNKNOWN)]
    # Another browser counts on its own.
    other = client.application.test_client()
    answer(other, item_id, "true")
    assert sorted(v for _, v in stored()) == [Verdict.TRUE, Verdict.UNKNOWN]


def test_the_database_keeps_no_cookie_and_no_address(client):
    item_id = item(ITEM).id
    response = answer(client, item_id, "untrue")
    key = re.search(r"answer_key=([^;]+)", response.headers["Set-Cookie"])[1]
    row = db.session.execute(select(ItemVerdict)).scalar_one()
    assert key not in row.browser_hash and row.browser_hash == verdicts.browser_hash(item_id, key)
    # The same browser is a different hash for another item: its answers cannot be linked.
    assert verdicts.browser_hash(item_id + 1, key) != row.browser_hash
    assert set(ItemVerdict.__table__.columns.keys()) == {
        "id",
        "item_id",
        "browser_hash",
        "verdict",
        "month",
    }
    assert re.fullmatch(r"\d{4}-\d{2}", row.month)


def test_not_true_offers_the_form_to_say_why_with_the_item_chosen(client):
    item_id = item(ITEM).id
    html = answer(client, item_id, "untrue").get_data(as_text=True)
    link = f"/submit?item={item_id}&amp;kind=complaint"
    assert link in html
    form = client.get(f"/submit?item={item_id}&kind=complaint").get_data(as_text=True)
    assert re.search(r'<input[^>]* checked [^>]*value="complaint">', form)
    assert f'<option selected value="{item_id}">' in form


@pytest.mark.parametrize("verdict", ["", "maybe", "TRUE"])
def test_a_bad_answer_is_refused_in_chinese_and_stores_nothing(client, verdict):
    response = answer(client, item(ITEM).id, verdict)
    assert response.status_code == 400
    assert "请从三个回答中选择一个" in response.get_data(as_text=True)
    assert stored() == []


def test_an_unknown_item_is_a_chinese_404(client):
    response = answer(client, 999_999, "true")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True) or "找不到" in response.get_data(
        as_text=True
    )
    assert stored() == []


def test_answers_per_item_hide_small_counts_and_what_reveals_them(app):
    items = [item(ITEM).id, item("一.1.(2)").id]
    for n in range(7):
        db.session.add(
            ItemVerdict(
                item_id=items[0], browser_hash=f"a{n}", verdict=Verdict.TRUE, month="2026-12"
            )
        )
    for n in range(2):
        db.session.add(
            ItemVerdict(
                item_id=items[0], browser_hash=f"b{n}", verdict=Verdict.UNTRUE, month="2026-12"
            )
        )
    db.session.commit()
    answers = verdicts.answers_per_item(db.session, items)
    first = answers[items[0]]
    assert first.untrue is None  # 2: under 5
    # The total (9) minus 属实 (7) would give 2: one more count of the row is hidden too.
    assert first.true is None or first.total is None
    assert answers[items[1]].total is None  # nobody answered: 0 is under 5 as well


def test_answers_are_limited_like_submissions(app_factory):
    limited = app_factory(RATELIMIT_ENABLED=True, ANSWER_LIMITS="3 per hour")
    with limited.app_context():
        client = limited.test_client()
        item_id = item(ITEM).id
        assert [answer(client, item_id, "true").status_code for _ in range(3)] == [200] * 3
        refused = answer(client, item_id, "untrue")
        assert refused.status_code == 429
        assert "回答过于频繁" in refused.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(ItemVerdict)) == 1
        assert db.session.scalar(select(ItemVerdict.verdict)) == Verdict.TRUE
        db.session.remove()


def test_a_notice_closed_for_comment_takes_no_answers(client):
    notice = db.session.execute(select(Notice).where(Notice.slug == SLUG)).scalar_one()
    notice.closes_on = window.today() - timedelta(days=1)
    db.session.commit()
    assert '<form class="answer"' not in client.get(f"/n/{SLUG}/").get_data(as_text=True)
    response = answer(client, item(ITEM).id, "true")
    assert response.status_code == 403
    assert "这份通报的征求意见期已于" in response.get_data(as_text=True)
    assert stored() == []


def test_a_cookie_that_is_no_key_of_ours_is_replaced(client):
    client.set_cookie("answer_key", "not-a-key")
    response = answer(client, item(ITEM).id, "true")
    key = re.search(r"answer_key=([^;]+)", response.headers["Set-Cookie"])[1]
    assert key != "not-a-key" and verdicts.is_browser_key(key)
    assert db.session.execute(select(ItemVerdict.browser_hash)).scalar_one() == (
        verdicts.browser_hash(item(ITEM).id, key)
    )
