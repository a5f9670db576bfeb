"""`make bench`: the service against lean reference apps, with 10 thousand to 1 million cases.

For each backend (SQLite, PostgreSQL) the databases are made once and grown: the smallest size
from `feedback init` + `feedback demo-data`, each next size from a copy of the previous one with
the missing cases added. The real service runs under gunicorn (gunicorn.conf.py, 4 workers,
limits in a Redis of the benchmark's own, production settings) and the benchmark measures:

- page latency, p50 and p99, one request at a time (wrk, 1 connection): home page, form,
  tracking page (POST /track with a reference and its code), inbox list, filtered inbox list,
  case page, the month's figures, the page of a case with near copies (a campaign of the demo
  data), the staff pages signed in as a staff member of the court; every size is served at once and measured in turn,
  3 s each, 3 rounds (10k, 100k, 1M, 10k…), medians of the rounds;
- the near-copy lookup of that case on its own (feedback.cases.similar.near_copies), in this
  process, LOOKUPS times, p50 and p99;
- at each size, the export of every case (all N rows), CSV and XLSX through feedback.cases.exports,
  against a raw dump of the same case rows with the driver alone; each in a child process whose
  peak memory (ru_maxrss) is read with wait4.

Once per backend, on a throw-away copy of the smallest database: submission throughput, the
real POST /submit (CSRF, rate limiter with high limits, routing, events) against bench/lean.py
(the same work written plainly) under the same gunicorn settings, with the same database and
Redis, interleaved app, lean, app, lean… with wrk and 8 connections, each post a new message
with a new one-time token; throughput and the workers' CPU time per request (from /proc), and
the stored rows counted afterwards against the receipts shown. Then the home, notice and form
pages (Chinese and English), the tracking page and the inbox's first page against the lean
app's 5 KB Jinja page, interleaved the same way with 4 connections. `--parts` chooses among
latency (pages and exports at every size), submissions and public.

Prints a table, writes bench/results/<time>.json and latest.json, and rewrites the table of
PERFORMANCE.md between its markers (unless --no-doc).
"""

import argparse
import contextlib
import hashlib
import importlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from public_helpers import valid_form  # noqa: E402  (one copy of a valid form)
from served import Citizen, redis_server  # noqa: E402
from served import gunicorn as served_gunicorn  # noqa: E402

BENCH = ROOT / "bench"
DATA = BENCH / ".data"
RESULTS = BENCH / "results"
LUA = BENCH / "wrk" / "request.lua"
DOC = ROOT / "PERFORMANCE.md"
BIN = Path(sys.executable).parent
DOC_START = "<!-- bench:results:start -->"
DOC_END = "<!-- bench:results:end -->"

SECRET = "benchmark key, not for production " * 2
TRACKING_CODE = "BNCH-0000-1111-2222-3333"
STAFF = "bench-clerk"
STAFF_PASSWORD = "a long benchmark passphrase 7291"
HIGH = "1000000 per hour"
WORKERS = 4
PAGE_SECONDS = 3  # per round; ROUNDS rounds per page and size
ROUND_SECONDS = 10
ROUNDS = 3
LOAD_CONNECTIONS = 8
# Searches as a clerk types them: words in a sixth of the cases (demo/data.py's sentences), a
# court case number in a few dozen of a million, and a reference read out without its dashes.
SEARCHES = ("search_words", "search_rare", "search_reference")
COMMON_WORDS = "执行款"
RARE_WORDS = "鄂0529执1234号"
PAGES = (
    "home",
    "form",
    "tracking",
    "inbox",
    "inbox_filtered",
    "case",
    "figures",
    "case_copies",
    *SEARCHES,
)
LOOKUPS = 200
PAGE_TITLES = {
    "home": "home page",
    "form": "form",
    "tracking": "tracking page",
    "inbox": "inbox list",
    "inbox_filtered": "filtered inbox list",
    "case": "case page",
    "figures": "month's figures",
    "case_copies": "case page, near copies",
    "search_words": "search, common words",
    "search_rare": "search, rare words",
    "search_reference": "search, reference",
}
FILTER = "?status=received"  # 待受理: the triage view
EXPORTS = (("app", "csv"), ("app", "xlsx"), ("raw", "csv"))
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_BACKENDS = ("sqlite", "postgresql")
TARGETS = {
    "throughput_ratio": 0.8,
    "public_page_ratio": 0.7,
    "looser_page_ratio": 0.5,  # within 2x
    "inbox_p99_growth": 1.5,
    "figures_p99_growth": 1.5,
    "search_p99_growth": 1.5,
    "export_memory_growth": 1.2,
    "export_time_vs_raw": 3.0,
    "page_p50_ms": 20.0,
    "near_copies_p99_ms": 100.0,
}

STARTED = time.monotonic()


def say(message: str) -> None:
    """Progress, with the time since the start."""
    elapsed = int(time.monotonic() - STARTED)
    print(f"[{elapsed // 60:3d}:{elapsed % 60:02d}] {message}", flush=True)


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


# --- databases -------------------------------------------------------------------------------


def data_key(size: int) -> str:
    """What a generated database depends on: the schema, the generator and the size."""
    digest = hashlib.sha256(str(size).encode())
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    digest.update((ROOT / "demo" / "data.py").read_bytes())
    digest.update(TRACKING_CODE.encode() + SECRET.encode())
    return digest.hexdigest()[:16]


class SQLiteStore:
    name = "sqlite"

    def path(self, size: int | str) -> Path:
        return DATA / f"sqlite-{size}.sqlite3"

    def url(self, size: int | str) -> str:
        return f"sqlite:///{self.path(size)}"

    def has(self, size: int) -> bool:
        key = self.path(size).with_suffix(".key")
        return self.path(size).exists() and key.exists() and key.read_text() == data_key(size)

    def mark(self, size: int) -> None:
        self.path(size).with_suffix(".key").write_text(data_key(size))

    def empty(self, size: int) -> str:
        self.drop(self.url(size))
        return self.url(size)

    def copy(self, source: int | str, target: int | str) -> str:
        """A consistent copy through SQLite's backup API (the WAL included)."""
        self.drop(self.url(target))
        with (
            contextlib.closing(sqlite3.connect(self.path(source))) as src,
            contextlib.closing(sqlite3.connect(self.path(target))) as dst,
        ):
            src.backup(dst)
        return self.url(target)

    def settle(self, size: int) -> None:
        """Nothing: a SQLite deployment has no statistics (ANALYZE) unless someone runs it."""

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), path.with_suffix(".key")):
            leftover.unlink(missing_ok=True)

    def close(self, keep: bool) -> None:
        """The files stay under bench/.data/ for the next run (git-ignored)."""


class PostgresStore:
    name = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.made: set[str] = set()

    def database(self, size: int | str) -> str:
        return f"feedback_bench_{size}"

    def url(self, size: int | str) -> str:
        name = self.database(size)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _run(self, sql: str, **params: Any) -> list[Any]:
        with self.admin.connect() as connection:
            result = connection.execute(text(sql), params)
            return list(result) if result.returns_rows else []

    def has(self, size: int) -> bool:
        found = self._run(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n",
            n=self.database(size),
        )
        return bool(found) and found[0][0] == data_key(size)

    def mark(self, size: int) -> None:
        self._run(f"COMMENT ON DATABASE {self.database(size)} IS '{data_key(size)}'")

    def empty(self, size: int) -> str:
        self.drop(self.url(size))
        self._run(f"CREATE DATABASE {self.database(size)}")
        self.made.add(self.database(size))
        return self.url(size)

    def copy(self, source: int | str, target: int | str) -> str:
        self.drop(self.url(target))
        self._run(f"CREATE DATABASE {self.database(target)} TEMPLATE {self.database(source)}")
        self.made.add(self.database(target))
        return self.url(target)

    def settle(self, size: int) -> None:
        """VACUUM ANALYZE, as autovacuum would have done over the years the cases took."""
        engine = create_engine(self.url(size), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.discard(name or "")

    def close(self, keep: bool) -> None:
        if not keep:
            for name in sorted(self.made | set(self._bench_databases())):
                self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()

    def _bench_databases(self) -> list[str]:
        rows = self._run("SELECT datname FROM pg_database WHERE datname LIKE 'feedback_bench_%'")
        return [row[0] for row in rows]


def postgres_answers(url: str) -> bool:
    try:
        import psycopg

        psycopg.connect(
            url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3
        ).close()
    except Exception:
        return False
    return True


def service_env(url: str) -> dict[str, str]:
    """The service's production settings, with every limit set high."""
    environment = {
        k: v for k, v in os.environ.items() if k not in ("FEEDBACK_ENV", "SECRET_KEY", "BIND")
    }
    environment.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        SUBMIT_LIMITS=HIGH,
        LOGIN_LIMITS=HIGH,
        ACCOUNT_LOGIN_LIMITS=HIGH,
        TRACK_LIMITS=HIGH,
        TRACK_REFERENCE_LIMITS=HIGH,
        ATTACHMENT_DIR=str(DATA / "attachments"),
    )
    return environment


def flask(url: str, *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "feedback", *args],
        cwd=ROOT,
        env=service_env(url),
        input=stdin,
        text=True,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def generate(url: str, cases: int, seed: int) -> float:
    """Add cases with the real command; its progress lines go straight to the terminal."""
    started = time.monotonic()
    subprocess.run(
        [
            *(str(BIN / "flask"), "--app", "wsgi", "feedback", "demo-data"),
            *("--cases", str(cases), "--seed", str(seed), "--tracking-code", TRACKING_CODE),
            "--yes",
        ],
        cwd=ROOT,
        env=service_env(url),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def prepare(store: Any, sizes: list[int], fresh: bool) -> dict[int, dict[str, Any]]:
    """Make each size once, growing from the previous one; reuse what a previous run made."""
    made: dict[int, dict[str, Any]] = {}
    previous = None
    for number, size in enumerate(sizes, start=1):
        if not fresh and store.has(size):
            say(f"{store.name} {label(size)}: reusing the database a previous run generated")
            made[size] = {"generated_cases": 0, "generate_seconds": 0.0, "reused": True}
            previous = size
            continue
        if previous is None:
            url = store.empty(size)
            say(f"{store.name} {label(size)}: migrating, loading the notice")
            flask(url, "init")
            flask(
                url,
                "create-user",
                "--body",
                "court",
                "--username",
                STAFF,
                "--role",
                "staff",
                stdin=STAFF_PASSWORD + "\n",
            )
            missing = size
        else:
            url = store.copy(previous, size)
            missing = size - previous
        say(f"{store.name} {label(size)}: generating {missing:,} cases")
        seconds = generate(url, missing, seed=number)
        say(f"{store.name} {label(size)}: {missing:,} cases in {seconds:.0f} s; settling")
        store.settle(size)
        store.mark(size)
        made[size] = {"generated_cases": missing, "generate_seconds": round(seconds, 1)}
        previous = size
    return made


# --- serving and loading ---------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(app: str, environment: dict[str, str], log: Path) -> Iterator[int]:
    """Serve `app` with gunicorn.conf.py (the deployment's settings); yield its port."""
    with served_gunicorn(environment, log, WORKERS, app, ready_path="/submit") as server:
        yield server.port


@contextlib.contextmanager
def served(app: str, environment: dict[str, str], log: Path) -> Iterator[Any]:
    """As gunicorn(), yielding the server itself: its port and its workers."""
    with served_gunicorn(environment, log, WORKERS, app, ready_path="/submit") as server:
        yield server


TICK = os.sysconf("SC_CLK_TCK")


def worker_cpu(server: Any) -> float:
    """Seconds of CPU the server's workers have used so far (user and system, /proc/<pid>/stat)."""
    total = 0
    for pid in server.workers():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
    return total / TICK


def wrk(
    port: int,
    path: str,
    *,
    seconds: float,
    connections: int = 1,
    method: str = "GET",
    body: str = "",
    cookie: str = "",
    expect: str = "",
) -> dict[str, Any]:
    """Run wrk with bench/wrk/request.lua; return its JSON line, with requests per second."""
    completed = subprocess.run(
        [
            "wrk",
            "-t",
            "1",
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}{path}",
        ],
        env={
            **os.environ,
            "BENCH_METHOD": method,
            "BENCH_BODY": body,
            "BENCH_COOKIE": cookie,
            "BENCH_EXPECT": expect,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    line = next((x for x in completed.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def cookie_of(citizen: Citizen) -> str:
    return "; ".join(f"{k}={v}" for k, v in citizen.cookies.items())


def signed_in(port: int) -> Citizen:
    """The court's staff member, signed in through the login form."""
    clerk = Citizen(port, "127.0.0.1")
    status, page = clerk.get("/staff/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert status == 200 and token, status
    form = {"username": STAFF, "password": STAFF_PASSWORD, "csrf_token": token[1]}
    status, _page = clerk.request("POST", "/staff/login", urllib.parse.urlencode(form).encode())
    assert status == 302, f"login answered {status}"
    return clerk


@dataclass
class Page:
    path: str
    method: str = "GET"
    body: str = ""
    cookie: str = ""
    expect: str = ""


def campaign_case(url: str) -> int:
    """The newest open case of the court that is a copy of a demo campaign's complaint."""
    import feedback  # noqa: F401  (first: its commands load demo.data)

    campaigns = importlib.import_module("demo.data").CAMPAIGNS
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT c.id FROM cases c JOIN bodies b ON b.id = c.body_id "
                    "WHERE b.slug = 'court' AND c.status IN ('received', 'accepted') "
                    "AND c.subject IN :subjects ORDER BY c.id DESC LIMIT 1"
                ).bindparams(bindparam("subjects", expanding=True)),
                {"subjects": [subject for subject, _text in campaigns]},
            ).scalar_one()
    finally:
        engine.dispose()


def time_lookup(url: str, case_id: int) -> dict[str, float]:
    """The near-copy lookup of one case on its own, LOOKUPS times after one to warm up."""
    from sqlalchemy.orm import Session

    from feedback.cases.similar import near_copies
    from feedback.models import Case

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            case = session.get_one(Case, case_id)
            found = len(near_copies(session, case))
            times = []
            for _ in range(LOOKUPS):
                started = time.perf_counter()
                near_copies(session, case)
                times.append((time.perf_counter() - started) * 1000)
    finally:
        engine.dispose()
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
        "found": found,
    }


def search_path(typed: str) -> str:
    return "/inbox/search?" + urllib.parse.urlencode({"q": typed})


def pages_of(port: int, copies_case: int) -> dict[str, Page]:
    """Each page to time, checked once by hand first: 200 and what it must show."""
    clerk = signed_in(port)
    status, inbox = clerk.get("/inbox/")
    found = re.search(r'href="/inbox/cases/(\d+)">(\d{4}-\d{2}-\d{6})</a>', inbox)
    assert status == 200 and found, f"inbox answered {status} without a case"
    case_id, reference = found[1], found[2]
    citizen = Citizen(port, "127.0.0.1")
    citizen.open_form()
    track = urllib.parse.urlencode(
        {"reference": reference, "code": TRACKING_CODE, "csrf_token": citizen.token}
    )
    staff_cookie, public_cookie = cookie_of(clerk), cookie_of(citizen)
    pages = {
        "home": Page("/"),
        "form": Page("/submit", expect='name="csrf_token"'),
        "tracking": Page("/track", "POST", track, public_cookie, expect=reference),
        "inbox": Page("/inbox/", cookie=staff_cookie, expect=reference),
        "inbox_filtered": Page(f"/inbox/{FILTER}", cookie=staff_cookie, expect="/inbox/cases/"),
        "case": Page(f"/inbox/cases/{case_id}", cookie=staff_cookie, expect=reference),
        # The last complete month, as the page opens; the month against the previous six.
        "figures": Page("/inbox/figures", cookie=staff_cookie, expect='class="chart"'),
        "case_copies": Page(
            f"/inbox/cases/{copies_case}", cookie=staff_cookie, expect='class="similarity"'
        ),
        "search_words": Page(
            search_path(COMMON_WORDS), cookie=staff_cookie, expect="/inbox/cases/"
        ),
        "search_rare": Page(search_path(RARE_WORDS), cookie=staff_cookie, expect="search-summary"),
        "search_reference": Page(
            search_path(reference.replace("-", "")), cookie=staff_cookie, expect=reference
        ),
    }
    for name, page in pages.items():
        checker = Citizen(port, "127.0.0.1")
        if page.cookie:
            checker.cookies = dict(
                part.split("=", 1) for part in page.cookie.split("; ") if "=" in part
            )
        status, html = checker.request(
            page.method, page.path, page.body.encode() if page.body else None
        )
        assert status == 200 and page.expect in html, f"{name}: {status}, {page.expect!r} missing"
    return pages


def time_pages(
    ports: dict[int, int], copies: dict[int, int], backend: str
) -> dict[int, dict[str, dict[str, float]]]:
    """Each page at every size, interleaved: 10k, 100k, 1M, 10k, 100k, 1M… so that a busy
    moment of the machine falls on every size alike; p50 and p99 are the medians of the rounds."""
    pages = {size: pages_of(port, copies[size]) for size, port in ports.items()}
    timings: dict[int, dict[str, dict[str, float]]] = {size: {} for size in ports}
    for name in PAGES:
        runs: dict[int, list[dict[str, Any]]] = {size: [] for size in ports}
        for size, port in ports.items():  # every worker of every server warmed up
            page = pages[size][name]
            options = {"method": page.method, "body": page.body, "cookie": page.cookie}
            wrk(port, page.path, seconds=1, connections=WORKERS, **options)
        for _round in range(ROUNDS):
            for size, port in ports.items():
                page = pages[size][name]
                options = {"method": page.method, "body": page.body, "cookie": page.cookie}
                result = wrk(port, page.path, seconds=PAGE_SECONDS, **options)
                if result["not_200"] or result["socket_errors"]:
                    raise RuntimeError(f"{backend} {label(size)} {name}: {result}")
                runs[size].append(result)
        for size, results in runs.items():
            timings[size][name] = {
                "p50_ms": round(statistics.median(r["p50_us"] for r in results) / 1000, 2),
                "p99_ms": round(statistics.median(r["p99_us"] for r in results) / 1000, 2),
                "requests": sum(r["requests"] for r in results),
            }
            say(
                f"{backend} {label(size):>4} {PAGE_TITLES[name]:<20} "
                f"p50 {timings[size][name]['p50_ms']:7.2f} ms   "
                f"p99 {timings[size][name]['p99_ms']:7.2f} ms   "
                f"({timings[size][name]['requests']} requests in {ROUNDS} rounds)"
            )
    return timings


def time_exports(url: str, where: str) -> dict[str, dict[str, float]]:
    results = {}
    scratch = DATA / "exports"
    scratch.mkdir(parents=True, exist_ok=True)
    for mode, fmt in EXPORTS:
        output, report = scratch / f"export.{fmt}", scratch / "result.json"
        report.unlink(missing_ok=True)
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.export_child", mode, fmt, url, str(output), str(report)],
            cwd=ROOT,
            env=service_env(url),
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"{where} export {mode} {fmt} failed ({process.returncode})")
        done = json.loads(report.read_text())
        name = f"{mode}_{fmt}"
        results[name] = {
            "rows": done["rows"],
            "seconds": round(done["seconds"], 2),
            "peak_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports kilobytes
            "file_mb": round(output.stat().st_size / 2**20, 1),
        }
        output.unlink()
        say(
            f"{where} export {mode:<3} {fmt:<4} {done['rows']:>9,} rows "
            f"{done['seconds']:7.1f} s   peak {results[name]['peak_mb']:6.1f} MB"
        )
    return results


def stored(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM cases")).scalar_one()
    finally:
        engine.dispose()


def interleaved(
    servers: dict[str, tuple[Any, Page]], where: str, connections: int
) -> dict[str, dict[str, Any]]:
    """Load each server's page in turn, ROUNDS rounds of ROUND_SECONDS, with `connections` at
    once; per page the medians of the rounds: requests per second and the workers' CPU time
    per request (milliseconds of user and system time, read from /proc before and after)."""
    warm_up: dict[str, int] = {}
    for name, (server, page) in servers.items():  # every worker warmed up
        options = {"method": page.method, "body": page.body, "cookie": page.cookie}
        done = wrk(server.port, page.path, seconds=1, connections=connections, **options)
        warm_up[name] = done["requests"]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    for round_number in range(1, ROUNDS + 1):
        for name, (server, page) in servers.items():
            before = worker_cpu(server)
            result = wrk(
                server.port,
                page.path,
                seconds=ROUND_SECONDS,
                connections=connections,
                method=page.method,
                body=page.body,
                cookie=page.cookie,
                expect=page.expect,
            )
            result["cpu_ms"] = (worker_cpu(server) - before) * 1000 / max(result["requests"], 1)
            if result["not_200"] or result["socket_errors"]:
                raise RuntimeError(f"{where} {name}: {result}")
            runs[name].append(result)
            say(
                f"{where} round {round_number} {name:<16} {result['rps']:7.1f}/s   "
                f"CPU {result['cpu_ms']:5.2f} ms/request   p50 {result['p50_us'] / 1000:6.1f} ms"
            )
    return {
        name: {
            "rps": round(statistics.median(r["rps"] for r in results), 1),
            "cpu_ms": round(statistics.median(r["cpu_ms"] for r in results), 3),
            "p99_ms": round(statistics.median(r["p99_us"] for r in results) / 1000, 1),
            "rounds": [round(r["rps"], 1) for r in results],
            "requests": sum(r["requests"] for r in results),
            "answered": warm_up[name] + sum(r["requests"] for r in results),
        }
        for name, results in runs.items()
    }


def submission_page(server: Any, name: str, path: str = "/submit") -> Page:
    """A valid message posted as from the form a browser opened, with a new one-time token and
    new words each time (BENCH_FRESH), so that every post is a new message and is stored."""
    citizen = Citizen(server.port, "127.0.0.1")
    citizen.open_form(path)
    form = valid_form(subject="关于便民服务的意见")
    status, reference = citizen.submit(form)
    assert status == 200 and reference, f"{name} did not store the form ({status})"
    form.update(
        form_token="BENCH_FRESH",
        content=form["content"] + " BENCH_FRESH",
        csrf_token=citizen.token,
    )
    return Page(
        path,
        "POST",
        urllib.parse.urlencode(form),
        cookie_of(citizen),
        expect='id="receipt-ref"',
    )


def throughput(store: Any, size: int, redis_url: str, log: Path) -> dict[str, Any]:
    """The real submission against the lean app, interleaved, on a throw-away copy."""
    url = store.copy(size, "scratch")
    environment = {**service_env(url), "RATELIMIT_STORAGE_URI": redis_url}
    try:
        with (
            served("wsgi:app", environment, log) as app_server,
            served("bench.lean:app", environment, log) as lean_server,
        ):
            duties = submission_page(lean_server, "lean with duties", "/submit/duties")
            servers = {
                "app": (app_server, submission_page(app_server, "app")),
                "lean": (lean_server, submission_page(lean_server, "lean")),
                "lean_duties": (lean_server, duties),
            }
            before = stored(url)
            measured = interleaved(servers, f"{store.name} submissions", LOAD_CONNECTIONS)
            rows = stored(url) - before
    finally:
        store.drop(url)
    app, lean, duties = measured["app"], measured["lean"], measured["lean_duties"]
    # wrk counts the answers it read; the few in flight when it stops were stored unseen.
    answered = app["answered"] + lean["answered"] + duties["answered"]
    if rows < answered:
        raise RuntimeError(f"{store.name}: {answered} receipts shown but {rows} cases stored")
    return {
        "app_rps": app["rps"],
        "lean_rps": lean["rps"],
        "ratio": round(app["rps"] / lean["rps"], 2),
        "app_cpu_ms": app["cpu_ms"],
        "lean_cpu_ms": lean["cpu_ms"],
        "cpu_ratio": round(lean["cpu_ms"] / app["cpu_ms"], 2),
        "rounds": {"app": app["rounds"], "lean": lean["rounds"], "lean_duties": duties["rounds"]},
        "duties_rps": duties["rps"],
        "duties_cpu_ms": duties["cpu_ms"],
        "duties_ratio": round(app["rps"] / duties["rps"], 2),
        "duties_cpu_ratio": round(duties["cpu_ms"] / app["cpu_ms"], 2),
        "app_p99_ms": app["p99_ms"],
        "lean_p99_ms": lean["p99_ms"],
        "answered": answered,
        "rows_stored": rows,
        "connections": LOAD_CONNECTIONS,
        "seconds_per_round": ROUND_SECONDS,
        "database_cases": size,
    }


# The public pages against the lean app's 5 KB Jinja page, each language; the tracking page and
# the inbox's first page against it too, with a looser target.
PUBLIC = ("home", "notice", "form")
LOOSER = ("tracking", "inbox")


def page_bytes(port: int, page: Page) -> int:
    """The size of the page's HTML as wrk receives it."""
    visitor = Citizen(port, "127.0.0.1")
    visitor.cookies = dict(part.split("=", 1) for part in page.cookie.split("; ") if "=" in part)
    _status, html = visitor.request(page.method, page.path, page.body.encode() or None)
    return len(html.encode())


def public_pages(store: Any, size: int, redis_url: str, log: Path) -> dict[str, Any]:
    """Each public page's throughput and CPU per request against the 5 KB Jinja page's."""
    environment = {**service_env(store.url(size)), "RATELIMIT_STORAGE_URI": redis_url}
    with (
        served("wsgi:app", environment, log) as app_server,
        served("bench.lean:app", environment, log) as lean_server,
    ):
        known = pages_of(app_server.port, campaign_case(store.url(size)))
        _status, home = Citizen(app_server.port, "127.0.0.1").get("/")
        slug = re.search(r'href="/n/([^/"]+)/"', home)
        assert slug, "the home page links to no notice"
        servers: dict[str, tuple[Any, Page]] = {"jinja_5kb": (lean_server, Page("/page"))}
        for language, cookie in (("zh", ""), ("en", "lang=en")):
            for name, path in (("home", "/"), ("notice", f"/n/{slug[1]}/"), ("form", "/submit")):
                servers[f"{name}_{language}"] = (app_server, Page(path, cookie=cookie))
        servers["tracking"] = (app_server, known["tracking"])
        servers["inbox"] = (app_server, known["inbox"])
        sizes = {name: page_bytes(server.port, page) for name, (server, page) in servers.items()}
        if not 4900 <= sizes["jinja_5kb"] <= 5300:
            raise RuntimeError(f"the reference page is {sizes['jinja_5kb']} bytes, not 5 KB")
        measured = interleaved(servers, f"{store.name} public pages", WORKERS)
    for name, size_in_bytes in sizes.items():
        measured[name]["bytes"] = size_in_bytes
    reference = measured.pop("jinja_5kb")
    return {
        "reference": reference,
        "pages": {
            name: {
                **result,
                "ratio": round(result["rps"] / reference["rps"], 2),
                "cpu_ratio": round(reference["cpu_ms"] / result["cpu_ms"], 2),
            }
            for name, result in measured.items()
        },
        "database_cases": size,
    }


PARTS = ("latency", "submissions", "public")


def bench_backend(
    store: Any, sizes: list[int], fresh: bool, redis_url: str, parts: list[str]
) -> dict[str, Any]:
    result: dict[str, Any] = {"sizes": {}}
    made = prepare(store, sizes, fresh)
    log = DATA / f"gunicorn-{store.name}.log"
    log.unlink(missing_ok=True)
    if "latency" in parts:
        copies = {size: campaign_case(store.url(size)) for size in sizes}
        say(f"{store.name}: page latency, every size served at once and measured in turn")
        with contextlib.ExitStack() as servers:
            ports = {
                size: servers.enter_context(
                    gunicorn(
                        "wsgi:app",
                        {**service_env(store.url(size)), "RATELIMIT_STORAGE_URI": redis_url},
                        log,
                    )
                )
                for size in sizes
            }
            pages = time_pages(ports, copies, store.name)
        for size in sizes:
            lookup = time_lookup(store.url(size), copies[size])
            say(
                f"{store.name} {label(size):>4} near-copy lookup   p50 {lookup['p50_ms']:7.2f} ms   "
                f"p99 {lookup['p99_ms']:7.2f} ms   ({lookup['found']} near copies)"
            )
            exports = time_exports(store.url(size), f"{store.name} {label(size)}")
            result["sizes"][str(size)] = {
                "pages": pages[size],
                "near_copies": lookup,
                "exports": exports,
                **made[size],
            }
    if "submissions" in parts:
        say(f"{store.name}: submission throughput, app and lean app interleaved")
        result["throughput"] = throughput(store, sizes[0], redis_url, log)
    if "public" in parts:
        say(f"{store.name}: public pages against a 5 KB Jinja page, interleaved")
        result["public"] = public_pages(store, sizes[0], redis_url, log)
    return result


# --- the report ------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    versions = {}
    for name, command in (
        ("postgresql", ["psql", "--version"]),
        ("redis", ["redis-server", "--version"]),
        ("wrk", ["wrk", "--version"]),
    ):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10)
            versions[name] = (out.stdout or out.stderr).splitlines()[0].strip()
        except (OSError, IndexError, subprocess.TimeoutExpired):
            versions[name] = "absent"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        **versions,
        "gunicorn_workers": WORKERS,
    }


def checks(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target, per backend, for the parts measured: the value and whether it is met."""
    found = []
    for backend, data in results["backends"].items():

        def add(
            what: str, value: float, limit: float, *, at_most: bool = True, backend: str = backend
        ) -> None:
            met = value <= limit if at_most else value >= limit
            found.append(
                {
                    "backend": backend,
                    "target": what,
                    "value": round(value, 2),
                    "limit": limit,
                    "at_most": at_most,
                    "met": met,
                }
            )

        if "throughput" in data:
            t = data["throughput"]
            add("submissions/s, app / lean", t["ratio"], TARGETS["throughput_ratio"], at_most=False)
            add(
                "submission CPU, lean / app",
                t["cpu_ratio"],
                TARGETS["throughput_ratio"],
                at_most=False,
            )
        if "public" in data:
            for name, page in data["public"]["pages"].items():
                limit = TARGETS["looser_page_ratio" if name in LOOSER else "public_page_ratio"]
                add(f"{name} page/s, / 5 KB Jinja page", page["ratio"], limit, at_most=False)
        if not data["sizes"]:
            continue
        sizes = sorted(int(s) for s in data["sizes"])
        small, large = data["sizes"][str(sizes[0])], data["sizes"][str(sizes[-1])]
        span = f"{label(sizes[-1])} vs {label(sizes[0])}"
        growth = large["pages"]["inbox"]["p99_ms"] / small["pages"]["inbox"]["p99_ms"]
        add(f"inbox p99, {span}", growth, TARGETS["inbox_p99_growth"])
        growth = large["pages"]["figures"]["p99_ms"] / small["pages"]["figures"]["p99_ms"]
        add(f"month's figures p99, {span}", growth, TARGETS["figures_p99_growth"])
        for page in SEARCHES:
            growth = large["pages"][page]["p99_ms"] / small["pages"][page]["p99_ms"]
            add(f"{PAGE_TITLES[page]} p99, {span}", growth, TARGETS["search_p99_growth"])
        for fmt in ("csv", "xlsx"):
            memory = (
                large["exports"][f"app_{fmt}"]["peak_mb"]
                / small["exports"][f"app_{fmt}"]["peak_mb"]
            )
            add(
                f"export {fmt.upper()} peak memory, {span}", memory, TARGETS["export_memory_growth"]
            )
            slower = (
                large["exports"][f"app_{fmt}"]["seconds"] / large["exports"]["raw_csv"]["seconds"]
            )
            at = label(sizes[-1])
            add(
                f"export {fmt.upper()} time / raw dump at {at}",
                slower,
                TARGETS["export_time_vs_raw"],
            )
        add(
            f"near-copy lookup p99 at {label(sizes[-1])}, ms",
            large["near_copies"]["p99_ms"],
            TARGETS["near_copies_p99_ms"],
        )
        page, slowest = max(large["pages"].items(), key=lambda kv: kv[1]["p50_ms"])
        add(
            f"slowest page p50 at {label(sizes[-1])} ({PAGE_TITLES[page]}), ms",
            slowest["p50_ms"],
            TARGETS["page_p50_ms"],
        )
    return found


def table(results: dict[str, Any]) -> str:
    """Latency and exports per size; then submissions and public pages against their references."""
    lines = []
    columns = [
        (backend, size)
        for backend, data in results["backends"].items()
        for size in sorted(int(s) for s in data["sizes"])
    ]
    if columns:
        head = ["measure"] + [f"{backend} {label(size)}" for backend, size in columns]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

        def row(name: str, cell: Callable[[dict[str, Any]], str]) -> None:
            cells = [cell(results["backends"][b]["sizes"][str(s)]) for b, s in columns]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")

        for page in PAGES:
            row(
                f"{PAGE_TITLES[page]}, p50 / p99 ms",
                lambda s, page=page: (
                    f"{s['pages'][page]['p50_ms']:.1f} / {s['pages'][page]['p99_ms']:.1f}"
                ),
            )
        row(
            "near-copy lookup, p50 / p99 ms",
            lambda s: f"{s['near_copies']['p50_ms']:.1f} / {s['near_copies']['p99_ms']:.1f}",
        )
        names = {"app_csv": "export CSV", "app_xlsx": "export XLSX", "raw_csv": "raw dump CSV"}
        for key, name in names.items():
            row(
                f"{name}, s / peak MB",
                lambda s, key=key: (
                    f"{s['exports'][key]['seconds']:.1f} / {s['exports'][key]['peak_mb']:.0f}"
                ),
            )
        lines.append("")
    against = [
        "| measure | backend | requests/s | reference/s | ratio | CPU ms/request | reference's | "
        "CPU ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend, data in results["backends"].items():
        if "throughput" in data:
            t = data["throughput"]
            against.append(
                f"| submissions ({t['rows_stored']} stored of {t['answered']} receipts), "
                f"against the lean app | {backend} | {t['app_rps']:.0f} | {t['lean_rps']:.0f} | "
                f"**{t['ratio']:.2f}** | {t['app_cpu_ms']:.2f} | {t['lean_cpu_ms']:.2f} | "
                f"**{t['cpu_ratio']:.2f}** |"
            )
            against.append(
                f"| submissions, against the lean app doing today's duties too (not a target) | "
                f"{backend} | {t['app_rps']:.0f} | {t['duties_rps']:.0f} | {t['duties_ratio']:.2f} | "
                f"{t['app_cpu_ms']:.2f} | {t['duties_cpu_ms']:.2f} | {t['duties_cpu_ratio']:.2f} |"
            )
        if "public" in data:
            ref = data["public"]["reference"]
            for name, page in data["public"]["pages"].items():
                against.append(
                    f"| {name} page ({page['bytes'] / 1024:.0f} KB), against the "
                    f"{ref['bytes'] / 1024:.0f} KB Jinja page | {backend} | "
                    f"{page['rps']:.0f} | {ref['rps']:.0f} | **{page['ratio']:.2f}** | "
                    f"{page['cpu_ms']:.2f} | {ref['cpu_ms']:.2f} | **{page['cpu_ratio']:.2f}** |"
                )
    if len(against) > 2:
        lines += against
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Run of {results['started']} (UTC), {results['minutes']:.0f} minutes, with "
        f"`{results['command']}`; load average {results['load_before']} before, "
        f"{results['load_after']} after.",
        "",
        table(results),
        "",
        "| target | backend | measured | limit | met |",
        "|---|---|---|---|---|",
    ]
    for check in results["checks"]:
        lines.append(
            f"| {check['target']} | {check['backend']} | {check['value']} | "
            f"{'≤' if check['at_most'] else '≥'} {check['limit']} | "
            f"{'yes' if check['met'] else '**no**'} |"
        )
    lines += [
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; Python "
        f"{m['python']}, SQLite {m['sqlite']}, {m['postgresql']}, {m['redis'].split(' sha')[0]}, "
        f"{m['wrk'].split(' [')[0]}; gunicorn {m['gunicorn_workers']} sync workers.",
    ]
    return "\n".join(lines)


def write_doc(text_block: str) -> None:
    content = DOC.read_text()
    start, end = content.index(DOC_START) + len(DOC_START), content.index(DOC_END)
    DOC.write_text(content[:start] + "\n" + text_block + "\n" + content[end:])


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    global PAGE_SECONDS, ROUND_SECONDS, ROUNDS
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--backends", default=",".join(DEFAULT_BACKENDS))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/postgres"
        ),
        help="an administrative connection: the benchmark creates and drops feedback_bench_*",
    )
    parser.add_argument("--page-seconds", type=float, default=PAGE_SECONDS)
    parser.add_argument("--round-seconds", type=float, default=ROUND_SECONDS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="which measures: latency (pages and exports at every size), submissions, public",
    )
    parser.add_argument("--fresh", action="store_true", help="regenerate every database")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    parser.add_argument("--no-doc", action="store_true", help="leave PERFORMANCE.md alone")
    args = parser.parse_args(argv)
    PAGE_SECONDS, ROUND_SECONDS, ROUNDS = args.page_seconds, args.round_seconds, args.rounds
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if set(parts) - set(PARTS):
        parser.error(f"parts among {', '.join(PARTS)}")
    unknown = set(backends) - set(DEFAULT_BACKENDS)
    if unknown or not sizes or min(sizes) < 100:
        parser.error(f"sizes of at least 100 and backends among {', '.join(DEFAULT_BACKENDS)}")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: `apt-get install wrk` (make bench does it)")
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "command": "make bench"
        + (f" SIZES={args.sizes}" if sizes != list(DEFAULT_SIZES) else "")
        + (f" BACKENDS={args.backends}" if backends != list(DEFAULT_BACKENDS) else "")
        + (f" PARTS={args.parts}" if parts != list(PARTS) else ""),
        "load_before": loadavg(),
        "machine": machine(),
        "sizes": sizes,
        "backends": {},
    }
    say(f"sizes {', '.join(map(label, sizes))} on {', '.join(backends)}; load {loadavg()}")
    with redis_server() as redis:
        for backend in backends:
            if backend == "postgresql":
                if not postgres_answers(args.postgres_url):
                    say(f"PostgreSQL skipped: nothing answers at {args.postgres_url}")
                    continue
                store: Any = PostgresStore(args.postgres_url)
            else:
                store = SQLiteStore()
            try:
                results["backends"][backend] = bench_backend(
                    store, sizes, args.fresh, redis.url, parts
                )
            finally:
                store.close(args.keep)
    results["load_after"] = loadavg()
    results["minutes"] = (time.monotonic() - STARTED) / 60
    results["checks"] = checks(results)
    text_block = report(results)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"{stamp}.json", RESULTS / "latest.json"):
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print(text_block)
    print(f"\nResults: {RESULTS / 'latest.json'}", end="")
    if not args.no_doc:
        write_doc(text_block)
        print(f"; table written to {DOC.name}", end="")
    print(f"; {results['minutes']:.1f} minutes.")
    return 0
