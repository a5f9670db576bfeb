"""The receipt and the tracking page on a 390 px phone, measured in a real Chromium without
JavaScript: the code never breaks inside a group, the printout is one page, the receipt file
downloads, and the tracking page shows the status first and large with its step bar.

Each page leaves a screenshot under test-output/browser/ (the README shows copies of them).
"""

import io
import re
from collections.abc import Iterator

import pytest
import test_browser
from conftest import new_case
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader
from test_browser import shot

from feedback.cases import operations
from feedback.extensions import db

pytestmark = pytest.mark.browser

# test_browser.py's fixtures: the site over HTTPS with CSRF and rate limits on, and Chromium.
live_url = test_browser.live_url
browser = test_browser.browser

PHONE = {"width": 390, "height": 844}
CONTENT = "整改通报说已经整改到位，但我上个月去办事时情况依旧，希望核实。"
LONG_CONTENT = CONTENT * 150  # 4650 characters: pages of them on screen


@pytest.fixture(params=["zh", "en"])
def citizen(request, browser: Browser, live_url: str) -> Iterator[BrowserContext]:
    """A phone browser without JavaScript, in Chinese or (with the language cookie) English."""
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="zh-CN", ignore_https_errors=True
    )
    if request.param == "en":
        context.add_cookies([{"name": "lang", "value": "en", "url": live_url}])
    context.language = request.param  # type: ignore[attr-defined]
    yield context
    context.close()


def send_a_message(page: Page, live_url: str, content: str = CONTENT) -> tuple[str, str]:
    page.goto(f"{live_url}/submit")
    page.check("input[name=kind][value=opinion]")
    page.check("input[name=body][value=court]")
    page.fill("input[name=subject]", "便民窗口仍未开放，群众办事要跑两趟，希望尽快解决")
    page.fill("textarea[name=content]", content)
    page.check("input[name=identity][value=anonymous]")
    page.check("input[name=consent]")
    page.locator("form button[type=submit]").last.click()
    reference = page.locator("#receipt-ref").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    return reference, code


def lines_of_each_group(page: Page) -> list[int]:
    """How many lines each group of the tracking code takes, as laid out."""
    return page.eval_on_selector_all(
        "#receipt-code .code-group", "groups => groups.map(g => g.getClientRects().length)"
    )


def lines_of_the_code(page: Page) -> int:
    return page.eval_on_selector_all(
        "#receipt-code .code-group",
        "groups => new Set(groups.map(g => Math.round(g.getBoundingClientRect().top))).size",
    )


def fits(page: Page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_code_breaks_only_between_its_groups(citizen: BrowserContext, live_url: str):
    page = citizen.new_page()
    _, code = send_a_message(page, live_url)
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", code)  # copied whole, with its dashes
    shot(page, f"receipt-{citizen.language}")  # type: ignore[attr-defined]
    for width in (390, 320, 280):  # narrower, the code must break: only between groups
        page.set_viewport_size({"width": width, "height": 844})
        assert lines_of_each_group(page) == [1] * 5, width
        assert fits(page, width), width
    assert lines_of_the_code(page) > 1  # at 280 px it did break, and the groups held


def test_the_printed_receipt_is_one_page_without_the_site_around_it(
    citizen: BrowserContext, live_url: str
):
    page = citizen.new_page()
    reference, code = send_a_message(page, live_url, LONG_CONTENT)
    page.emulate_media(media="print")
    shot(page, f"receipt-print-{citizen.language}")  # type: ignore[attr-defined]
    printed = PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert len(printed.pages) == 1
    text = printed.pages[0].extract_text()
    assert reference in text and code in text.replace(" ", "")
    assert "/track" in text  # where to follow it, written out
    footer = page.locator("footer.site").inner_text()
    for absent in (footer, page.locator("button").last.inner_text(), LONG_CONTENT[:30]):
        assert absent not in text


def test_the_receipt_file_downloads_from_a_post_and_holds_the_receipt(
    citizen: BrowserContext, live_url: str
):
    page = citizen.new_page()
    reference, code = send_a_message(page, live_url)
    with page.expect_download() as download:
        page.locator("form[action$='/track/receipt'] button").click()
    assert download.value.suggested_filename == f"receipt-{reference}.pdf"
    assert code not in download.value.url and code not in page.url
    text = PdfReader(download.value.path()).pages[0].extract_text()
    assert reference in text and code in text
    if citizen.language == "zh":  # type: ignore[attr-defined]
        assert "五峰土家族自治县人民法院" in text and "0717-5193251" in text
    else:
        assert "Wufeng Tujia Autonomous County People's Court" in text.replace("\n", " ")
    assert re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d", text)


def test_the_tracking_page_shows_the_status_first_and_large_with_its_steps(
    citizen: BrowserContext, live_url: str, app_factory, staff
):
    case, code = new_case(subject="路灯坏了半年没人修")
    operations.accept(db.session, case, staff["court"])
    db.session.commit()
    page = citizen.new_page()
    page.goto(f"{live_url}/track")
    page.fill("input[name=reference]", case.reference.replace("-", ""))
    page.fill("input[name=code]", code.lower().replace("-", " "))
    page.locator("main form button").click()

    first = page.locator("main h1 + *")
    expect(first.locator(".status-word")).to_have_count(1)
    status_size = page.eval_on_selector(
        ".status-word", "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    text_sizes = page.eval_on_selector_all(
        "main p, main dd, main li", "es => es.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert status_size >= 24 and status_size > max(text_sizes)
    steps = page.locator("ol.steps > li")
    expect(steps).to_have_count(3)
    expect(page.locator("ol.steps > li[aria-current=step]")).to_have_count(1)
    current = page.locator("ol.steps > li[aria-current=step]").inner_text()
    days = "还剩 60 天" if citizen.language == "zh" else "60 days left"  # type: ignore[attr-defined]
    assert days in current
    assert fits(page, PHONE["width"])
    shot(page, f"tracking-{citizen.language}")  # type: ignore[attr-defined]
