"""Every form, sent as a browser sends it over HTTPS behind nginx, with every protection on.

nginx hands gunicorn `X-Forwarded-Proto: https`, `X-Forwarded-For` and the `Host` it was asked
for (TRUSTED_PROXIES=1). Since every page says `Referrer-Policy: no-referrer`, the browser sends
no Referer with a form's POST, and `Origin: null` rather than https://<site> (the Fetch standard;
Chromium does so in tests/test_browser.py), with `Sec-Fetch-Site: same-origin`. Each form is read
off its page, token included, and sent like that: it must work. Sent without its token, or from
another site's page, it must be refused with a page that says so in Chinese, and nothing may be
stored or changed.
"""

import io
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, case_count, item, new_case
from flask import Flask
from notice_helpers import UNITS, import_sample, sample
from page_forms import form_on
from public_helpers import CONTENT
from pypdf import PdfReader
from security_helpers import code_for, enrol, jpeg_with_gps, running, stored_files
from sqlalchemy import select
from werkzeug.security import check_password_hash
from werkzeug.test import TestResponse

from feedback.cases import months, notifications, operations
from feedback.cases.operations import ContactDetails
from feedback.extensions import db
from feedback.models import (
    AccountRequest,
    AuditAction,
    AuditEntry,
    Body,
    BodyRole,
    Case,
    CaseNews,
    EventKind,
    Item,
    ItemVerdict,
    Kind,
    MailSetting,
    NewCaseMail,
    Notice,
    Rating,
    RecoveryCode,
    ReplyTemplate,
    RequestKind,
    RequestState,
    Role,
    Status,
    TemplateUse,
    User,
    Verdict,
    utcnow,
)
from feedback.notices import editing
from feedback.staff import accounts, reply_templates

SITE = "feedback.example.gov.cn"
ORIGIN = f"https://{SITE}"
FOREIGN = "https://evil.example"
# What a current browser adds to a form's POST from a page of this site, and from another site's.
OWN_PAGE = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
OTHER_SITE = {"Origin": FOREIGN, "Sec-Fetch-Site": "cross-site"}

EXPIRED = "表单已过期"
TOKEN_REFUSED = "表单的安全令牌缺失或无效"
CROSS_SITE_REFUSED = "来自其他网站的请求已被拒绝"
NOTHING_STORED = "本次提交的内容未被保存"


class Browser:
    """One browser on https://SITE: its cookies, the page it is on, the headers it sends."""

    def __init__(self, app: Flask, address: str) -> None:
        self.client = app.test_client()
        self.address = address
        self.url = "/"
        self.html = ""

    def open(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> TestResponse:
        # What nginx adds; base_url makes the Host header the site's name, as nginx passes it.
        sent = {"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address, **headers}
        response = self.client.open(
            path, method=method, base_url=f"http://{SITE}", headers=sent, **kwargs
        )
        assert response.status_code != 500, response.text
        if response.status_code == 200 and response.mimetype == "text/html":
            self.url, self.html = path, response.text  # the page the browser now shows
        return response

    def get(self, path: str) -> TestResponse:
        return self.open("GET", path, {})

    def page(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return self.html

    def follow(self, response: TestResponse) -> TestResponse:
        """Follow redirects as the browser does, with a GET."""
        while response.status_code in (301, 302, 303):
            response = self.get(response.location)
        return response

    def submit(
        self,
        action: str,
        typed: dict[str, str] | None = None,
        *,
        files: dict[str, tuple[bytes, str]] | None = None,
        button: tuple[str, str] | None = None,
        token: bool = True,
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        """Send the current page's form that goes to `action`, as the browser would."""
        form = form_on(self.html, action)
        data: dict[str, Any] = form.data(typed or {}, button)
        if not token:
            data = {k: v for k, v in data.items() if not k.endswith("csrf_token")}
        target = form.action or self.url
        if form.method == "get":
            return self.open("GET", target, {}, query_string=data)
        sent = OWN_PAGE if headers is None else headers
        if form.enctype == "multipart/form-data":
            for name, (content, filename) in (files or {}).items():
                data[name] = (io.BytesIO(content), filename)
            return self.open("POST", target, sent, data=data, content_type=form.enctype)
        assert not files, "files need a multipart form"
        return self.open("POST", target, sent, data=data)


@dataclass
class Site:
    """The service as deployed behind nginx: CSRF, rate limits, two-factor login, one proxy."""

    app: Flask
    secrets: dict[str, str] = field(default_factory=dict)
    browsers: int = 0

    def browser(self) -> Browser:
        self.browsers += 1
        return Browser(self.app, f"203.0.113.{self.browsers}")

    def user(self, username: str) -> User:
        return db.session.execute(select(User).where(User.username == username)).scalar_one()

    def enrolled(self, username: str) -> str:
        """Give the account a second factor now; return its secret."""
        if username not in self.secrets:
            self.secrets[username] = enrol(self.user(username))
        return self.secrets[username]

    def signed_in(self, username: str) -> Browser:
        """A browser in which the member of staff has logged in through the login form."""
        browser = self.browser()
        browser.page("/staff/login")
        typed = {"username": username, "password": PASSWORD}
        if username == "admin" or username.endswith("-manager"):
            typed["code"] = code_for(self.enrolled(username))
        response = browser.follow(browser.submit("", typed))
        assert f"· {username}" in browser.html, response.get_data(as_text=True)
        return browser


@pytest.fixture
def site(app_factory: Callable[..., Flask], tmp_path: Path) -> Iterator[Site]:
    with deployed(app_factory, tmp_path) as made:
        yield made


@contextmanager
def deployed(app_factory: Callable[..., Flask], tmp_path: Path, **extra: Any) -> Iterator[Site]:
    app = app_factory(
        ATTACHMENT_DIR=str(tmp_path / "attachments"),
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        SUBMIT_LIMITS="100 per hour",
        LOGIN_LIMITS="100 per hour",
        TRACK_LIMITS="100 per hour",
        TRUSTED_PROXIES=1,
        TOTP_REQUIRED_ROLES=("manager", "admin"),
        **extra,
    )
    with running(app):
        yield Site(app)


def stored(app: Flask) -> dict[str, Any]:
    """Everything the service keeps: every row of every table, and the attached files."""
    tables = {
        table.name: sorted(map(repr, db.session.execute(table.select()).all()))
        for table in db.metadata.sorted_tables
    }
    return {**tables, "files": stored_files(Path(app.config["ATTACHMENT_DIR"]))}


@dataclass
class Ready:
    """A form on the page a browser shows, filled in and not yet sent; `then` checks, on what
    the user ends up with, that it did what it is for."""

    browser: Browser
    action: str
    typed: dict[str, str]
    then: Callable[[TestResponse], None]
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    button: tuple[str, str] | None = None

    def send(self, **options: Any) -> TestResponse:
        return self.browser.submit(
            self.action, self.typed, files=self.files, button=self.button, **options
        )

    def endpoint(self, app: Flask) -> str:
        """The view the form goes to, as the page's action says."""
        form = form_on(self.browser.html, self.action)
        path = (form.action or self.browser.url).split("?")[0]
        method = form.method.upper()
        return app.url_map.bind(SITE).match(path, method=method)[0]  # type: ignore[no-any-return]


def case_on(receipt: TestResponse) -> Case:
    found = re.search(r'id="receipt-ref"[^>]*>\s*([^<\s]+)\s*<', receipt.text)
    assert found, receipt.text
    return db.session.execute(select(Case).where(Case.reference == found[1])).scalar_one()


def event_kinds(case: Case) -> list[EventKind]:
    db.session.refresh(case)
    return [event.kind for event in case.events]


def citizen_form(**typed: str) -> dict[str, str]:
    return {
        "kind": "opinion",
        "body": "court",
        "subject": "关于便民工作的意见",
        "content": CONTENT,
        "identity": "anonymous",
        "consent": "y",
        **typed,
    }


def body(slug: str) -> Body:
    return db.session.execute(select(Body).where(Body.slug == slug)).scalar_one()


# Each form, filled in on its page ---------------------------------------------------------


def submission(site: Site) -> Ready:
    browser = site.browser()
    browser.page("/submit")

    def then(receipt: TestResponse) -> None:
        case = case_on(receipt)
        assert case.subject == "关于便民工作的意见" and case.body.slug == "court"

    return Ready(browser, "/submit", citizen_form(), then)


def submission_with_a_photo(site: Site) -> Ready:
    browser = site.browser()
    browser.page("/submit")

    def then(receipt: TestResponse) -> None:
        assert "已附 1 个" in receipt.text
        assert len(case_on(receipt).attachments) == 1

    files = {"attachments": (jpeg_with_gps(), "现场.jpg")}
    return Ready(browser, "/submit", citizen_form(), then, files)


def routing_confirmation(site: Site) -> Ready:
    """The second POST: the citizen confirms the body the rules propose for a report."""
    browser = site.browser()
    browser.page("/submit")
    typed = citizen_form(kind="report", body="unsure")
    preview = browser.submit("/submit", typed)
    assert preview.status_code == 200 and "receipt-ref" not in preview.text
    assert 'name="confirm_routing" type="hidden" value="1"' in browser.html

    def then(receipt: TestResponse) -> None:
        case = case_on(receipt)
        assert case.kind is Kind.REPORT and case.body.slug == "discipline"

    return Ready(browser, "/submit", typed, then)


def tracking(site: Site) -> Ready:
    case, code = new_case(subject="门口台阶仍未修好")
    browser = site.browser()
    browser.page("/track")

    def then(page: TestResponse) -> None:
        assert case.reference in page.text and "门口台阶仍未修好" in page.text

    return Ready(browser, "/track", {"reference": case.reference, "code": code}, then)


def on_the_case_page(site: Site, case: Case, code: str) -> Browser:
    browser = site.browser()
    browser.page("/track")
    assert browser.submit("/track", {"reference": case.reference, "code": code}).status_code == 200
    assert case.reference in browser.html
    return browser


def adding_information(site: Site) -> Ready:
    case, code = new_case()
    browser = on_the_case_page(site, case, code)

    def then(page: TestResponse) -> None:
        assert "补充材料已添加到您的件中。" in page.text and "周三上午又去了一次。" in page.text
        assert EventKind.SUPPLEMENT in event_kinds(case)

    return Ready(browser, "/track/add", {"text": "周三上午又去了一次。"}, then)


def rating(site: Site) -> Ready:
    case, code = new_case()
    staff = site.user("court-staff")
    operations.accept(db.session, case, staff)
    operations.close(db.session, case, staff, "经核实，已按通报整改到位。")
    db.session.commit()
    browser = on_the_case_page(site, case, code)

    def then(page: TestResponse) -> None:
        assert "感谢您的评价，评价已记录。" in page.text
        db.session.refresh(case)
        assert case.rating is Rating.SATISFIED

    return Ready(browser, "/track/rate", {"rating": "satisfied"}, then)


def asking_for_a_review(site: Site) -> Ready:
    case, code = new_case()
    operations.decline(db.session, case, site.user("court-staff"), "不属于本院受理范围。")
    db.session.commit()
    browser = on_the_case_page(site, case, code)

    def then(page: TestResponse) -> None:
        assert "复查申请已收到" in page.text
        db.session.refresh(case)
        assert case.review is not None and len(case.review.attachments) == 1

    files = {"attachments": (jpeg_with_gps(), "证据.jpg")}
    typed = {"reasons": "不予受理的理由与事实不符，请求复查。"}
    return Ready(browser, "/track/review", typed, then, files)


def asking_a_follow_up_question(site: Site) -> Ready:
    case, code = new_case()
    staff = site.user("court-staff")
    operations.accept(db.session, case, staff)
    operations.close(db.session, case, staff, "经核实，已按通报整改到位。")
    db.session.commit()
    browser = on_the_case_page(site, case, code)

    def then(page: TestResponse) -> None:
        assert "追问已发送" in page.text
        assert EventKind.FOLLOW_UP in event_kinds(case)

    return Ready(browser, "/track/follow-up", {"question": "具体哪天整改的？"}, then)


def answering_a_follow_up_question(site: Site) -> Ready:
    case, _code = new_case()
    staff = site.user("court-staff")
    operations.accept(db.session, case, staff)
    operations.close(db.session, case, staff, "经核实，已按通报整改到位。")
    operations.ask_follow_up(db.session, case, "具体哪天整改的？")
    db.session.commit()
    browser = site.signed_in("court-staff")
    browser.page(f"/inbox/cases/{case.id}")

    def then(page: TestResponse) -> None:
        assert "答复已发送" in page.text
        assert event_kinds(case)[-1] is EventKind.ANSWERED

    return Ready(browser, f"/inbox/cases/{case.id}/answer", {"answer-answer": "11月3日。"}, then)


def publishing_a_reply(site: Site) -> Ready:
    """公开答复: staff confirm the reply, masked, for the public page, as the citizen allowed."""
    case, _code = new_case()
    case.publish_allowed = True
    staff = site.user("court-staff")
    operations.accept(db.session, case, staff)
    operations.close(db.session, case, staff, "经核实，已按通报整改到位。咨询电话13912345678。")
    db.session.commit()
    browser = site.signed_in("court-staff")
    browser.page(f"/inbox/cases/{case.id}")

    def then(page: TestResponse) -> None:
        assert "答复已在通报的公开数据页公开" in page.text
        db.session.refresh(case)
        assert case.published_reply == "经核实，已按通报整改到位。咨询电话＊＊＊。"

    return Ready(browser, f"/inbox/cases/{case.id}/publish", {}, then)


def answering_an_item(site: Site) -> Ready:
    """属实 / 不属实 / 不了解: one tap under an item of the notice."""
    item_id = item("一.1.(1)").id
    browser = site.browser()
    browser.page("/n/wufeng-court-2020/")

    def then(page: TestResponse) -> None:
        assert "您的回答“不属实”已匿名记录" in page.text
        verdicts = db.session.execute(select(ItemVerdict.item_id, ItemVerdict.verdict)).all()
        assert [tuple(row) for row in verdicts] == [(item_id, Verdict.UNTRUE)]

    return Ready(browser, f"/items/{item_id}/answer", {}, then, button=("verdict", "untrue"))


def downloading_the_receipt(site: Site) -> Ready:
    case, code = new_case(subject="门口台阶仍未修好")
    browser = on_the_case_page(site, case, code)

    def then(file: TestResponse) -> None:
        assert file.mimetype == "application/pdf" and file.headers["Cache-Control"] == "no-store"
        assert file.headers["Content-Disposition"].startswith("attachment;")
        text = PdfReader(io.BytesIO(file.data)).pages[0].extract_text()
        assert case.reference in text and code in text and "门口台阶仍未修好" in text

    return Ready(browser, "/track/receipt", {}, then)


def staff_login(site: Site) -> Ready:
    browser = site.browser()
    browser.page("/staff/login")

    def then(inbox: TestResponse) -> None:
        assert browser.url == "/inbox/" and "· court-staff" in inbox.text

    return Ready(browser, "", {"username": "court-staff", "password": PASSWORD}, then)


def login_with_a_second_factor(site: Site) -> Ready:
    secret = site.enrolled("court-manager")
    browser = site.browser()
    browser.page("/staff/login")

    def then(inbox: TestResponse) -> None:
        assert browser.url == "/inbox/" and "· court-manager" in inbox.text

    typed = {"username": "court-manager", "password": PASSWORD, "code": code_for(secret)}
    return Ready(browser, "", typed, then)


def secret_on(page: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert found, page
    return found[1].replace(" ", "")


def recovery_codes_shown(user: str, site: Site) -> Callable[[TestResponse], None]:
    def then(page: TestResponse) -> None:
        assert len(re.findall(r'<li class="code">', page.text)) == 10
        assert site.user(user).has_two_factor

    return then


def enrolment_at_login(site: Site) -> Ready:
    """A manager's first login: the password, then the second factor is set up."""
    browser = site.browser()
    browser.page("/staff/login")
    browser.follow(browser.submit("", {"username": "court-manager", "password": PASSWORD}))
    assert browser.url.startswith("/staff/login/enrol")
    code = code_for(secret_on(browser.html))
    return Ready(browser, "", {"code": code}, recovery_codes_shown("court-manager", site))


def enrolment_by_choice(site: Site) -> Ready:
    browser = site.signed_in("court-staff")
    browser.page("/staff/two-factor")
    code = code_for(secret_on(browser.html))
    return Ready(browser, "", {"code": code}, recovery_codes_shown("court-staff", site))


def new_recovery_codes(site: Site) -> Ready:
    browser = site.signed_in("court-manager")
    browser.page("/staff/two-factor")
    code = code_for(site.secrets["court-manager"], steps_ahead=1)  # the login spent this step's
    hashes = select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == site.user("court-manager").id
    )
    old = set(db.session.execute(hashes).scalars())

    def then(page: TestResponse) -> None:
        recovery_codes_shown("court-manager", site)(page)
        assert not old & set(db.session.execute(hashes).scalars())

    return Ready(browser, "/staff/two-factor/recovery-codes", {"code": code}, then)


def logout(site: Site) -> Ready:
    browser = site.signed_in("court-staff")

    def then(page: TestResponse) -> None:
        assert "您已退出登录。" in page.text
        assert browser.get("/inbox/").status_code == 302  # to the login page

    return Ready(browser, "/staff/logout", {}, then)


def on_a_case(site: Site, accepted: bool = False, **options: Any) -> tuple[Browser, Case]:
    case, _code = new_case(**options)
    if accepted:
        operations.accept(db.session, case, site.user("court-staff"))
        db.session.commit()
    browser = site.signed_in("court-staff")
    browser.page(f"/inbox/cases/{case.id}")
    return browser, case


def inbox_step(
    step: str, typed: dict[str, str], shows: str, recorded: EventKind, accepted: bool = False
) -> Callable[[Site], Ready]:
    """A step on a case of the court's inbox, by a member of its staff."""

    def prepare(site: Site) -> Ready:
        browser, case = on_a_case(site, accepted)

        def then(page: TestResponse) -> None:
            assert shows in page.text
            assert event_kinds(case)[-1] is recorded

        return Ready(browser, f"/inbox/cases/{case.id}/{step}", typed, then)

    return prepare


def confirmed(prepare: Callable[[Site], Ready]) -> Callable[[Site], Ready]:
    """A step that cannot be undone: its form on the case page leads to a confirmation page, and
    the form on that page takes the step."""

    def on_the_confirmation_page(site: Site) -> Ready:
        filled = prepare(site)
        shown = filled.send()
        assert shown.status_code == 200 and "此操作无法撤销。" in shown.text
        step = filled.action.rsplit("/", 1)[1]
        yes = (f"{step}-confirmed", "yes")
        return Ready(filled.browser, filled.action, {}, filled.then, button=yes)

    return on_the_confirmation_page


def transferring(site: Site) -> Ready:
    browser, case = on_a_case(site)

    def then(page: TestResponse) -> None:
        assert "已转办，此件已移出本收件箱。" in page.text
        db.session.refresh(case)
        assert case.body.slug == "inspection"

    typed = {"transfer-to_body": str(body("inspection").id), "transfer-reason": "属于巡察办职责。"}
    return Ready(browser, f"/inbox/cases/{case.id}/transfer", typed, then)


def assigning(site: Site) -> Ready:
    browser, case = on_a_case(site)
    manager = site.user("court-manager")

    def then(page: TestResponse) -> None:
        assert "已指派。" in page.text
        db.session.refresh(case)
        assert case.assignee_id == manager.id

    typed = {"assign-assignee": str(manager.id)}
    return Ready(browser, f"/inbox/cases/{case.id}/assign", typed, then)


NEAR_COPY = (
    "诉讼服务大厅门前的停车场一直被施工围挡占用，前来办事的群众只能把车停在路边，经常被贴罚单。"
)


def on_a_campaign(site: Site, grouped: bool) -> tuple[Browser, Case, Case]:
    """Two near copies at the court, linked into a group or not, and the first one's page."""
    first, _code = new_case(Kind.COMPLAINT, subject="停车难", content=NEAR_COPY)
    second, _code = new_case(Kind.COMPLAINT, subject="停车难", content="您好！" + NEAR_COPY)
    if grouped:
        operations.link(db.session, first, site.user("court-staff"), [second.id])
        db.session.commit()
    browser = site.signed_in("court-staff")
    browser.page(f"/inbox/cases/{first.id}")
    return browser, first, second


def grouping(site: Site) -> Ready:
    browser, first, second = on_a_campaign(site, grouped=False)

    def then(page: TestResponse) -> None:
        assert "已关联为同一诉求" in page.text
        db.session.expire_all()
        assert first.group_id is not None and first.group_id == second.group_id

    typed = {"group-cases": str(second.id)}
    return Ready(browser, f"/inbox/cases/{first.id}/group", typed, then)


def ungrouping(site: Site) -> Ready:
    browser, first, second = on_a_campaign(site, grouped=True)

    def then(page: TestResponse) -> None:
        assert "本件已移出本组。" in page.text
        db.session.expire_all()
        assert first.group_id is None and second.group_id is None

    return Ready(browser, f"/inbox/cases/{first.id}/ungroup", {}, then)


def closing_a_group(site: Site) -> Ready:
    """One reply to the group, confirmed on the page that lists the cases it closes."""
    browser, first, second = on_a_campaign(site, grouped=True)
    action = f"/inbox/cases/{first.id}/group/close"
    shown = browser.submit(action, {"group_close-reply": "停车场已恢复开放。"})
    assert shown.status_code == 200 and "此操作无法撤销。" in shown.text

    def then(page: TestResponse) -> None:
        assert "答复已发送给 2 件，均已办结。" in page.text
        db.session.expire_all()
        assert first.status is second.status is Status.CLOSED

    return Ready(browser, action, {}, then, button=("group_close-confirmed", "yes"))


def revealing_the_contact(site: Site) -> Ready:
    contact = ContactDetails(name="李四", phone="13812345678", email="")
    browser, case = on_a_case(site, contact=contact)
    assert "13812345678" not in browser.html

    def then(page: TestResponse) -> None:
        assert "李四" in page.text and "13812345678" in page.text
        revealed = select(AuditEntry).where(
            AuditEntry.case_id == case.id, AuditEntry.action == AuditAction.CONTACT_REVEALED
        )
        assert db.session.execute(revealed).first() is not None

    return Ready(browser, f"/inbox/cases/{case.id}/contact", {}, then)


def accounts_page(who: str) -> Callable[[Site], Ready]:
    """A manager creates an account in the body, the administrator in any body."""

    def prepare(site: Site) -> Ready:
        browser = site.signed_in(who)
        path = "/admin/accounts" if who == "admin" else "/inbox/accounts"
        browser.page(path)
        typed = {"username": "court-new", "password": "a long new password 2026", "role": "staff"}
        if who == "admin":
            typed["body"] = "court"

        def then(page: TestResponse) -> None:
            new = site.user("court-new")
            assert new.body.slug == "court"
            if who == "admin":  # the court has a manager, who approves it first
                assert REQUESTED in page.text and not new.active
            else:
                assert "账号 court-new 已创建。" in page.text and new.active

        return Ready(browser, path, typed, then)

    return prepare


def switching_an_account(who: str, active: bool) -> Callable[[Site], Ready]:
    """Deactivate (active=False) or reactivate an account of the court's staff."""

    def prepare(site: Site) -> Ready:
        target = site.user("court-staff")
        target.active = not active
        db.session.commit()
        browser = site.signed_in(who)
        path = "/admin/accounts" if who == "admin" else "/inbox/accounts"
        browser.page(path)

        def then(page: TestResponse) -> None:
            if who == "admin" and active:  # the court's manager approves a reactivation first
                assert REQUESTED in page.text
                assert site.user("court-staff").active is False
                return
            assert f"账号 court-staff 已{'启用' if active else '停用'}。" in page.text
            assert site.user("court-staff").active is active

        action = f"{path}/{target.id}/{'reactivate' if active else 'deactivate'}"
        return Ready(browser, action, {}, then)

    return prepare


def resetting_a_colleague(site: Site) -> Ready:
    """A manager gives a clerk of the body a new password and no second factor."""
    target = site.user("court-staff")
    browser = site.signed_in("court-manager")
    browser.page(f"/inbox/accounts/{target.id}/reset")

    def then(page: TestResponse) -> None:
        assert "court-staff 已设置新密码" in page.text
        clerk = site.user("court-staff")
        db.session.refresh(clerk)
        assert clerk.must_change_password and not clerk.has_two_factor

    action = f"/inbox/accounts/{target.id}/reset"
    return Ready(browser, action, {"password": "a temporary password 2026"}, then)


def changing_ones_password(site: Site) -> Ready:
    browser = site.signed_in("court-manager")
    browser.page("/staff/password")
    new = "a fresh password of my own 2026"
    secret = site.enrolled("court-manager")
    typed = {"current": PASSWORD, "code": code_for(secret, 1), "password": new, "again": new}

    def then(page: TestResponse) -> None:
        assert "密码已修改" in page.text
        manager = site.user("court-manager")
        db.session.refresh(manager)
        assert check_password_hash(manager.password_hash, new)

    return Ready(browser, "/staff/password", typed, then)


def export(site: Site) -> Ready:
    new_case(subject="关于窗口服务的意见")
    browser = site.signed_in("court-manager")
    browser.page("/inbox/export")

    def then(download: TestResponse) -> None:
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert "关于窗口服务的意见" in download.get_data().decode("utf-8-sig")

    this_month = months.month_of(utcnow())  # the case was received this month
    return Ready(browser, "/inbox/export/download", {"month": this_month, "format": "csv"}, then)


def a_template(site: Site, title: str = "已整改答复") -> ReplyTemplate:
    manager = site.user("court-manager")
    made = reply_templates.create(
        db.session, manager, TemplateUse.REPLY, title, "经核实，已按通报整改到位。"
    )
    db.session.commit()
    return made


def creating_a_template(site: Site) -> Ready:
    browser = site.signed_in("court-manager")
    browser.page("/inbox/templates")

    def then(page: TestResponse) -> None:
        assert "模板“不予受理说明”已保存。" in page.text
        (made,) = reply_templates.of_body(db.session, body("court").id)
        assert made.use is TemplateUse.DECLINE and made.text == "不属于本机关受理范围。"

    typed = {"use": "decline", "title": "不予受理说明", "text": "不属于本机关受理范围。"}
    return Ready(browser, "/inbox/templates", typed, then)


def editing_a_template(site: Site) -> Ready:
    made = a_template(site)
    browser = site.signed_in("court-manager")
    browser.page(f"/inbox/templates/{made.id}")

    def then(page: TestResponse) -> None:
        assert "模板“已整改答复”已保存。" in page.text
        db.session.refresh(made)
        assert made.text == "经核实，已整改到位。"

    typed = {"text": "经核实，已整改到位。"}
    return Ready(browser, f"/inbox/templates/{made.id}", typed, then)


def deleting_a_template(site: Site) -> Ready:
    made = a_template(site)
    browser = site.signed_in("court-manager")
    browser.page("/inbox/templates")

    def then(page: TestResponse) -> None:
        assert "模板“已整改答复”已删除。" in page.text
        assert reply_templates.of_body(db.session, body("court").id) == []

    return Ready(browser, f"/inbox/templates/{made.id}/delete", {}, then)


def a_bodys_details(site: Site) -> Ready:
    court = body("court")
    browser = site.signed_in("admin")
    browser.page(f"/admin/bodies/{court.id}")

    def then(page: TestResponse) -> None:
        assert f"{court.name} 的信息已保存。" in page.text
        db.session.refresh(court)
        assert court.phone == "0717-5190000"

    return Ready(browser, f"/admin/bodies/{court.id}", {"phone": "0717-5190000"}, then)


def resetting_two_factor(site: Site) -> Ready:
    site.enrolled("court-manager")
    target = site.user("court-manager")
    browser = site.signed_in("admin")
    browser.page("/admin/accounts")

    def then(page: TestResponse) -> None:
        assert REQUESTED in page.text  # the court's manager approves it first
        assert site.user("court-manager").has_two_factor

    return Ready(browser, f"/admin/accounts/{target.id}/reset-two-factor", {}, then)


def a_new_password(site: Site) -> Ready:
    target = site.user("court-staff")
    browser = site.signed_in("admin")
    browser.page(f"/admin/accounts/{target.id}")

    def then(page: TestResponse) -> None:
        assert REQUESTED in page.text
        assert pending(target, RequestKind.RESET_PASSWORD)

    typed = {"password": "another long password 2026"}
    return Ready(browser, f"/admin/accounts/{target.id}/password", typed, then)


def moving_an_account(site: Site) -> Ready:
    target = site.user("court-staff")
    browser = site.signed_in("admin")
    browser.page(f"/admin/accounts/{target.id}")

    def then(page: TestResponse) -> None:
        assert REQUESTED in page.text  # the discipline group's manager approves it first
        assert pending(target, RequestKind.MOVE)
        assert site.user("court-staff").body.slug == "court"

    return Ready(browser, f"/admin/accounts/{target.id}/move", {"body": "discipline"}, then)


def pending(account: User, kind: RequestKind) -> bool:
    waiting = select(AccountRequest).where(
        AccountRequest.account_id == account.id,
        AccountRequest.kind == kind,
        AccountRequest.state == RequestState.PENDING,
    )
    return db.session.execute(waiting).first() is not None


def deciding(approve: bool) -> Callable[[Site], Ready]:
    """The court's manager approves, or rejects, the administrator's new password for a clerk."""

    def prepare(site: Site) -> Ready:
        clerk = site.user("court-staff")
        change = accounts.reset_password(
            db.session, site.user("admin"), clerk, "another long password 2026"
        )
        db.session.commit()
        assert change.request is not None
        number = change.request.id
        browser = site.signed_in("court-manager")
        browser.page("/inbox/approvals")

        def then(page: TestResponse) -> None:
            decided = db.session.get(AccountRequest, number)
            assert decided is not None
            db.session.refresh(decided)
            wanted = RequestState.APPROVED if approve else RequestState.REJECTED
            assert decided.state == wanted

        verb = "approve" if approve else "reject"
        return Ready(browser, f"/inbox/approvals/{number}/{verb}", {}, then)

    return prepare


def acknowledging(site: Site) -> Ready:
    """A body's manager acknowledges a change made while the body had no active manager."""
    manager, admin = site.user("discipline-manager"), site.user("admin")
    accounts.set_active(db.session, admin, manager, False)  # the body has no active manager
    accounts.create(db.session, admin, "discipline-new", PASSWORD, Role.STAFF, "discipline")
    accounts.set_active(db.session, admin, manager, True)  # made without approval too
    db.session.commit()
    browser = site.signed_in("discipline-manager")
    browser.page("/inbox/approvals")
    assert "discipline-new" in browser.html

    def then(page: TestResponse) -> None:
        assert "这些变更不再向您提示" in page.text
        assert 'id="unapproved-' not in page.text

    return Ready(browser, "/inbox/approvals/acknowledge", {}, then)


def notice_import(upload: bool) -> Callable[[Site], Ready]:
    def prepare(site: Site) -> Ready:
        browser = site.signed_in("admin")
        browser.page("/admin/notices/new")
        text = sample("totals-mismatch")
        typed = {"unit": UNITS["totals-mismatch"], "slug": "linye-2021"}
        files = {"upload": (text.encode("gb18030"), "通报.txt")} if upload else {}
        if not upload:
            typed["text"] = text

        def then(page: TestResponse) -> None:
            assert "通报已读取。请核对、修改后发布。" in page.text and "草稿" in page.text
            imported = select(Notice).where(Notice.slug == "linye-2021")
            assert db.session.execute(imported).scalar_one().published_at is None

        return Ready(browser, "/admin/notices/new", typed, then, files)

    return prepare


def notice_preview(publish: bool) -> Callable[[Site], Ready]:
    """The imported draft's page: save a correction, or save it and publish."""

    def prepare(site: Site) -> Ready:
        draft = import_sample("totals-mismatch", publish=False)
        browser = site.signed_in("admin")
        browser.page(f"/admin/notices/{draft.id}")

        def then(page: TestResponse) -> None:
            db.session.refresh(draft)
            assert draft.title == "县林业局巡察整改情况通报（修订）"
            if publish:
                assert "通报已发布，群众可以阅读并提出意见。" in page.text
                assert draft.published_at is not None
            else:
                assert "修改已保存。" in page.text and draft.published_at is None

        typed = {"title": "县林业局巡察整改情况通报（修订）"}
        button = ("action", "publish" if publish else "save")
        return Ready(browser, f"/admin/notices/{draft.id}", typed, then, button=button)

    return prepare


def deleting_a_draft(site: Site) -> Ready:
    draft_id = import_sample("totals-mismatch", publish=False).id
    browser = site.signed_in("admin")
    browser.page(f"/admin/notices/{draft_id}")

    def then(page: TestResponse) -> None:
        assert "草稿已删除。" in page.text
        db.session.expire_all()
        assert db.session.get(Notice, draft_id) is None

    return Ready(browser, f"/admin/notices/{draft_id}/discard", {}, then)


def on_the_structure_page(site: Site, path: str) -> tuple[Browser, Notice]:
    """A draft, and the administrator on one of its structure pages."""
    draft = import_sample("totals-mismatch", publish=False)
    browser = site.signed_in("admin")
    browser.page(path.format(id=draft.id))
    return browser, draft


def codes(notice: Notice) -> dict[str, str]:
    db.session.expire_all()
    items = db.session.execute(select(Item).where(Item.notice_id == notice.id)).scalars()
    return {item.code: item.title for item in items}


def moving_a_row(site: Site) -> Ready:
    browser, draft = on_the_structure_page(site, "/admin/notices/{id}/outline")

    def then(page: TestResponse) -> None:
        assert "已上移。" in page.text
        assert codes(draft)["一.1.(1)"] == "森林防火宣传不到位"

    return Ready(browser, f"/admin/notices/{draft.id}/outline/3/up", {}, then)


def adding_a_row(site: Site) -> Ready:
    browser, draft = on_the_structure_page(site, "/admin/notices/{id}/outline/3/add")

    def then(page: TestResponse) -> None:
        assert "已添加。" in page.text
        assert codes(draft)["一.1.(3)"] == "护林员管理不规范"

    action = f"/admin/notices/{draft.id}/outline/3/add"
    return Ready(browser, action, {"title": "护林员管理不规范"}, then)


def splitting_a_row(site: Site) -> Ready:
    draft = import_sample("totals-mismatch", publish=False)
    item = db.session.execute(
        select(Item).where(Item.notice_id == draft.id, Item.code == "一.1.(1)")
    ).scalar_one()
    item.rectification = "补齐巡林台账。\n建立巡林情况月通报制度。"
    db.session.commit()
    browser = site.signed_in("admin")
    browser.page(f"/admin/notices/{draft.id}/outline/2/split")

    def then(page: TestResponse) -> None:
        assert "已拆分为两行。" in page.text
        assert codes(draft)["一.1.(2)"] == "巡林通报制度不健全"

    action = f"/admin/notices/{draft.id}/outline/2/split"
    return Ready(browser, action, {"title": "巡林通报制度不健全"}, then)


def reading_the_text_again(site: Site) -> Ready:
    """The corrected text is previewed first; the form on the preview applies it."""
    browser, draft = on_the_structure_page(site, "/admin/notices/{id}/source")
    action = f"/admin/notices/{draft.id}/source"
    corrected = sample("totals-mismatch").replace(
        "（2）森林防火宣传不到位", "（2）森林防火宣传不深入"
    )
    shown = browser.submit(action, {"text": corrected}, button=("action", "preview"))
    assert shown.status_code == 200 and "重新识别的预览" in browser.html

    def then(page: TestResponse) -> None:
        assert "原文已重新识别" in page.text
        assert codes(draft)["一.1.(2)"] == "森林防火宣传不深入"

    return Ready(browser, action, {}, then, button=("action", "apply"))


def a_contact_made_a_body(site: Site) -> Ready:
    """The draft uses the seed's bodies; its own discipline group's contact becomes a body."""
    draft = import_sample("totals-mismatch", publish=False)
    editing.set_bodies(db.session, draft, {BodyRole.DISCIPLINE: body("discipline")})
    db.session.commit()
    browser = site.signed_in("admin")
    browser.page(f"/admin/notices/{draft.id}")
    index = re.findall(r'id="contact-(\d+)"', browser.html)
    assert index, browser.html

    def then(page: TestResponse) -> None:
        assert "现已成为本通报的受理机关。" in page.text
        db.session.expire_all()
        assert draft.body_for(BodyRole.DISCIPLINE).phone == "0717-5822415"

    return Ready(browser, f"/admin/notices/{draft.id}/contacts/{index[0]}", {}, then)


def stopping_the_news_of_a_case(site: Site) -> Ready:
    """The citizen follows the link in a message about the case and confirms."""
    case, _code = new_case(contact=ContactDetails("李明", "13800000000", "liming@example.com"))
    notifications.subscribe(db.session, case, "liming@example.com", "zh_Hans_CN")
    db.session.commit()
    token = db.session.get_one(CaseNews, case.id).token
    browser = site.browser()
    browser.page(f"/news/stop/{token}")

    def then(page: TestResponse) -> None:
        assert "您不会再收到关于此件的邮件" in page.text
        assert db.session.get(CaseNews, case.id) is None

    return Ready(browser, f"/news/stop/{token}", {}, then)


def choosing_what_one_is_told_by_mail(site: Site) -> Ready:
    browser = site.signed_in("court-staff")
    browser.page("/staff/notifications")

    def then(page: TestResponse) -> None:
        assert "邮件设置已保存" in page.text
        setting = db.session.get_one(MailSetting, site.user("court-staff").id)
        assert setting.email == "court-staff@example.gov.cn"
        assert setting.new_cases is NewCaseMail.DAILY and setting.due_list

    typed = {"email": "court-staff@example.gov.cn", "new_cases": "daily", "due_list": "y"}
    return Ready(browser, "/staff/notifications", typed, then)


# Each form, by the view it goes to.
FORMS: dict[str, tuple[str, Callable[[Site], Ready]]] = {
    "submission": ("public.submit", submission),
    "submission with a photo": ("public.submit", submission_with_a_photo),
    "routing confirmation": ("public.submit", routing_confirmation),
    "tracking": ("public.track", tracking),
    "adding information": ("public.add_information", adding_information),
    "rating": ("public.rate", rating),
    "asking for a review": ("public.request_review", asking_for_a_review),
    "a follow-up question": ("public.follow_up", asking_a_follow_up_question),
    "answering a follow-up question": ("inbox.answer", answering_a_follow_up_question),
    "downloading the receipt": ("public.download_receipt", downloading_the_receipt),
    "answering whether an item is true": ("public.answer_item", answering_an_item),
    "publishing a reply": ("inbox.publish", publishing_a_reply),
    "staff login": ("auth.login", staff_login),
    "login with a second factor": ("auth.login", login_with_a_second_factor),
    "two-factor enrolment at login": ("auth.enrol", enrolment_at_login),
    "two-factor enrolment by choice": ("auth.two_factor_page", enrolment_by_choice),
    "new recovery codes": ("auth.new_recovery_codes", new_recovery_codes),
    "logout": ("auth.logout", logout),
    "revealing the contact": ("inbox.contact", revealing_the_contact),
    "accepting": (
        "inbox.accept",
        inbox_step("accept", {}, "已受理。", EventKind.ACCEPTED),
    ),
    "declining": (
        "inbox.decline",
        confirmed(
            inbox_step(
                "decline",
                {"decline-reason": "不属于本院受理范围。"},
                "已作不予受理处理，群众可以看到理由。",
                EventKind.DECLINED,
            )
        ),
    ),
    "transferring": ("inbox.transfer", confirmed(transferring)),
    "an internal note": (
        "inbox.note",
        inbox_step("note", {"note-text": "已电话联系窗口。"}, "内部备注已保存。", EventKind.NOTE),
    ),
    "assigning": ("inbox.assign", assigning),
    "linking near copies": ("inbox.group", grouping),
    "taking a case out of its group": ("inbox.ungroup", ungrouping),
    "replying to a group": ("inbox.group_close", closing_a_group),
    "extending": (
        "inbox.extend",
        inbox_step(
            "extend",
            {"extend-days": "20", "extend-reason": "需要调取档案。"},
            "办理期限已延长。",
            EventKind.EXTENDED,
            accepted=True,
        ),
    ),
    "replying and closing": (
        "inbox.close",
        confirmed(
            inbox_step(
                "close",
                {"close-reply": "经核实，已整改到位。"},
                "已答复并办结。",
                EventKind.CLOSED,
                accepted=True,
            )
        ),
    ),
    "a manager creates an account": ("inbox.accounts_page", accounts_page("court-manager")),
    "a manager deactivates an account": (
        "inbox.deactivate",
        switching_an_account("court-manager", active=False),
    ),
    "a manager reactivates an account": (
        "inbox.reactivate",
        switching_an_account("court-manager", active=True),
    ),
    "a manager resets a colleague's login": ("inbox.reset_account", resetting_a_colleague),
    "changing one's own password": ("auth.password", changing_ones_password),
    "export": ("inbox.export_download", export),
    "a body's details": ("admin.body", a_bodys_details),
    "the administrator creates an account": ("admin.accounts_page", accounts_page("admin")),
    "the administrator deactivates an account": (
        "admin.deactivate",
        switching_an_account("admin", active=False),
    ),
    "the administrator reactivates an account": (
        "admin.reactivate",
        switching_an_account("admin", active=True),
    ),
    "resetting two-factor login": ("admin.reset_two_factor", resetting_two_factor),
    "the administrator sets a new password": ("admin.reset_password", a_new_password),
    "the administrator moves an account": ("admin.move", moving_an_account),
    "a manager approves a request": ("inbox.approve", deciding(approve=True)),
    "a manager rejects a request": ("inbox.reject", deciding(approve=False)),
    "a manager acknowledges an unapproved change": ("inbox.acknowledge", acknowledging),
    "a manager creates a reply template": ("inbox.templates_page", creating_a_template),
    "a manager edits a reply template": ("inbox.template_edit", editing_a_template),
    "a manager deletes a reply template": ("inbox.template_delete", deleting_a_template),
    "importing a pasted notice": ("admin.notice_new", notice_import(upload=False)),
    "importing an uploaded notice": ("admin.notice_new", notice_import(upload=True)),
    "saving a notice's preview": ("admin.notice_edit", notice_preview(publish=False)),
    "publishing a notice": ("admin.notice_edit", notice_preview(publish=True)),
    "deleting a draft notice": ("admin.notice_discard", deleting_a_draft),
    "moving a row of a draft": ("admin.outline_step", moving_a_row),
    "adding a row to a draft": ("admin.outline_add", adding_a_row),
    "splitting a row of a draft": ("admin.outline_split", splitting_a_row),
    "reading a draft's text again": ("admin.notice_source", reading_the_text_again),
    "making a body of a contact": ("admin.notice_contact", a_contact_made_a_body),
    "stopping the news of a case": ("public.stop_news", stopping_the_news_of_a_case),
    "choosing what one is told by mail": ("auth.notifications", choosing_what_one_is_told_by_mail),
}
REQUESTED = "申请已提交"

# Sent with GET: it changes nothing, so it carries no token and is not refused.
GET_FORMS = {"export"}


def ready(site: Site, name: str) -> Ready:
    endpoint, prepare = FORMS[name]
    filled = prepare(site)
    assert filled.endpoint(site.app) == endpoint
    return filled


# What staff and the administrator do is audited; a citizen's steps are the case's events.
AUDITED = ("auth.", "inbox.", "admin.")


def audit_entries() -> int:
    return len(db.session.execute(select(AuditEntry.id)).all())


@pytest.mark.parametrize("name", FORMS)
def test_the_form_works_over_https_as_a_browser_sends_it(site, name):
    filled = ready(site, name)
    audited = filled.endpoint(site.app).startswith(AUDITED)
    entries = audit_entries()
    landed = filled.browser.follow(filled.send())
    if audited:
        assert audit_entries() > entries, f"{name} wrote no audit entry"
    assert landed.status_code == 200, landed.text
    assert landed.headers["Referrer-Policy"] == "no-referrer"
    assert landed.headers["Strict-Transport-Security"]  # the service knows it is on HTTPS
    filled.then(landed)


@pytest.mark.parametrize("name", [name for name in FORMS if name not in GET_FORMS])
def test_the_form_is_refused_without_its_token_or_from_another_site(site, name):
    filled = ready(site, name)
    before = stored(site.app)

    missing = filled.send(token=False)
    assert missing.status_code == 400
    assert TOKEN_REFUSED in missing.text and NOTHING_STORED in missing.text
    assert EXPIRED not in missing.text

    # With the page's own token, but sent by another site's page.
    forged = filled.send(headers=OTHER_SITE)
    assert forged.status_code == 403
    assert CROSS_SITE_REFUSED in forged.text and NOTHING_STORED in forged.text

    assert stored(site.app) == before


def test_every_view_that_takes_a_post_has_its_form_tried_here(site):
    rules = site.app.url_map.iter_rules()
    posted = {rule.endpoint for rule in rules if "POST" in (rule.methods or ())}
    tried = {endpoint for name, (endpoint, _) in FORMS.items() if name not in GET_FORMS}
    assert posted == tried


# How the refusals tell what happened ------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        OTHER_SITE,
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # from a no-referrer page elsewhere
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": f"https://www.{SITE}", "Sec-Fetch-Site": "same-site"},  # a sibling site
        {"Origin": FOREIGN},  # a browser that sends no Sec-Fetch-Site
        {"Origin": FOREIGN, "Sec-Fetch-Site": "same-origin"},  # contradicting itself
        {"Origin": f"http://{SITE}"},  # this host, but not over HTTPS
        {"Origin": f"https://{SITE}:8443"},
        {"Origin": f"https://www.{SITE}"},
        {"Origin": f"https://{SITE}.evil.example"},
        {"Origin": "https://feedback.example.gov.cn:notaport"},
    ],
)
def test_a_post_from_any_other_origin_is_refused_and_says_so(site, headers):
    refused = ready(site, "submission").send(headers=headers)
    assert refused.status_code == 403
    assert CROSS_SITE_REFUSED in refused.text and NOTHING_STORED in refused.text
    assert case_count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        OWN_PAGE,
        {"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"},  # a browser that keeps the origin
        {"Origin": f"https://{SITE}:443"},
        {"Origin": "HTTPS://Feedback.Example.gov.cn"},
        {"Origin": "null"},  # a browser from before Sec-Fetch-Site: the token decides
        {},  # a script: the token decides
    ],
)
def test_a_post_from_the_site_itself_is_taken_however_the_browser_says_so(site, headers):
    receipt = ready(site, "submission").send(headers=headers)
    assert receipt.status_code == 200
    assert case_on(receipt).subject == "关于便民工作的意见"


def test_a_forged_post_without_a_token_is_called_a_request_from_another_site(site):
    refused = ready(site, "submission").send(token=False, headers=OTHER_SITE)
    assert refused.status_code == 403
    assert CROSS_SITE_REFUSED in refused.text and TOKEN_REFUSED not in refused.text


def test_an_expired_form_says_so_and_reloading_it_as_told_works(app_factory, tmp_path):
    with deployed(app_factory, tmp_path, WTF_CSRF_TIME_LIMIT=1) as site:
        filled = ready(site, "submission")
        time.sleep(2.1)
        refused = filled.send()
        assert refused.status_code == 400
        assert EXPIRED in refused.text and "请返回上一页，刷新后重新提交" in refused.text
        assert TOKEN_REFUSED not in refused.text
        assert case_count() == 0
        filled.browser.page("/submit")  # reload the page, as the refusal says, and send again
        assert case_on(filled.send()).subject == "关于便民工作的意见"


def test_a_browser_that_sends_back_no_cookie_is_told_to_allow_it(site):
    filled = ready(site, "submission")
    filled.browser.client.delete_cookie("session", domain=SITE)
    refused = filled.send()
    assert refused.status_code == 400
    assert TOKEN_REFUSED in refused.text and "允许本网站使用 Cookie" in refused.text
    assert EXPIRED not in refused.text
    assert case_count() == 0


def test_a_token_from_another_browser_is_refused(site):
    mine = ready(site, "submission")
    theirs = site.browser()
    theirs.page("/submit")
    mine.browser.html = theirs.html  # a page with the other browser's token in it
    refused = mine.send()
    assert refused.status_code == 400
    assert TOKEN_REFUSED in refused.text and EXPIRED not in refused.text
    assert case_count() == 0


def test_after_the_language_switch_the_refusals_are_in_english(site):
    """The language switch is a link (a GET, no token): it works over HTTPS like the forms."""
    filled = ready(site, "submission")
    link = re.search(r'href="(/language/en\?[^"]+)"', filled.browser.html)
    assert link
    switched = filled.browser.get(link[1].replace("&amp;", "&"))
    assert "Secure" in switched.headers["Set-Cookie"]
    assert "Send a message" in filled.browser.follow(switched).text
    missing = filled.send(token=False)
    assert "The form's security token is missing or invalid" in missing.text
    forged = filled.send(headers=OTHER_SITE)
    assert "A request from another site was refused" in forged.text
    assert case_on(filled.send()).subject == "关于便民工作的意见"  # and, with its token, it works
