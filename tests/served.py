"""The service as deployed, for tests: gunicorn, its own Redis, a cuttable line to PostgreSQL.

Everything listens on loopback ports picked at start-up and is stopped by the fixtures that
start it. The citizen here is a small HTTP client that keeps its cookie, as a browser would.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(answers, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up within {timeout} s")


@contextmanager
def redis_server() -> Iterator["Redis"]:
    """A Redis of the test's own, so that stopping it disturbs nobody."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    server = Redis(process, port)
    try:
        wait_until(server.answers, 10, "redis-server")
        yield server
    finally:
        server.stop()


@dataclass
class Redis:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def flush(self) -> None:
        """Forget every counter: the limits start again from nothing."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            assert conn.recv(16).startswith(b"+OK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class Line:
    """A TCP relay from a loopback port to a server; cutting it is the server going away.

    Hanging it is the server going silent: every connection, open or new, is accepted and kept,
    and nothing more is passed on or answered (the kernel still acknowledges what is sent, as a
    hung server's does).
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.cut_off = False
        self.silent = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.cut_off:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            if self.silent:
                continue
            server = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets.append(server)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.silent:
                    sink.sendall(data)
        except OSError:
            return
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def hang(self) -> None:
        """Accept and keep every connection, open or new, and answer nothing."""
        self.silent = True

    def cut(self) -> None:
        """Refuse new connections and break every open one."""
        self.cut_off = True
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked on it
        self.listener.close()
        for end in self.sockets:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


@dataclass
class Deployment:
    """The database a served test's service uses, and the relay to it on PostgreSQL."""

    url: str  # what the service is configured with
    line: Line | None  # the relay to PostgreSQL, None on SQLite

    def query(self, sql: str) -> list[tuple]:
        direct = make_url(self.url)
        if self.line is not None:
            direct = direct.set(port=self.line.target_port)
        engine = create_engine(direct)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql))]
        finally:
            engine.dispose()


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    log: Path
    ready_path: str = "/healthz"

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped; see {self.log}")
        try:
            return Citizen(self.port, "203.0.113.254", timeout=5).get(self.ready_path)[0] == 200
        except OSError:
            return False


@contextmanager
def gunicorn(
    env: dict[str, str],
    log: Path,
    workers: int = 4,
    app: str = "wsgi:app",
    ready_path: str = "/healthz",
    release: Path = ROOT,
    workdir: Path | None = None,
) -> Iterator[Gunicorn]:
    """Serve `app` with gunicorn.conf.py and `workers` workers on a free loopback port.

    The code comes from `release` (this checkout, or another release's tree), run from
    `workdir` (the release's own folder unless given), as a machine of its own would. The log
    is appended to, so that several servers may share one.
    """
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("FEEDBACK_ENV", "SECRET_KEY")},
        **env,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(release / "gunicorn.conf.py"), app],
            cwd=workdir or release,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Gunicorn(process, port, log, ready_path)
    try:
        wait_until(server.answers, 60, f"gunicorn {app}")
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


SITE = "feedback.example.gov.cn"


@dataclass
class Citizen:
    """One browser on https://SITE, behind nginx: known to the service by the address nginx
    reports for it, and posting forms as from a no-referrer page (no Referer, `Origin: null`)."""

    port: int
    address: str
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""
    form_token: str = ""  # the one-time token of the form last opened
    form_path: str = "/submit"  # where that form posts
    timeout: float = 30
    pages: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Host": SITE, "X-Forwarded-Proto": "https", "X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers.update({"Origin": "null", "Sec-Fetch-Site": "same-origin"})
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
            for set_cookie in response.msg.get_all("Set-Cookie") or []:
                name, _, value = set_cookie.split(";", 1)[0].partition("=")
                self.cookies[name] = value
            return response.status, page
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def open_form(self, path: str = "/submit") -> None:
        self.form_path = path
        status, page = self.get(path)
        assert status == 200, status
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        self.form_token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page)[1]

    def submit(self, fields: dict[str, str]) -> tuple[int, str | None]:
        """Post the form last opened; return the status and the receipt's reference, if shown."""
        tokens = {"csrf_token": self.token, "form_token": self.form_token}
        body = urllib.parse.urlencode({**fields, **tokens}).encode()
        status, page = self.request("POST", self.form_path, body)
        reference = re.search(r'id="receipt-ref"[^>]*>\s*([^<\s]+)\s*<', page)
        self.pages.append(page)
        return status, reference[1] if reference else None
