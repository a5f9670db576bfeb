"""Malformed requests sent as raw bytes to gunicorn (4 workers, as deployed): never a 500.

A part without a name, a Host that cannot be one, a cookie that cannot be read, a body cut short
of its Content-Length or one that stops arriving: each gets the 400 page in Chinese, nothing is
stored, and no worker logs a traceback or is killed.
"""

import socket
import urllib.parse
from collections.abc import Callable, Iterator

import pytest
from public_helpers import valid_form
from served import SITE, Citizen, Gunicorn, gunicorn, redis_server
from sqlalchemy import create_engine, text

BODY_SECONDS = 2
NOT_UNDERSTOOD = "请求无法处理"
NOTHING_STORED = "本次提交的内容未被保存"
COOKIE_REFUSED = "允许本网站使用 Cookie"
BOUNDARY = "----citizen-boundary"


@pytest.fixture(scope="module")
def deployment(databases, tmp_path_factory) -> Iterator[tuple[Gunicorn, str]]:
    url = databases.copy_of_template()
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bad requests test key " * 3,
        "TRUSTED_PROXIES": "1",
        "REQUEST_BODY_SECONDS": str(BODY_SECONDS),
    }
    with redis_server() as redis:
        env["RATELIMIT_STORAGE_URI"] = redis.url
        with gunicorn(env, tmp_path_factory.mktemp("bad-requests") / "gunicorn.log") as server:
            yield server, url
    databases.drop(url)


def stored_cases(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM cases")).scalar_one()
    finally:
        engine.dispose()


def send(port: int, raw: bytes, *, hang_up: bool = True) -> tuple[int, str]:
    """Send raw bytes; hang up (or wait, like a stalled client) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=BODY_SECONDS + 20) as conn:
        conn.sendall(raw)
        if hang_up:
            conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


class Browser:
    """A citizen who has opened the form: its token and cookie, and raw requests built on them."""

    count = 0

    def __init__(self, port: int) -> None:
        Browser.count += 1
        self.address = f"203.0.113.{Browser.count}"
        citizen = Citizen(port, self.address)
        citizen.open_form()
        self.token = citizen.token
        self.cookie = "; ".join(f"{k}={v}" for k, v in citizen.cookies.items())

    def post(
        self, body: bytes, content_type: str, *, length: int | None = None, **headers: str
    ) -> bytes:
        fields = {
            "Host": SITE,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Cookie": self.cookie,
            "Origin": "null",
            "Sec-Fetch-Site": "same-origin",
            "Content-Type": content_type,
            "Content-Length": str(len(body) if length is None else length),
            "Connection": "close",
            **headers,
        }
        head = "".join(f"{k}: {v}\r\n" for k, v in fields.items())
        return f"POST /submit HTTP/1.1\r\n{head}\r\n".encode("latin-1") + body

    def form(self) -> dict[str, str]:
        """A whole anonymous opinion, the text last: any prefix of it is still a valid form."""
        return valid_form(
            csrf_token=self.token, identity="anonymous", name="", phone="", content=None
        ) | {"content": "整改通报说已经整改到位，但我上个月去办事时情况依旧，希望核实。" * 3}

    def urlencoded(self) -> bytes:
        return urllib.parse.urlencode(self.form()).encode()

    def multipart(self, *extra_parts: bytes) -> bytes:
        parts = [
            f'Content-Disposition: form-data; name="{k}"\r\n\r\n{v}'.encode()
            for k, v in self.form().items()
        ]
        parts += extra_parts
        body = b"".join(f"--{BOUNDARY}\r\n".encode() + part + b"\r\n" for part in parts)
        return body + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED = "application/x-www-form-urlencoded"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"

BAD_POSTS: dict[str, Callable[[Browser], bytes]] = {
    "a file part without a name": lambda b: b.post(
        b.multipart(b'Content-Disposition: form-data; filename="photo.jpg"\r\n\r\n' + JPEG),
        MULTIPART,
    ),
    "a field part without a name": lambda b: b.post(
        b.multipart(b"Content-Disposition: form-data\r\n\r\nvalue"), MULTIPART
    ),
    "a part with an empty name": lambda b: b.post(
        b.multipart(b'Content-Disposition: form-data; name=""\r\n\r\nvalue'), MULTIPART
    ),
    "a part without headers": lambda b: b.post(b.multipart(b"\r\nvalue"), MULTIPART),
    "multipart without a boundary": lambda b: b.post(b.multipart(), "multipart/form-data"),
    "a form that is not UTF-8": lambda b: b.post(b.urlencoded() + b"&website=\xff\xfe", URLENCODED),
    "an over-long Host": lambda b: b.post(b.urlencoded(), URLENCODED, Host="a" * 4000),
    "a Host label over 63 characters": lambda b: b.post(
        b.urlencoded(), URLENCODED, Host=f"{'a' * 64}.example.gov.cn"
    ),
    "a Host with spaces and brackets": lambda b: b.post(
        b.urlencoded(), URLENCODED, Host="feedback example<gov>"
    ),
    "a Host with two ports": lambda b: b.post(b.urlencoded(), URLENCODED, Host=f"{SITE}:1:2"),
    "a body cut short, then the line closed": lambda b: b.post(
        b.urlencoded()[:-30], URLENCODED, length=len(b.urlencoded())
    ),
    "a multipart body cut short, then the line closed": lambda b: b.post(
        b.multipart()[:-60], MULTIPART, length=len(b.multipart())
    ),
}


@pytest.mark.parametrize("case", BAD_POSTS)
def test_a_malformed_post_gets_the_chinese_400_page_and_stores_nothing(deployment, case):
    server, url = deployment
    before = stored_cases(url)
    browser = Browser(server.port)
    status, page = send(server.port, BAD_POSTS[case](browser))
    assert status == 400, page
    assert NOT_UNDERSTOOD in page and NOTHING_STORED in page
    assert stored_cases(url) == before
    assert "Traceback" not in server.log_text()
    # The same citizen's form, whole and well formed, goes through.
    status, page = send(server.port, browser.post(browser.multipart(), MULTIPART))
    assert status == 200 and 'id="receipt-ref"' in page
    assert stored_cases(url) == before + 1


def test_a_body_that_stops_arriving_is_answered_before_the_worker_is_killed(deployment):
    server, url = deployment
    before = stored_cases(url)
    browser = Browser(server.port)
    body = browser.urlencoded()
    status, page = send(
        server.port, browser.post(body[:-30], URLENCODED, length=len(body)), hang_up=False
    )
    assert status == 400 and NOT_UNDERSTOOD in page
    assert stored_cases(url) == before
    log = server.log_text()
    assert "Traceback" not in log and "WORKER TIMEOUT" not in log


def test_a_session_cookie_that_cannot_be_read_is_refused_in_chinese(deployment):
    server, url = deployment
    before = stored_cases(url)
    browser = Browser(server.port)
    cookie = "session=%%%not.a.session; lang=\xff\xfe; =;"
    status, page = send(server.port, browser.post(browser.urlencoded(), URLENCODED, Cookie=cookie))
    assert status == 400 and COOKIE_REFUSED in page
    assert stored_cases(url) == before
    # The same cookie on a page: the page is shown, with a fresh session.
    get = f"GET /submit HTTP/1.1\r\nHost: {SITE}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    status, page = send(server.port, get.encode("latin-1"))
    assert status == 200 and 'name="csrf_token"' in page
    assert "Traceback" not in server.log_text()


@pytest.mark.parametrize(
    ("raw", "refused_with"),
    [
        (b"GET / HTTP/1.1\r\nHost: " + SITE.encode() + b"\r\nCookie: s=a\x01b\r\n\r\n", 400),
        (
            b"GET / HTTP/1.1\r\nHost: "
            + SITE.encode()
            + b"\r\nX-Long: "
            + b"x" * 9000
            + b"\r\n\r\n",
            431,
        ),
        (b"NOT A REQUEST LINE\r\n\r\n", 400),
    ],
    ids=["a control character in a cookie", "an over-long header", "a broken request line"],
)
def test_what_gunicorn_refuses_itself_is_refused_in_chinese_and_logs_no_address(
    deployment, raw, refused_with
):
    server, _url = deployment
    logged_before = len(server.log_text())
    status, page = send(server.port, raw)
    assert (status, NOT_UNDERSTOOD in page, NOTHING_STORED in page) == (refused_with, True, True)
    logged = server.log_text()[logged_before:]
    assert "refused a malformed request" in logged and "127.0.0.1" not in logged
