"""Contesting a decision in a real Chromium on a 390 px phone, JavaScript off, in both languages:
the review form (复查) on the tracking page, and the page once the review is under way."""

from pathlib import Path

import pytest
from conftest import new_case
from playwright.sync_api import Browser, Page, expect
from security_helpers import jpeg_with_gps
from test_browser import SHOTS, browser, live_url  # noqa: F401  (fixtures)

from feedback.cases import operations
from feedback.extensions import db
from feedback.models import Case

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
REASONS = "不予受理的理由与事实不符：通报所说的公示栏至今没有更新，附现场照片，请求复查。"


def open_case(page: Page, live_url: str, case: Case, code: str) -> None:  # noqa: F811
    page.goto(f"{live_url}/track")
    page.fill("input[name=reference]", case.reference)
    page.fill("input[name=code]", code)
    page.locator("form[action='/track'] button[type=submit]").click()


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_citizen_asks_for_a_review_on_a_phone(
    browser: Browser,  # noqa: F811
    live_url: str,  # noqa: F811
    staff,
    tmp_path: Path,
    language: str,
):
    case, code = new_case()
    operations.decline(db.session, case, staff["court"], "不属于本院受理范围。")
    db.session.commit()
    context = browser.new_context(
        viewport=PHONE_390, java_script_enabled=False, locale="zh-CN", ignore_https_errors=True
    )
    page = context.new_page()
    if language == "en":
        page.goto(f"{live_url}/language/en?next=/track")
    open_case(page, live_url, case, code)
    review_form = page.locator("form[action='/track/review']")
    expect(review_form).to_be_visible()
    assert fits(page)
    page.locator("#ask-review").screenshot(path=SHOTS / f"contest-review-form-{language}.png")

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_with_gps())
    review_form.locator("textarea[name=reasons]").fill(REASONS)
    review_form.locator("input[type=file]").set_input_files(str(photo))
    review_form.locator("button[type=submit]").click()
    section = page.locator("#review")
    expect(section).to_contain_text(REASONS)
    expect(section).to_contain_text("待受理" if language == "zh" else "Awaiting acceptance")
    assert fits(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"contest-tracking-{language}.png", full_page=True)
    db.session.refresh(case)
    assert case.review is not None and len(case.review.attachments) == 1
    context.close()
