"""Every citizen page, in Chinese and English, in the standard and the elder mode (关怀模式),
checked in Chromium on a 390 px phone: axe-core finds no violation, with its default rules and
with the WCAG 2.0/2.1/2.2 A and AA rules; its text and its targets are measured.

CITIZEN_PAGES lists the pages, each with how a citizen reaches it, in one place. A new page of
the public blueprint must be added there: `test_every_citizen_page_is_checked` fails until it
is (or until its endpoint is listed in NOT_PAGES, for what serves no page).

axe-core comes from the npm registry (`make test-tools` fetches the version the Makefile pins).
The pages have no script of their own: the contexts here allow JavaScript only so that axe runs
(and bypass the CSP to inject it); the pages render as they do without it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import new_case
from flask import Flask
from notice_helpers import import_sample
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from test_browser import browser, live_url  # noqa: F401 (fixtures)

from feedback.cases import notifications, operations
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import CaseNews, Kind, Notice, User
from feedback.notices import window

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "test-tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
SHOTS = ROOT / "test-output" / "accessibility"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SLUG = "wufeng-court-2020"

# (smallest text, smallest target) in CSS pixels: the elder mode's promise, and in the standard
# mode WCAG 2.2's minimum target (2.5.8) with text no smaller than 14 px.
LEAST = {"standard": (14, 24), "care": (20, 48)}

# What each page's text and targets measure, in the browser. Text: every visible text node's
# font size. Targets: links, buttons, fields and summaries; a radio button or a check box is
# measured by its label, which the citizen taps. Folded <details> are opened first.
MEASURE = """
() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const hidden = (el) => !el.checkVisibility() || el.closest(".visually-hidden, .honeypot");
  const text = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || hidden(el)) continue;
    text.push([parseFloat(getComputedStyle(el).fontSize), walker.currentNode.textContent.trim().slice(0, 30)]);
  }
  const targets = [];
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const el of document.querySelectorAll(controls)) {
    if (hidden(el)) continue;
    const box = el.matches("input[type=radio], input[type=checkbox]") ? (el.closest("label") || el) : el;
    const r = box.getBoundingClientRect();
    targets.push([Math.min(r.width, r.height), el.outerHTML.slice(0, 80)]);
  }
  return {text, targets};
}
"""


@dataclass
class Site:
    """The served site and what the pages need: cases at each stage, with their codes."""

    url: str
    app: Flask
    cases: dict[str, tuple[str, str]]  # stage → (reference, tracking code)


@dataclass(frozen=True)
class CitizenPage:
    name: str
    endpoints: tuple[str, ...]  # the public endpoints it shows
    visit: Callable[[Page, Site], None]


def _fill_form(page: Page, kind: str, body: str, when: str = "本周") -> None:
    page.check(f"input[name=kind][value={kind}]")
    page.check(f"input[name=body][value={body}]")
    page.fill("input[name=subject]", "便民窗口仍未开放")
    page.fill("textarea[name=content]", f"通报说已设便民窗口，但我{when}两次去都没有开放。")
    page.check("input[name=identity][value=anonymous]")
    page.check("input[name=consent]")


def _send(page: Page) -> None:
    page.locator("form.submission button[type=submit]").last.click()


def home(page: Page, site: Site) -> None:
    page.goto(site.url + "/")


def notice(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/n/{SLUG}/")


def form(page: Page, site: Site) -> None:
    page.goto(site.url + "/submit")


def form_with_errors(page: Page, site: Site) -> None:
    page.goto(site.url + "/submit")
    page.fill("input[name=subject]", "窗口")
    page.fill("textarea[name=content]", "通报说已设便民窗口，但我本周两次去都没有开放。")
    page.check("input[name=identity][value=real]")
    page.fill("input[name=name]", "张三")
    page.fill("input[name=phone]", "12345")
    page.check("input[name=consent]")
    _send(page)  # no kind, and a phone number that is none
    expect(page.locator(".error-summary")).to_be_visible()


def report_form(page: Page, site: Site) -> None:
    """A report with its notes open and the person reported filled in, sent back by an error."""
    page.goto(site.url + "/submit")
    _fill_form(page, "report", "discipline")
    page.fill("input[name=reported_name]", "李某")
    page.fill("input[name=reported_unit]", "县法院执行局")
    page.check("input[name=identity][value=real]")
    page.fill("input[name=name]", "张三")
    page.fill("input[name=phone]", "12345")
    _send(page)
    expect(page.locator("#phone-error")).to_be_visible()
    expect(page.locator("#report-notes")).to_have_attribute("open", "")


def routing_preview(page: Page, site: Site, when: str = "本周") -> None:
    page.goto(site.url + "/submit")
    _fill_form(page, "complaint", "unsure", when)
    _send(page)
    expect(page.locator(".routing-preview")).to_be_visible()


def receipt(page: Page, site: Site, when: str = "本周") -> None:
    routing_preview(page, site, when)
    page.locator(".routing-preview button").click()
    expect(page.locator("#receipt-code")).to_be_visible()


def receipt_again(page: Page, site: Site) -> None:
    receipt(page, site, when="上周")
    page.reload()  # the browser posts the form again: the same receipt, nothing stored twice
    expect(page.locator("#receipt-code")).to_be_visible()


def track(page: Page, site: Site) -> None:
    page.goto(site.url + "/track")


def _look_up(page: Page, site: Site, stage: str, code: str | None = None) -> None:
    reference, right = site.cases[stage]
    page.goto(site.url + "/track")
    page.fill("input[name=reference]", reference)
    page.fill("input[name=code]", code or right)
    page.locator("main form button[type=submit]").click()


def track_not_found(page: Page, site: Site) -> None:
    _look_up(page, site, "received", code="AAAA-BBBB-CCCC-DDDD-EEEE")
    expect(page.locator("#code-error")).to_be_visible()


def case_received(page: Page, site: Site) -> None:
    _look_up(page, site, "received")


def case_declined(page: Page, site: Site) -> None:
    _look_up(page, site, "declined")


def case_closed(page: Page, site: Site) -> None:
    _look_up(page, site, "closed")


def review_asked(page: Page, site: Site) -> None:
    _look_up(page, site, "declined")
    page.fill("textarea[name=reasons]", "不予受理的理由与事实不符：窗口属于本院管理，请求复查。")
    page.locator("form[action$='/track/review'] button").click()
    expect(page.locator(".flash.success")).to_be_visible()


def follow_up_asked(page: Page, site: Site) -> None:
    _look_up(page, site, "closed")
    page.fill("textarea[name=question]", "每日开放的具体时间是几点到几点？")
    page.locator("form[action$='/track/follow-up'] button").click()
    expect(page.locator(".flash.success")).to_be_visible()


def information_added(page: Page, site: Site) -> None:
    _look_up(page, site, "received")
    page.fill("textarea[name=text]", "补充：本周五下午窗口仍然关闭。")
    page.locator("form[action$='/track/add'] button").click()
    expect(page.locator(".flash.success")).to_be_visible()


def rated(page: Page, site: Site) -> None:
    _look_up(page, site, "closed")
    page.check("input[name=rating][value=fairly_satisfied]")
    page.locator("form[action$='/track/rate'] button").click()
    expect(page.locator(".flash.success")).to_be_visible()


def _news_link(site: Site) -> str:
    """A fresh case whose citizen asked for news by mail; the link to stop it."""
    with site.app.app_context():
        contact = ContactDetails("张三", "13800000000", "zhangsan@example.com")
        case, _code = new_case(contact=contact)
        notifications.subscribe(db.session, case, "zhangsan@example.com", "zh_Hans_CN")
        db.session.commit()
        token = db.session.get_one(CaseNews, case.id).token
    return f"{site.url}/news/stop/{token}"


def news_stop(page: Page, site: Site) -> None:
    page.goto(_news_link(site))
    expect(page.locator("#stop-news")).to_be_visible()


def news_stopped(page: Page, site: Site) -> None:
    page.goto(_news_link(site))
    page.locator("#stop-news").click()
    expect(page.locator("#news-stopped")).to_be_visible()


def figures(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/n/{SLUG}/figures")


def figures_bad_month(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/n/{SLUG}/figures?month=2026-13")
    expect(page.locator(".error-summary")).to_be_visible()


def _answer(page: Page, site: Site, verdict: str) -> None:
    page.goto(f"{site.url}/n/{SLUG}/")
    page.locator(f"form.answer button[value={verdict}]").first.click()
    expect(page.locator(".flash.success")).to_be_visible()


def answered(page: Page, site: Site) -> None:
    """属实 under the first item: the thanks."""
    _answer(page, site, "true")


def answered_untrue(page: Page, site: Site) -> None:
    """不属实: the thanks, with the offer of the form to say why."""
    _answer(page, site, "untrue")


def not_found(page: Page, site: Site) -> None:
    page.goto(site.url + "/no-such-page")


def choose_a_notice(page: Page, site: Site) -> None:
    """Two notices open: the form first asks which one."""
    with site.app.app_context():
        import_sample("comma-aspects")
    page.goto(site.url + "/submit")


def closed_notice(page: Page, site: Site) -> None:
    """The notice no longer takes comments: its page says so, its form is closed."""
    with site.app.app_context():
        shown = db.session.execute(select(Notice).where(Notice.slug == SLUG)).scalar_one()
        shown.closes_on = window.today() - timedelta(days=1)
        db.session.commit()
    page.goto(f"{site.url}/n/{SLUG}/")


def closed_form(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/n/{SLUG}/submit")


# Every page a citizen meets, in the order visited (the last ones close the notice).
CITIZEN_PAGES = (
    CitizenPage("home", ("public.home",), home),
    CitizenPage("notice", ("public.notice_page",), notice),
    CitizenPage("form", ("public.submission_form",), form),
    CitizenPage("form-errors", ("public.submit",), form_with_errors),
    CitizenPage("form-report", ("public.submit",), report_form),
    CitizenPage("routing-preview", ("public.submit",), routing_preview),
    CitizenPage("receipt", ("public.submit",), receipt),
    CitizenPage("receipt-again", ("public.submit",), receipt_again),
    CitizenPage("track", ("public.track",), track),
    CitizenPage("track-not-found", ("public.track",), track_not_found),
    CitizenPage("case-received", ("public.track",), case_received),
    CitizenPage("case-declined", ("public.track",), case_declined),
    CitizenPage("case-closed", ("public.track",), case_closed),
    CitizenPage("review-asked", ("public.request_review",), review_asked),
    CitizenPage("follow-up-asked", ("public.follow_up",), follow_up_asked),
    CitizenPage("information-added", ("public.add_information",), information_added),
    CitizenPage("rated", ("public.rate",), rated),
    CitizenPage("news-stop", ("public.stop_news",), news_stop),
    CitizenPage("news-stopped", ("public.stop_news",), news_stopped),
    CitizenPage("figures", ("public.figures",), figures),
    CitizenPage("figures-bad-month", ("public.figures",), figures_bad_month),
    CitizenPage("answered", ("public.answer_item",), answered),
    CitizenPage("answered-untrue", ("public.answer_item",), answered_untrue),
    CitizenPage("error-404", (), not_found),
    CitizenPage("choose-notice", ("public.submission_form",), choose_a_notice),
    CitizenPage("closed-notice", ("public.notice_page",), closed_notice),
    CitizenPage("closed-form", ("public.submission_form",), closed_form),
)

# Public endpoints that serve no page of their own: the first two redirect back to the page they
# came from; the receipt's download is a PDF file, offered from pages checked here.
NOT_PAGES = {"public.set_language", "public.set_care", "public.download_receipt"}


def test_every_citizen_page_is_checked(app: Flask):
    public = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("public.")
    }
    checked = {endpoint for page in CITIZEN_PAGES for endpoint in page.endpoints}
    assert public - NOT_PAGES <= checked, "add the new page to CITIZEN_PAGES"


@pytest.fixture
def site(app: Flask, live_url: str, staff: dict[str, User]) -> Site:  # noqa: F811
    """Cases the tracking pages show: one received, one declined, one replied and closed."""
    cases = {}
    for stage in ("received", "declined", "closed"):
        case, code = new_case(kind=Kind.OPINION, subject=f"便民窗口（{stage}）")
        if stage == "declined":
            operations.decline(
                db.session, case, staff["court"], "不属于本院受理范围，请向县委巡察办反映。"
            )
        elif stage == "closed":
            operations.accept(db.session, case, staff["court"])
            operations.close(
                db.session, case, staff["court"], "经核查，便民窗口已于十二月起每日开放。"
            )
        db.session.commit()
        cases[stage] = (case.reference, code)
    return Site(live_url, app, cases)


def _context(browser: Browser, site: Site, language: str, mode: str) -> BrowserContext:  # noqa: F811
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        ignore_https_errors=True,
        bypass_csp=True,  # to inject axe; the pages themselves carry no script
    )
    cookies = [{"name": "lang", "value": language, "url": site.url}]
    if mode == "care":
        cookies.append({"name": "care", "value": "1", "url": site.url})
    context.add_cookies(cookies)  # type: ignore[arg-type]
    return context


def axe_violations(page: Page, options: dict[str, Any] | None) -> list[str]:
    """What axe finds wrong with the page, scrolled to its end: there the bar kept at the bottom
    of the screen sits in its own place (a bar that stays in view covers, at some scroll, what
    passes under it; `test_the_send_bar_never_hides_the_focus` checks the focus stays clear)."""
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async (options) => (await axe.run(document, options || {})).violations"
        ".map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)",
        options,
    )
    return list(found)


@pytest.fixture(scope="module")
def axe_present() -> Iterator[None]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test-tools` fetches it from the npm registry")
    yield


@pytest.mark.parametrize("mode", ["standard", "care"])
@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_every_citizen_page_passes_axe_and_measures_up(
    axe_present: None,
    browser: Browser,  # noqa: F811
    site: Site,
    language: str,
    mode: str,
):
    context = _context(browser, site, language, mode)
    page = context.new_page()
    least_text, least_target = LEAST[mode]
    problems: list[str] = []
    for citizen_page in CITIZEN_PAGES:
        citizen_page.visit(page, site)
        expected_lang = "en" if language == "en" else "zh-CN"
        assert page.locator("html").get_attribute("lang") == expected_lang, citizen_page.name
        assert (page.locator("html.care").count() == 1) == (mode == "care"), citizen_page.name
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{citizen_page.name}-{language}-{mode}.png", full_page=True)
        for options in (None, {"runOnly": {"type": "tag", "values": WCAG_TAGS}}):
            problems += [f"{citizen_page.name}: {v}" for v in axe_violations(page, options)]
        measured = page.evaluate(MEASURE)
        problems += [
            f"{citizen_page.name}: text of {size} px: {text}"
            for size, text in measured["text"]
            if size < least_text
        ]
        problems += [
            f"{citizen_page.name}: target of {size:.1f} px: {html}"
            for size, html in measured["targets"]
            if size < least_target - 0.5
        ]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
            citizen_page.name
        )
    context.close()
    assert not problems, "\n".join(dict.fromkeys(problems))


@pytest.mark.parametrize("mode", ["standard", "care"])
def test_the_send_bar_never_hides_the_focus_nor_the_end_of_the_page(
    browser: Browser,  # noqa: F811
    site: Site,
    mode: str,
):
    context = _context(browser, site, "zh_Hans_CN", mode)
    page = context.new_page()
    page.goto(site.url + "/")
    bar = page.locator(".action-bar")
    expect(bar.get_by_role("link", name="我要反映")).to_be_visible()
    # Tabbing down the page: every link or field that takes the focus is clear of the bar.
    hidden = []
    for _ in range(60):
        page.keyboard.press("Tab")
        covered = page.evaluate(
            """() => {
              const el = document.activeElement, bar = document.querySelector(".action-bar");
              if (!el || bar.contains(el)) return null;
              const r = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
              return r.bottom > b.top + 1 && r.top < b.bottom ? el.outerHTML.slice(0, 80) : null;
            }"""
        )
        if covered:
            hidden.append(covered)
    assert not hidden
    # Reachable at any scroll: halfway down, the bar is on the screen.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    assert bar.bounding_box()["y"] + bar.bounding_box()["height"] <= PHONE["height"] + 1
    # At the end it takes its own place: nothing of the page lies under it.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    under = page.evaluate(
        """() => {
          const b = document.querySelector(".action-bar").getBoundingClientRect();
          return [...document.querySelectorAll("main *, footer *")]
            .filter((el) => !el.closest(".action-bar") && el.checkVisibility())
            .filter((el) => { const r = el.getBoundingClientRect();
              return r.height && r.bottom > b.top + 1 && r.top < b.bottom - 1; })
            .map((el) => el.outerHTML.slice(0, 60));
        }"""
    )
    assert under == []
    page.screenshot(path=SHOTS / f"home-bar-{mode}.png")
    context.close()
