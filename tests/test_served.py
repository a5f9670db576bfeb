"""The service as deployed: gunicorn with 4 workers, limits in Redis, this pass's database.

In `make test`'s SQLite pass the database is a SQLite file (WAL, writers in line); in its
PostgreSQL pass it is a PostgreSQL database reached through a relay the test can cut.
"""

import dataclasses
import http.client
import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from databases import writes_held
from public_helpers import CONTENT, code_on, valid_form
from served import BIN, ROOT, Citizen, free_port, gunicorn, wait_until
from sqlalchemy import make_url

SECRET = "served test key " * 4


def address(n: int) -> str:
    """A distinct client address (documentation ranges: nothing is ever sent there)."""
    return f"203.0.113.{n % 250 + 1}" if n < 250 else f"198.51.100.{n % 250 + 1}"


def anonymous_opinion(n: int) -> dict[str, str]:
    """The n-th of many different messages (one browser's same text again is the same one)."""
    return valid_form(
        subject=f"第{n}位群众的意见",
        content=f"第{n}位群众：{CONTENT}",
        identity="anonymous",
        name="",
        phone="",
    )


@pytest.fixture
def service(deployment, redis, tmp_path):
    env = {
        "DATABASE_URL": deployment.url,
        "SECRET_KEY": SECRET,
        "RATELIMIT_STORAGE_URI": redis.url,
        "TRUSTED_PROXIES": "1",
    }
    with gunicorn(env, tmp_path / "gunicorn.log") as server:
        yield server


def submit_as(citizen: Citizen, fields: dict[str, str]) -> tuple[int, str | None]:
    """Open the form and send it; a dropped connection counts as no answer (status 0)."""
    try:
        citizen.open_form()
        return citizen.submit(fields)
    except (OSError, http.client.HTTPException):
        return 0, None


def test_300_citizens_at_once_are_each_stored_once(service, deployment):
    citizens = [Citizen(service.port, address(n)) for n in range(300)]
    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(submit_as, citizens, map(anonymous_opinion, range(300))))
    statuses = [status for status, _ in answers]
    references = [reference for _, reference in answers if reference]
    assert statuses.count(200) == 300, sorted(set(statuses))
    assert len(references) == len(set(references)) == 300
    stored = [row[0] for row in deployment.query("SELECT reference FROM cases")]
    assert sorted(stored) == sorted(references)
    log = service.log_text()
    assert "database is locked" not in log
    # No client address in gunicorn's access log or the app's log (these came as X-Forwarded-For).
    assert "203.0.113." not in log and "198.51.100." not in log
    assert '"POST /submit" 200' in log


def test_five_of_forty_parallel_posts_from_one_client_get_through(service, deployment):
    first = Citizen(service.port, "203.0.113.77")
    first.open_form()
    copies = [dataclasses.replace(first, cookies=dict(first.cookies), pages=[]) for _ in range(40)]
    for copy in copies:  # forty forms opened in one browser (reading the form is not limited)
        copy.open_form()
    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(Citizen.submit, copies, [anonymous_opinion(n) for n in range(40)]))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 5 + [429] * 35
    assert deployment.query("SELECT count(*) FROM cases") == [(5,)]


def test_the_same_form_posted_twice_at_once_is_stored_once(service, deployment):
    """A double click, or a reload while the first post is still running, on two workers."""
    citizen = Citizen(service.port, "203.0.113.60")
    citizen.open_form()
    twin = dataclasses.replace(citizen, cookies=dict(citizen.cookies), pages=[])
    direct = make_url(deployment.url)
    if deployment.line is not None:
        direct = direct.set(port=deployment.line.target_port)
    held = writes_held(direct.render_as_string(hide_password=False), waiters=2)
    with ThreadPoolExecutor(2) as pool, held:  # the writes go first, then the posts are awaited
        posts = [pool.submit(c.submit, anonymous_opinion(1)) for c in (citizen, twin)]
    answers = [post.result() for post in posts]
    assert [status for status, _ in answers] == [200, 200]
    assert answers[0][1] == answers[1][1]
    assert deployment.query("SELECT reference FROM cases") == [(answers[0][1],)]
    pages = citizen.pages + twin.pages
    assert sum("此条反映此前已经收到" in page for page in pages) == 1
    codes = {code_on(page) for page in pages}
    assert len(codes) == 1  # the same browser sees its code in both answers
    assert "Traceback" not in service.log_text()


def test_a_worker_killed_mid_load_loses_no_acknowledged_submission(service, deployment):
    victim = service.workers()[0]
    citizens = [Citizen(service.port, address(n)) for n in range(200)]

    def submit_and_strike(n: int) -> tuple[int, str | None]:
        if n == 60:
            os.kill(victim, signal.SIGKILL)
        return submit_as(citizens[n], anonymous_opinion(n))

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(submit_and_strike, range(200)))
    references = {reference for _, reference in answers if reference}
    assert len(references) > 100
    assert all(status in (0, 200) for status, _ in answers)
    stored = {row[0] for row in deployment.query("SELECT reference FROM cases")}
    assert references <= stored
    orphans = deployment.query(
        "SELECT count(*) FROM cases WHERE NOT EXISTS "
        "(SELECT 1 FROM events WHERE events.case_id = cases.id AND events.kind = 'submitted')"
    )
    assert orphans == [(0,)]
    wait_until(
        lambda: victim not in service.workers() and len(service.workers()) == 4, 30, "a new worker"
    )
    assert submit_as(Citizen(service.port, "198.51.100.200"), anonymous_opinion(999))[0] == 200


def test_with_redis_stopped_submissions_are_accepted_and_a_warning_is_logged(
    service, redis, deployment
):
    redis.stop()
    status, reference = submit_as(Citizen(service.port, "203.0.113.90"), anonymous_opinion(1))
    assert status == 200 and reference
    assert deployment.query("SELECT reference FROM cases") == [(reference,)]
    assert "Rate limit storage unreachable - falling back to in-memory storage" in (
        service.log_text()
    )
    # Still able to store submissions: degraded, and the backend stays in the load balancer.
    ready_status, ready_body = Citizen(service.port, "203.0.113.93").get("/healthz")
    assert ready_status == 200 and '"degraded"' in ready_body


def test_with_postgresql_stopped_a_citizen_gets_a_chinese_503_and_no_receipt(service, deployment):
    if deployment.line is None:
        pytest.skip("PostgreSQL only: this pass runs on SQLite")
    citizen = Citizen(service.port, "203.0.113.91")
    citizen.open_form()
    deployment.line.cut()
    status, reference = citizen.submit(anonymous_opinion(1))
    assert (status, reference) == (503, None)
    assert "服务暂时不可用，您提交的内容没有保存" in citizen.pages[-1]
    assert Citizen(service.port, "203.0.113.92").get("/healthz")[0] == 503


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": SECRET, "RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI"),
    ],
)
def test_gunicorn_refuses_to_start_with_unsafe_settings(env, complaint):
    environment = {k: v for k, v in os.environ.items() if k not in ("FEEDBACK_ENV", "SECRET_KEY")}
    environment.update(env, BIND=f"127.0.0.1:{free_port()}", WEB_CONCURRENCY="4")
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert complaint in result.stderr + result.stdout
