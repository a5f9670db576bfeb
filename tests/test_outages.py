"""Redis or PostgreSQL stops answering: the service as deployed still answers, and in time.

gunicorn with 4 workers, its own Redis (paused with SIGSTOP: it accepts connections and answers
nothing) and, in the PostgreSQL pass, a relay to PostgreSQL that can be hung or cut. Each test
measures how long the answers take and prints it (pytest -s shows the figures).
"""

import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from public_helpers import post_form, valid_form
from redis import Redis as RedisClient
from served import BIN, ROOT, Citizen, gunicorn
from sqlalchemy import create_engine, make_url, text
from test_served import SECRET, anonymous_opinion

from feedback.extensions import db

NOTHING_STORED = "服务暂时不可用，您提交的内容没有保存"


def timed(call, *args):  # type: ignore[no-untyped-def]
    start = time.monotonic()
    result = call(*args)
    return time.monotonic() - start, result


@pytest.fixture
def limited_service(deployment, redis, tmp_path):
    """The service with a submission limit of 2 per client, shared through Redis."""
    env = {
        "DATABASE_URL": deployment.url,
        "SECRET_KEY": SECRET,
        "RATELIMIT_STORAGE_URI": redis.url,
        "TRUSTED_PROXIES": "1",
        "SUBMIT_LIMITS": "2 per hour",
    }
    with gunicorn(env, tmp_path / "gunicorn.log", ready_path="/livez") as server:
        yield server


def burst(port: int, address: str, count: int) -> list[int]:
    """One client sends `count` submissions at once, spread over the workers; their statuses."""
    first = Citizen(port, address)
    first.open_form()
    copies = [Citizen(port, address, dict(first.cookies), first.token) for _ in range(count)]
    with ThreadPoolExecutor(count) as pool:
        answers = pool.map(Citizen.submit, copies, [anonymous_opinion(n) for n in range(count)])
        return sorted(status for status, _ in answers)


def test_with_redis_hung_the_site_answers_within_2_s_and_the_shared_limits_come_back(
    limited_service, redis, deployment
):
    service = limited_service
    assert burst(service.port, "203.0.113.10", 6) == [200, 200, 429, 429, 429, 429]
    os.kill(redis.process.pid, signal.SIGSTOP)
    try:
        citizens = [Citizen(service.port, f"203.0.113.{20 + n}") for n in range(8)]
        for citizen in citizens:
            citizen.open_form()
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda pair: timed(pair[0].submit, pair[1]),
                    zip(citizens, map(anonymous_opinion, range(8)), strict=True),
                )
            )
        slowest = max(seconds for seconds, _ in answers)
        assert all(status == 200 and reference for _, (status, reference) in answers)
        stored = {row[0] for row in deployment.query("SELECT reference FROM cases")}
        assert {reference for _, (_, reference) in answers} <= stored
        page_times = [timed(Citizen(service.port, "203.0.113.40").get, path) for path in ("/",) * 4]
        ready_seconds, (ready_status, ready_body) = timed(
            Citizen(service.port, "203.0.113.41").get, "/healthz"
        )
        print(
            f"\nRedis hung: slowest of 8 submissions {slowest:.2f} s, "
            f"slowest page {max(s for s, _ in page_times):.2f} s, readiness {ready_seconds:.2f} s"
        )
        assert slowest < 2
        assert all(seconds < 2 and status == 200 for seconds, (status, _) in page_times)
        assert ready_seconds < 2 and ready_status == 200 and '"degraded"' in ready_body
        assert Citizen(service.port, "203.0.113.42").get("/livez")[0] == 200
    finally:
        os.kill(redis.process.pid, signal.SIGCONT)
    resumed = time.monotonic()
    assert "Rate limit storage unreachable - falling back to in-memory storage" in (
        service.log_text()
    )
    # A client's limit is the same on every worker again: 2 of 8 at once, not 2 per worker.
    n = 0
    while (statuses := burst(service.port, f"198.51.100.{n + 1}", 8)).count(200) != 2:
        assert time.monotonic() - resumed < 30, statuses
        n += 1
        time.sleep(0.5)
    recovered = time.monotonic() - resumed
    print(f"shared limits enforced again {recovered:.1f} s after Redis resumed")
    assert recovered < 5
    assert burst(service.port, "198.51.100.200", 8) == [200, 200] + [429] * 6
    assert Citizen(service.port, "198.51.100.201").get("/healthz")[1].count('"ok"') == 3


@pytest.fixture
def postgres_service(deployment, redis, tmp_path):
    if deployment.line is None:
        pytest.skip("PostgreSQL only (TEST_POSTGRES_URL is unset): this pass runs on SQLite")
    env = {
        "DATABASE_URL": deployment.url,
        "SECRET_KEY": SECRET,
        "RATELIMIT_STORAGE_URI": redis.url,
        "TRUSTED_PROXIES": "1",
    }
    with gunicorn(env, tmp_path / "gunicorn.log", ready_path="/livez") as server:
        yield server


def warm_every_worker(service) -> None:  # type: ignore[no-untyped-def]
    """Leave a pooled connection in each worker, as a service that has been serving has."""
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda _: Citizen(service.port, "203.0.113.9").get("/"), range(24)))
    assert {status for status, _ in answers} == {200}


def check_outage(service, begin, what: str, limit: float) -> None:  # type: ignore[no-untyped-def]
    """Begin the outage, then time a submission, the readiness and the liveness."""
    citizen = Citizen(service.port, "203.0.113.60")
    citizen.open_form()  # before the outage, as a citizen who was writing when it began
    begin()
    seconds, (status, reference) = timed(citizen.submit, anonymous_opinion(1))
    ready_seconds, (ready_status, ready_body) = timed(
        Citizen(service.port, "203.0.113.61").get, "/healthz"
    )
    live_seconds, (live_status, _) = timed(Citizen(service.port, "203.0.113.62").get, "/livez")
    print(
        f"\nPostgreSQL {what}: submission answered {status} in {seconds:.2f} s, "
        f"readiness {ready_status} in {ready_seconds:.2f} s, liveness {live_status} in "
        f"{live_seconds:.2f} s"
    )
    assert (status, reference) == (503, None)
    assert NOTHING_STORED in citizen.pages[-1]
    assert seconds < limit
    assert ready_status == 503 and '"unavailable"' in ready_body and ready_seconds < limit
    assert live_status == 200 and live_seconds < 1


def deployment_count(deployment) -> int:  # type: ignore[no-untyped-def]
    return deployment.query("SELECT count(*) FROM cases")[0][0]


def test_with_postgresql_hung_a_citizen_is_told_nothing_was_stored_within_10_s(
    postgres_service, deployment
):
    """The server accepts connections and answers nothing, on open connections and new ones."""
    warm_every_worker(postgres_service)
    before = deployment_count(deployment)
    check_outage(postgres_service, deployment.line.hang, "hung", limit=10)
    # A second request in the same state: the pool holds no connection to the silent server.
    seconds, (status, _) = timed(Citizen(postgres_service.port, "203.0.113.63").get, "/")
    print(f"next page {status} in {seconds:.2f} s")
    assert status == 503 and seconds < 10
    assert "WORKER TIMEOUT" not in postgres_service.log_text()
    assert deployment_count(deployment) == before


def test_with_postgresql_refusing_connections_a_citizen_is_told_at_once(
    postgres_service, deployment
):
    warm_every_worker(postgres_service)
    before = deployment_count(deployment)
    check_outage(postgres_service, deployment.line.cut, "refusing connections", limit=2)
    assert "WORKER TIMEOUT" not in postgres_service.log_text()
    assert deployment_count(deployment) == before


def test_init_on_a_fresh_clone_makes_instance_and_its_database(tmp_path):
    """Production (no FEEDBACK_ENV) with the default SQLite database under instance/."""
    tree = tmp_path / "clone"
    tree.mkdir()
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = tree / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FEEDBACK_ENV", "DATABASE_URL", "WEB_CONCURRENCY", "RATELIMIT_STORAGE_URI")
    }
    environment["SECRET_KEY"] = SECRET
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "feedback", "init"],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Receiving bodies:" in result.stdout
    assert (tree / "instance" / "feedback.sqlite3").stat().st_size > 0


def test_the_service_starts_while_redis_is_hung(deployment, redis, tmp_path):
    os.kill(redis.process.pid, signal.SIGSTOP)
    try:
        env = {
            "DATABASE_URL": deployment.url,
            "SECRET_KEY": SECRET,
            "RATELIMIT_STORAGE_URI": redis.url,
            "TRUSTED_PROXIES": "1",
        }
        with gunicorn(env, tmp_path / "gunicorn.log") as service:
            citizen = Citizen(service.port, "203.0.113.70")
            citizen.open_form()
            seconds, (status, reference) = timed(citizen.submit, anonymous_opinion(1))
            print(f"\nstarted with Redis hung: first submission answered in {seconds:.2f} s")
            assert status == 200 and reference and seconds < 2
            ready = Citizen(service.port, "203.0.113.71").get("/healthz")
            assert ready[0] == 200 and '"degraded"' in ready[1]
    finally:
        os.kill(redis.process.pid, signal.SIGCONT)


def test_a_worker_asks_a_hung_redis_again_every_2_s(app_factory, redis):
    """After a long outage the shared limits come back within seconds, not half a minute.

    flask-limiter alone asks again after 1, 2, 4 … 32 s: after 8 s of outage, 6 s more.
    """
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis.url)
    client = app.test_client()
    counters = RedisClient(port=redis.port)
    os.kill(redis.process.pid, signal.SIGSTOP)
    try:
        assert client.post("/submit", data=valid_form()).status_code == 200  # falls back
        outage_ends = time.monotonic() + 8
        while time.monotonic() < outage_ends:
            assert client.get("/").status_code == 200
            time.sleep(0.5)
    finally:
        os.kill(redis.process.pid, signal.SIGCONT)
    resumed = time.monotonic()
    counters.flushall()
    while not counters.keys("LIMITS*"):  # a submission counted in Redis again
        assert time.monotonic() - resumed < 3, "the limits still count in the worker's memory"
        client.post("/submit", data=valid_form(), headers={"X-Forwarded-For": "203.0.113.80"})
        time.sleep(0.2)
    print(f"\nshared limits back {time.monotonic() - resumed:.1f} s after an 8 s outage")


def test_a_submission_stuck_on_a_lock_is_told_nothing_was_stored(app_factory, database_url):
    """A maintenance job holds the cases table: the statement timeout ends the wait, not gunicorn."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_POSTGRES_URL is unset): SQLite waits for its write lock")
    app = app_factory()
    client = app.test_client()
    engine = create_engine(database_url)
    try:
        with engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE"))
            seconds, response = timed(post_form, client)
            blocker.rollback()
    finally:
        engine.dispose()
    print(f"\nsubmission behind a table lock answered {response.status_code} in {seconds:.2f} s")
    assert response.status_code == 503
    assert NOTHING_STORED in response.get_data(as_text=True)
    assert 3.5 < seconds < 6
    assert client.post("/submit", data=valid_form()).status_code == 200  # and then it works


def test_a_timeout_written_in_the_url_wins(app_factory, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_POSTGRES_URL is unset)")
    default = app_factory()
    url = make_url(database_url).update_query_dict(
        {"options": "-c statement_timeout=30s -c lock_timeout=7s", "connect_timeout": "10"}
    )
    explicit = app_factory(SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    shown = {}
    for name, app in (("default", default), ("explicit", explicit)):
        with app.app_context():
            shown[name] = tuple(
                db.session.execute(text(f"SHOW {setting}")).scalar()
                for setting in ("statement_timeout", "lock_timeout")
            )
            db.session.remove()
    assert shown == {"default": ("4s", "0"), "explicit": ("30s", "7s")}
