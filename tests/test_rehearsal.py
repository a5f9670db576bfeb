"""The deployment rehearsal: the product as DEPLOY.md sets it up, used as people use it.

Debian's nginx serves deploy/nginx.conf over TLS in front of gunicorn (4 workers) on PostgreSQL,
with the limits in a Redis of the test's own and every protection on: CSRF, rate limits,
two-factor login for managers, `Referrer-Policy: no-referrer`. The database is made with the
operator's commands (`feedback init`, `create-user`), and a real Chromium drives the site
through https://. The stage runs in `make test`'s PostgreSQL pass.
"""

import contextlib
import csv
import io
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from databases import POSTGRES_URL
from PIL import Image
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright
from proxied import SITE, Nginx, Visitor, hidden_fields, nginx
from public_helpers import code_on
from served import BIN, ROOT, Gunicorn, Redis, gunicorn, redis_server
from sqlalchemy import create_engine, make_url, text
from test_browser import CHROMIUM, FLAGS, PHONE, shot

from feedback.staff import totp

pytestmark = pytest.mark.browser
if not POSTGRES_URL:
    pytest.skip(
        "the deployment rehearsal runs on PostgreSQL, in make test's PostgreSQL pass",
        allow_module_level=True,
    )

PASSWORD = "rehearsal: a long passphrase of the court's lead"
SECRET = "rehearsal key " * 5
OUTPUT = ROOT / "test-output" / "rehearsal"


@dataclass
class Stack:
    """The deployed service: its database, environment, two machines and nginx."""

    url: str
    env: dict[str, str]
    machines: list[Gunicorn]
    site: Nginx
    redis: Redis
    measured: dict[str, object] = field(default_factory=dict)
    submissions_with_files: int = -1  # which machine took the submission with the photo

    def query(self, sql: str, **params: object) -> list[tuple]:
        return query(self.url, sql, **params)

    def count(self, what: str, posts: int, refused: int) -> None:
        """Note how many POSTs went over HTTPS and how many were refused, for the report."""
        self.measured[what] = {"posts over https": posts, "refused": refused}

    def served_by(self, fragment: str) -> list[int]:
        """How many of each machine's access-log lines hold `fragment`, e.g. '"POST /submit"'."""
        return [machine.log_text().count(fragment) for machine in self.machines]


def query(url: str, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def operator(env: dict[str, str], *args: str, stdin: str = "", release: Path = ROOT) -> str:
    """Run `flask --app wsgi …` in a release's folder, as DEPLOY.md has the operator run it."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("FEEDBACK_ENV", "SECRET_KEY")},
        **env,
    }
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=release,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextlib.contextmanager
def empty_database(name: str) -> Iterator[str]:
    """An empty PostgreSQL database of the rehearsal's own, dropped at the end."""
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"{name}_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with empty_database("feedback_rehearsal") as url:
        yield url


@pytest.fixture(scope="module")
def stack(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Two application machines, each in a working folder of its own, behind one nginx."""
    folder = tmp_path_factory.mktemp("rehearsal")
    machine_a, machine_b = folder / "machine-a", folder / "machine-b"
    with redis_server() as redis:
        env = {
            "SECRET_KEY": SECRET,
            "DATABASE_URL": database,
            "RATELIMIT_STORAGE_URI": redis.url,
            "TRUSTED_PROXIES": "1",
        }
        operator(env, "feedback", "init")
        operator(
            env,
            *("feedback", "create-user", "--body", "court", "--username", "court-lead"),
            *("--role", "manager"),
            stdin=f"{PASSWORD}\n{PASSWORD}\n",
        )
        with contextlib.ExitStack() as running:
            machines = []
            for workdir in (machine_a, machine_b):
                (workdir / "attachments").mkdir(parents=True)
                own = {**env, "ATTACHMENT_DIR": str(workdir / "attachments")}
                machines.append(
                    running.enter_context(gunicorn(own, workdir / "gunicorn.log", workdir=workdir))
                )
            site = running.enter_context(nginx([m.port for m in machines], folder / "nginx"))
            stack = Stack(database, env, machines, site, redis)
            started = time.monotonic()
            yield stack
            stack.measured["the rehearsal's stack, seconds"] = round(time.monotonic() - started, 1)
            OUTPUT.mkdir(parents=True, exist_ok=True)
            (OUTPUT / "measured.json").write_text(json.dumps(stack.measured, indent=2))


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    """Chromium that finds the site on loopback and trusts its certificate, as a real one's."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *FLAGS,
                f"--host-resolver-rules=MAP {SITE} 127.0.0.1",
                f"--ignore-certificate-errors-spki-list={stack.site.certificate_pin()}",
            ],
        )
        yield browser
        browser.close()


@dataclass
class Posts:
    """Every POST the browser made: where, its Origin and Referer, and the answer."""

    sent: list[Request] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("request", lambda r: self.sent.append(r) if r.method == "POST" else None)
        page.on(
            "response",
            lambda r: (
                self.refused.append((r.url, r.status))
                if r.request.method == "POST" and r.status >= 400
                else None
            ),
        )


def photo(folder: Path) -> Path:
    path = folder / "photo.png"
    Image.new("RGB", (640, 480), (30, 120, 200)).save(path)
    return path


def local_month() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


def fill_message(page: Page, kind: str, body: str, subject: str, content: str) -> None:
    page.check(f"input[name=kind][value={kind}]")
    page.check(f"input[name=body][value={body}]")
    page.fill("input[name=subject]", subject)
    page.fill("textarea[name=content]", content)
    page.check("input[name=identity][value=real]")
    page.fill("input[name=name]", "李四")
    page.fill("input[name=phone]", "139 0000 1111")
    page.check("input[name=consent]")


def read_receipt(page: Page) -> tuple[str, str]:
    reference = page.locator("#receipt-ref").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    assert reference and code
    return reference, code


def test_citizens_and_a_court_manager_over_https(stack: Stack, browser: Browser, tmp_path):
    started = time.monotonic()
    origin = stack.site.origin
    posts = Posts()
    phone = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="zh-CN")
    page = phone.new_page()
    posts.watch(page)

    # An opinion on an item, by real name, with a photo.
    page.goto(f"{origin}/submit")
    page.select_option("select[name=item]", index=1)
    fill_message(page, "opinion", "court", "窗口服务仍需改进", "立案窗口排队依旧很长，请核实整改。")
    page.set_input_files("input[name=attachments]", str(photo(tmp_path)))
    before = stack.served_by('"POST /submit"')
    page.get_by_role("button").last.click()
    opinion, opinion_code = read_receipt(page)
    after = stack.served_by('"POST /submit"')
    stack.submissions_with_files = next(i for i, n in enumerate(after) if n > before[i])
    shot(page, "rehearsal-1-receipt")

    # A report of misconduct addressed to the court: the service says it goes to the
    # discipline group, and why; the citizen confirms.
    page.goto(f"{origin}/submit")
    fill_message(page, "report", "court", "反映某法官违规问题", "某法官在办案中收受当事人财物。")
    page.get_by_role("button").last.click()
    expect(page.get_by_text("纪检监察组").first).to_be_visible()
    shot(page, "rehearsal-2-routing")
    page.locator("button[name=confirm_routing], button:has-text('确认')").first.click()
    report, _ = read_receipt(page)
    assert stack.query(
        "SELECT b.slug FROM cases c JOIN bodies b ON b.id = c.body_id WHERE c.reference = :r",
        r=report,
    ) == [("discipline",)]

    # The citizen looks the opinion up: received, not yet accepted.
    page.goto(f"{origin}/track")
    page.fill("input[name=reference]", opinion)
    page.fill("input[name=code]", opinion_code)
    page.get_by_role("button").last.click()
    expect(page.get_by_text("待受理").first).to_be_visible()

    # The court's manager signs in with a password and a second factor set up on the way.
    desk_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk = desk_context.new_page()
    posts.watch(desk)
    desk.goto(f"{origin}/staff/login")
    desk.fill("input[name=username]", "court-lead")
    desk.fill("input[name=password]", PASSWORD)
    desk.get_by_role("button").last.click()
    secret = desk.locator("#totp-secret").inner_text().replace(" ", "")
    desk.fill("input[name=code]", totp.code_at(secret, time.time()))
    desk.get_by_role("button").last.click()
    desk.goto(f"{origin}/inbox/")
    expect(desk.get_by_text(opinion)).to_be_visible()
    expect(desk.get_by_text(report)).to_have_count(0)  # the report is not the court's to read
    desk.get_by_text(opinion).click()

    # The photo reaches the court as an image, through the machine that did not receive it.
    received_by = stack.submissions_with_files
    for _attempt in range(4):
        before = stack.served_by('/attachments/1"')
        with desk.expect_download() as download:
            desk.locator("ul.attachments a").first.click()
        after = stack.served_by('/attachments/1"')
        if after[received_by] == before[received_by]:
            break
    else:
        pytest.fail("nginx never sent the download to the other machine")
    with Image.open(download.value.path()) as image:
        assert image.size == (640, 480)

    desk.locator("form[action$='/accept'] button").click()
    expect(desk.get_by_text("已受理").first).to_be_visible()
    desk.fill("form[action$='/close'] textarea", "经核查，已增设立案窗口，排队时间明显缩短。")
    desk.locator("form[action$='/close'] button").click()
    expect(desk.get_by_text("此操作无法撤销。")).to_be_visible()  # the confirmation page
    desk.get_by_role("button", name="确认答复并办结").click()
    expect(desk.get_by_text("已答复并办结。")).to_be_visible()
    expect(desk.get_by_text("已办结").first).to_be_visible()
    shot(desk, "rehearsal-3-closed")

    # The citizen reads the reply and rates it.
    page.goto(f"{origin}/track")
    page.fill("input[name=reference]", opinion)
    page.fill("input[name=code]", opinion_code)
    page.get_by_role("button").last.click()
    expect(page.get_by_text("已增设立案窗口").first).to_be_visible()
    page.check("input[name=rating][value=satisfied]")
    page.locator("form:has(input[name=rating]) button").click()
    expect(page.get_by_text("满意").first).to_be_visible()
    shot(page, "rehearsal-4-rated")

    # The manager exports the month: the opinion is there, the report is not.
    desk.goto(f"{origin}/inbox/export")
    desk.select_option("select[name=month]", local_month())
    with desk.expect_download() as download:
        desk.locator("form button").last.click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    references = {cell for row in rows for cell in row}
    assert opinion in references and report not in references

    # No POST carried a Referer (the site's no-referrer policy, under which Chromium sends
    # `Origin: null`); each said it came from the site itself; none was refused.
    for request in posts.sent:
        headers = request.all_headers()
        assert "referer" not in headers, request.url
        assert headers.get("origin") in ("null", origin), request.url
        assert headers.get("sec-fetch-site") == "same-origin", request.url
    assert posts.refused == []
    stack.count("the browser's story", len(posts.sent), len(posts.refused))
    stack.measured["the browser's story, seconds"] = round(time.monotonic() - started, 1)


def test_a_post_from_another_site_or_without_its_token_is_refused(stack: Stack):
    citizen = Visitor.of(stack.site)
    status, page = citizen.get("/track")
    assert status == 200
    fields = {**hidden_fields(page), "reference": "2026-11-000001", "code": "x" * 20}
    foreign = citizen.post("/track", fields, {"Origin": "https://evil.example"})
    assert foreign[0] == 403 and "其他网站" in foreign[1]
    no_token = citizen.post("/track", {k: v for k, v in fields.items() if k != "csrf_token"})
    assert no_token[0] == 400 and "已过期" not in no_token[1]
    looked_up = citizen.post("/track", fields)  # with its token, from the site: answered
    assert looked_up[0] == 200 and "未查到相关件" in looked_up[1]
    # An upload larger than nginx takes is refused by nginx itself, in Chinese too.
    for path in ("/submit", "/admin/notices/new"):
        status, page = citizen.announce_upload(path, 50 * 1024 * 1024)
        assert status == 413 and "文件太大" in page and "没有保存" in page, path
    stack.count("refusals", citizen.posts, citizen.refused)


def opinion_form(page: str, n: int) -> dict[str, str]:
    return {
        **hidden_fields(page),
        "kind": "opinion",
        "item": "",
        "body": "court",
        "subject": f"第{n}条意见",
        "content": f"第{n}条：整改通报说已经整改到位，但情况依旧，希望核实。",
        "identity": "anonymous",
        "consent": "y",
        "website": "",
    }


def test_a_submission_limit_holds_across_both_machines(stack: Stack):
    stack.redis.flush()  # what the other tests spent of this client's limit
    citizen = Visitor.of(stack.site)
    before = stack.served_by('"POST /submit"')
    answers = []
    for n in range(7):
        if n % 2:  # nginx takes turns: an extra page sends the next POST to the other machine
            citizen.get("/")
        status, page = citizen.get("/submit")
        assert status == 200
        answers.append(citizen.post("/submit", opinion_form(page, n))[0])
    taken = [a - b for a, b in zip(stack.served_by('"POST /submit"'), before, strict=True)]
    assert answers == [200] * 5 + [429, 429]  # SUBMIT_LIMITS: 5 per hour, shared in Redis
    stack.count("a limit across machines", citizen.posts, citizen.refused)
    assert all(taken), "both machines took submissions"
    assert stack.query("SELECT count(*) FROM cases WHERE subject LIKE '第_条意见'") == [(5,)]


# The release before this one, as its commit: the upgrade starts from its schema and code.
PREVIOUS_RELEASE = "d6fa1b5c58b195a3121e3658cce76f5bd291700c"


def install_release(folder: Path, files: dict[str, bytes]) -> Path:
    """Put a release's files in a folder of its own, translations compiled, as `pip install` does."""
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    subprocess.run(
        [str(BIN / "pybabel"), "compile", "-d", str(folder / "feedback" / "translations")],
        check=True,
        capture_output=True,
    )
    return folder


def switch(link: Path, release: Path) -> None:
    """Point the app's link at a release in one step (DEPLOY.md: ln -sfn …; mv -T …)."""
    staged = link.with_name(link.name + ".next")
    staged.symlink_to(release)
    staged.replace(link)


def git(*args: str) -> bytes:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=True).stdout


def previous_release_files() -> dict[str, bytes]:
    if subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"],
        capture_output=True,
    ).returncode:
        pytest.fail(f"the previous release {PREVIOUS_RELEASE} is not in this clone's history")
    names = git("ls-tree", "-r", "-z", "--name-only", PREVIOUS_RELEASE).split(b"\0")
    return {
        name.decode(): git("show", f"{PREVIOUS_RELEASE}:{name.decode()}") for name in names if name
    }


def this_release_files() -> dict[str, bytes]:
    names = git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split(b"\0")
    return {
        n.decode(): (ROOT / n.decode()).read_bytes()
        for n in names
        if n and (ROOT / n.decode()).is_file()
    }


@dataclass
class Traffic:
    """Citizens who keep reading and submitting while the service is upgraded."""

    site: Visitor
    answers: list[int] = field(default_factory=list)
    receipts: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        citizen = replace(self.site, cookies={})
        n = 0
        while not self.stopping.is_set():
            status, page = citizen.get("/submit")
            self.answers.append(status)
            if status == 200:
                status, page = citizen.post("/submit", opinion_form(page, n))
                self.answers.append(status)
                self.receipts += 'id="receipt-ref"' in page
            n += 1


def test_an_upgrade_keeps_every_case_and_loses_no_request(tmp_path):
    """DEPLOY.md's upgrade, while citizens keep coming: the new release beside the running one,
    its migrations, the link switched, `kill -HUP`. The previous release is served from the link
    as DEPLOY.md now lays it out (its own DEPLOY.md served a checkout in place)."""
    releases = tmp_path / "releases"
    current = tmp_path / "app"  # the link /srv/feedback/app is to the operator
    current.symlink_to(install_release(releases / "previous", previous_release_files()))
    with empty_database("feedback_upgrade") as url, redis_server() as redis:
        env = {
            "SECRET_KEY": SECRET,
            "DATABASE_URL": url,
            "RATELIMIT_STORAGE_URI": redis.url,
            "TRUSTED_PROXIES": "1",
            "ATTACHMENT_DIR": str(tmp_path / "attachments"),
            "SUBMIT_LIMITS": "10000 per hour",
        }
        operator(env, "feedback", "init", release=current)
        operator(
            env,
            *("feedback", "create-user", "--body", "court", "--username", "court-clerk"),
            *("--role", "staff"),
            stdin=f"{PASSWORD}\n",
            release=current,
        )
        with gunicorn(env, tmp_path / "gunicorn.log", release=current) as app:
            # Cases filed under the previous release, one with a photo. Straight to gunicorn:
            # behind TLS the previous release refused every form (the reason for this one).
            site = Visitor(app.port, f"http://127.0.0.1:{app.port}")
            citizen = replace(site, cookies={})
            filed = []
            for n in range(3):
                page = citizen.get("/submit")[1]
                fields = opinion_form(page, n)
                if n == 0:
                    Image.new("RGB", (320, 240), (200, 30, 30)).save(tmp_path / "photo.png")
                    content = (tmp_path / "photo.png").read_bytes()
                    status, receipt = citizen.post_files(
                        "/submit", fields, [("attachments", "photo.png", content)]
                    )
                else:
                    status, receipt = citizen.post("/submit", fields)
                assert status == 200, receipt
                reference = re.search(r'id="receipt-ref"[^>]*>\s*([^<\s]+)', receipt)[1]
                code = code_on(receipt)
                filed.append((reference, code, fields["subject"]))
            count_events = (
                "SELECT c.reference, count(e.id) FROM cases c JOIN events e ON e.case_id = c.id "
                "GROUP BY c.reference"
            )
            events_before = dict(query(url, count_events))

            traffic = Traffic(site)
            citizens = threading.Thread(target=traffic.run)
            citizens.start()
            try:
                time.sleep(1)
                # The upgrade, as DEPLOY.md gives it.
                new = install_release(releases / "new", this_release_files())
                operator(env, "feedback", "init", release=new)
                switch(current, new)
                old_workers = set(app.workers())
                app.process.send_signal(signal.SIGHUP)
                deadline = time.monotonic() + 60
                while set(app.workers()) & old_workers or len(app.workers()) < 4:
                    assert time.monotonic() < deadline, "the old workers never left"
                    time.sleep(0.2)
                operator(env, "feedback", "move-attachments", release=current)
                # The new workers run the new release: the previous one had no /livez.
                assert site.get("/livez")[0] == 200
                time.sleep(1)
            finally:
                traffic.stopping.set()
                citizens.join(60)

            assert traffic.answers and set(traffic.answers) == {200}, traffic.answers
            stored = query(url, "SELECT count(*) FROM cases")[0][0]
            assert stored == len(filed) + traffic.receipts

            # Every case of the previous release is whole: its code opens it, its events are
            # all there, its photo reaches the court's clerk.
            for reference, code, subject in filed:
                page = citizen.get("/track")[1]
                fields = {**hidden_fields(page), "reference": reference, "code": code}
                status, case_page = citizen.post("/track", fields)
                assert status == 200 and subject in case_page, reference
            events_after = dict(query(url, count_events))
            assert {r: events_after[r] for r in events_before} == events_before
            clerk = replace(site, cookies={})
            page = clerk.get("/staff/login")[1]
            login = {**hidden_fields(page), "username": "court-clerk", "password": PASSWORD}
            assert clerk.post("/staff/login", login)[0] == 302
            case_id = query(url, "SELECT id FROM cases WHERE reference = :r", r=filed[0][0])
            status, _ = clerk.get(f"/inbox/cases/{case_id[0][0]}/attachments/1")
            assert status == 200
