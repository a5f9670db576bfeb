"""A citizen on a phone and a staff member, end to end, in a real Chromium driven by Playwright.

The citizen's pages run with JavaScript disabled, as on the most restrictive phone browser; each
step leaves a screenshot under test-output/browser/. The site is served over HTTPS with CSRF and
rate limits on, as deployed.
"""

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSWORD, new_case
from flask import Flask
from notice_helpers import import_sample
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import func, select
from werkzeug.serving import make_server

from feedback.extensions import db
from feedback.models import AuditAction, AuditEntry

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}
SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "browser"


@pytest.fixture
def live_url(app_factory, tmp_path) -> Iterator[str]:
    """Serve the app over HTTPS on a free loopback port for the length of the test, with CSRF
    and rate limits on. Chromium then posts forms as on the real site: no Referer (the pages
    say no-referrer) and `Origin: null`, with `Sec-Fetch-Site: same-origin`."""
    app: Flask = app_factory(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True)
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    where = ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(certificate)]
    subprocess.run([*request, *where], check=True, capture_output=True)
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, ssl_context=(str(certificate), str(key))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_citizen_comments_on_an_item_and_follows_the_reply(browser: Browser, live_url: str):
    citizen = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="zh-CN", ignore_https_errors=True
    )
    page = citizen.new_page()

    # The home page lists the items; the citizen opens the one about falsified party-day records.
    page.goto(live_url)
    expect(page.get_by_role("heading", name="主题党日活动记录存在造假现象")).to_be_visible()
    shot(page, "1-home")
    page.locator("#item-二-4-1, [id*='二.4.(1)'], article:has-text('二.4.(1)')").first.get_by_role(
        "link"
    ).first.click()
    expect(page.locator("select[name=item] option:checked")).to_contain_text("二.4.(1)")

    page.check("input[name=kind][value=complaint]")
    page.check("input[name=body][value=unsure]")
    page.fill("input[name=subject]", "主题党日记录仍有补签")
    page.fill(
        "textarea[name=content]", "十一月的主题党日记录仍是会后补签的，整改并未落实，请核实。"
    )
    page.check("input[name=identity][value=anonymous]")
    page.check("input[name=consent]")
    assert fits_the_phone(page)
    shot(page, "2-form")
    page.get_by_role("button").last.click()

    # Not sure whom to address: the service proposes the inspection office and says why.
    expect(page.get_by_text("县委巡察办").first).to_be_visible()
    shot(page, "3-routing-preview")
    page.locator("button[name=confirm_routing], button:has-text('确认')").first.click()

    reference = page.locator("#receipt-ref").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    assert reference and code
    assert fits_the_phone(page)
    shot(page, "4-receipt")

    # Staff of the inspection office log in, accept the case and reply.
    staff = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", ignore_https_errors=True
    )
    desk = staff.new_page()
    desk.goto(f"{live_url}/staff/login")
    desk.fill("input[name=username]", "inspection-staff")
    desk.fill("input[name=password]", PASSWORD)
    desk.get_by_role("button").last.click()
    expect(desk.get_by_text(reference)).to_be_visible()
    shot(desk, "5-inbox")
    desk.get_by_text(reference).click()
    desk.locator("form[action$='/accept'] button").click()
    expect(desk.get_by_text("已受理").first).to_be_visible()
    desk.fill(
        "form[action$='/close'] textarea", "经核查，已责成法院重新组织主题党日活动并如实记录。"
    )
    desk.locator("form[action$='/close'] button").click()
    expect(desk.get_by_text("此操作无法撤销。")).to_be_visible()  # the confirmation page
    desk.get_by_role("button", name="确认答复并办结").click()
    expect(desk.get_by_text("已答复并办结。")).to_be_visible()
    expect(desk.get_by_text("已办结").first).to_be_visible()
    shot(desk, "6-case-closed")

    # The citizen tracks the case and reads the reply.
    page.goto(f"{live_url}/track")
    page.fill("input[name=reference]", reference)
    page.fill("input[name=code]", code)
    page.get_by_role("button").last.click()
    expect(page.get_by_text("已责成法院重新组织主题党日活动")).to_be_visible()
    expect(page.get_by_text("已办结").first).to_be_visible()
    assert fits_the_phone(page)
    shot(page, "7-tracking")


def test_reloading_the_receipt_or_going_back_and_sending_again_files_one_case(
    browser: Browser, live_url: str
):
    citizen = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="zh-CN", ignore_https_errors=True
    )
    page = citizen.new_page()
    page.goto(f"{live_url}/submit")
    page.check("input[name=kind][value=opinion]")
    page.check("input[name=body][value=court]")
    page.fill("input[name=subject]", "便民窗口仍未开放")
    page.fill("textarea[name=content]", "通报说已设便民窗口，但我本周两次去都没有开放。")
    page.check("input[name=identity][value=anonymous]")
    page.check("input[name=consent]")
    page.get_by_role("button").last.click()
    reference = page.locator("#receipt-ref").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()

    # The answer was lost, or the citizen reloads: Chromium posts the form again.
    page.reload()
    expect(page.get_by_text("此条反映此前已经收到")).to_be_visible()
    assert page.locator("#receipt-ref").inner_text().strip() == reference
    assert page.locator("#receipt-code").inner_text().strip() == code
    shot(page, "8-receipt-again")

    # Back to the form: fetched anew, with a new token; Chromium restores the answers but the
    # subject (autocomplete=off), which the citizen types again before sending.
    page.go_back()
    expect(page.locator("textarea[name=content]")).to_have_value(
        "通报说已设便民窗口，但我本周两次去都没有开放。"
    )
    page.fill("input[name=subject]", "便民窗口仍未开放")
    page.get_by_role("button").last.click()
    expect(page.get_by_text("此条反映此前已经收到")).to_be_visible()
    assert page.locator("#receipt-code").inner_text().strip() == code

    # One case: the court's inbox lists the reference once.
    staff = browser.new_context(locale="zh-CN", ignore_https_errors=True)
    desk = staff.new_page()
    desk.goto(f"{live_url}/staff/login")
    desk.fill("input[name=username]", "court-staff")
    desk.fill("input[name=password]", PASSWORD)
    desk.get_by_role("button").last.click()
    expect(desk.get_by_text(reference)).to_have_count(1)
    expect(desk.get_by_text("便民窗口仍未开放")).to_have_count(1)


def test_a_case_linked_from_another_site_opens_only_from_the_inbox(
    browser: Browser, live_url: str, app_factory
):
    app = app_factory()
    with app.app_context():
        case, _ = new_case(subject="别的网站链接到的案件")
        case_id = case.id

    def views() -> int:
        with app.app_context():
            return db.session.scalar(
                select(func.count()).where(AuditEntry.action == AuditAction.CASE_VIEWED)
            )

    staff = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", ignore_https_errors=True
    )
    desk = staff.new_page()
    desk.goto(f"{live_url}/staff/login")
    desk.fill("input[name=username]", "court-staff")
    desk.fill("input[name=password]", PASSWORD)
    desk.get_by_role("button").last.click()
    expect(desk.get_by_text(case.reference)).to_be_visible()

    # A page on another site links to the case; the staff member's browser follows the link.
    link = f'<a id="go" href="{live_url}/inbox/cases/{case_id}">link</a>'
    staff.route("http://elsewhere.example/", lambda route: route.fulfill(body=link))
    desk.goto("http://elsewhere.example/")
    desk.click("#go")
    expect(desk.get_by_role("heading", name="来自其他网站的链接")).to_be_visible()
    expect(desk.get_by_text("别的网站链接到的案件")).to_have_count(0)
    shot(desk, "staff-linked-from-elsewhere")
    assert views() == 0

    desk.get_by_role("link", name="打开", exact=True).click()
    expect(desk.get_by_text("别的网站链接到的案件")).to_be_visible()
    assert views() == 1


def test_the_administrator_moves_a_draft_row_without_javascript_on_a_phone(
    app: Flask, browser: Browser, live_url: str
):
    draft = import_sample("totals-mismatch", publish=False)
    admin = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="zh-CN", ignore_https_errors=True
    )
    page = admin.new_page()
    page.goto(f"{live_url}/staff/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button").last.click()
    page.goto(f"{live_url}/admin/notices/{draft.id}")
    page.get_by_role("link", name="调整结构").click()
    page.locator(f"form[action='/admin/notices/{draft.id}/outline/3/up'] button").click()
    expect(page.get_by_text("已上移。")).to_be_visible()
    first = page.locator("#preview h4").first
    expect(first).to_contain_text("一.1.(1)")
    expect(first).to_contain_text("森林防火宣传不到位")
    assert fits_the_phone(page)
    shot(page, "7-draft-structure")
