"""A citizen on a phone, without JavaScript, in the elder mode, taps 不属实 under an item in a
real Chromium, and is offered the form to say why; the public figures page on a phone."""

import pytest
from conftest import item, new_case
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from test_browser import PHONE, SHOTS, browser, fits_the_phone, live_url, shot  # noqa: F401

from feedback.cases import operations
from feedback.extensions import db
from feedback.models import ItemVerdict, Rating, Verdict

pytestmark = pytest.mark.browser

SLUG = "wufeng-court-2020"


def test_one_tap_under_an_item_on_a_phone(app, browser: Browser, live_url: str):  # noqa: F811
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", ignore_https_errors=True, java_script_enabled=False
    )
    context.add_cookies([{"name": "care", "value": "1", "url": live_url}])  # 关怀模式
    page = context.new_page()
    page.goto(f"{live_url}/n/{SLUG}/")
    first = page.locator("article.item").first
    untrue = first.get_by_role("button", name="不属实", exact=True)
    box = untrue.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 48  # a big target
    untrue.click()
    expect(page.locator(".flash.success")).to_have_text("谢谢！您的回答“不属实”已匿名记录。")
    shot(page, "answered-untrue")
    cookie = next(c for c in context.cookies() if c["name"] == "answer_key")
    assert cookie["httpOnly"] and cookie["secure"]
    assert db.session.execute(select(ItemVerdict.verdict)).scalars().all() == [Verdict.UNTRUE]
    # The offered form is a complaint about this very item.
    page.get_by_role("link", name="说明为何不属实").click()
    expect(page.locator("input[name=kind][value=complaint]")).to_be_checked()
    expect(page.locator("select[name=item] option:checked")).to_contain_text("一.1.(1)")
    # The notice's page is the same for everyone: it does not say what this browser answered.
    page.goto(f"{live_url}/n/{SLUG}/")
    expect(page.locator(".flash")).to_have_count(0)
    context.close()


def test_the_public_figures_on_a_phone(app, staff, browser: Browser, live_url: str):  # noqa: F811
    """Messages on three items, some closed and rated, and answers: what the page shows."""
    for code, received, closed, rated in (
        ("一.1.(1)", 12, 8, 6),
        ("一.1.(2)", 7, 6, 0),
        ("一.2.(1)", 3, 1, 0),
    ):
        for n in range(received):
            case, _ = new_case(item_code=code, subject=f"第{n}件")
            if n < closed:
                operations.accept(db.session, case, staff["court"])
                operations.close(db.session, case, staff["court"], "经核查，已整改。")
            if n < rated:
                operations.rate(
                    db.session, case, Rating.UNSATISFIED if n == 0 else Rating.SATISFIED, ""
                )
            db.session.commit()
    for code, verdict, number in (
        ("一.1.(1)", Verdict.UNTRUE, 8),
        ("一.1.(1)", Verdict.TRUE, 5),
        ("一.1.(2)", Verdict.TRUE, 2),
    ):
        for n in range(number):
            db.session.add(
                ItemVerdict(
                    item_id=item(code).id,
                    browser_hash=f"{verdict}{n}",
                    verdict=verdict,
                    month="2026-12",
                )
            )
    db.session.commit()
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", ignore_https_errors=True, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_url}/")
    page.get_by_role("link", name="公开数据").first.click()
    first = page.locator(f"#figures-item-{item('一.1.(1)').id} td")
    expect(first).to_have_text(["12", "8", "8", "83%"])
    expect(page.locator(f"#figures-item-{item('一.2.(1)').id} td").first).to_have_text("少于5")
    assert fits_the_phone(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=SHOTS / "figures.png",
        clip={"x": 0, "y": 0, "width": PHONE["width"], "height": 1500},
        full_page=True,
    )
    context.close()
