"""A citizen on a phone, without JavaScript, in the elder mode, taps 不属实 under an item in a
real Chromium, and is offered the form to say why."""

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from test_browser import PHONE, browser, live_url, shot  # noqa: F401 (fixtures)

from feedback.extensions import db
from feedback.models import ItemVerdict, Verdict

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
