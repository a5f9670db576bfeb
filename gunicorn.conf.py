"""gunicorn for `make serve` and production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Each setting can be changed through the environment variable named beside it. The service's own
settings (DATABASE_URL, SECRET_KEY, RATELIMIT_STORAGE_URI, TRUSTED_PROXIES) are read by the app.
"""

import contextlib
import gc
import os
import subprocess
import sys

from gunicorn.http import errors
from gunicorn.workers.sync import SyncWorker

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Serve the code of the release this file belongs to, by the path it was named with: started as
# `-c /srv/feedback/app/gunicorn.conf.py`, a reload after the `app` link moved to a new release
# imports the new release, while the old workers keep the files they were started from.
chdir = os.path.dirname(os.path.abspath(__file__))
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Workers load the app themselves: no connection or lock is shared across a fork.
preload_app = False

# What gunicorn answers itself to a request it cannot parse, before the app sees it.
MALFORMED_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>请求无法处理</title></head>
<body><h1>请求无法处理</h1>
<p>浏览器发出的请求格式有误，本网站无法读取，本次提交的内容未被保存。请返回，刷新页面后重试。</p>
<p lang="en">The request could not be read, and nothing was stored. Go back, reload the page and
try again.</p></body></html>
""".encode()
# Refusals of the client's request; anything else is gunicorn's or the app's own fault.
STATUS_OF_MALFORMED = {
    errors.LimitRequestLine: "414 URI Too Long",
    errors.LimitRequestHeaders: "431 Request Header Fields Too Large",
}
NOT_THE_CLIENTS = (
    errors.InvalidResponseHeader,
    errors.InvalidResponseHeaderName,
    errors.ConfigurationProblem,
    errors.UnsupportedTransferCoding,
)


class Worker(SyncWorker):
    """gunicorn's sync worker, answering a request it cannot parse in Chinese, as the app would.

    gunicorn refuses some requests before the app sees them (a control character in a cookie, an
    over-long header, a broken request line) with a terse English page, and logs the client's
    address at WARNING; here the page says in Chinese that nothing was stored, and the log names
    only the kind of error.
    """

    def handle_error(self, req, client, addr, exc) -> None:  # type: ignore[no-untyped-def]
        if not isinstance(exc, errors.ParseException) or isinstance(exc, NOT_THE_CLIENTS):
            super().handle_error(req, client, addr, exc)
            return
        status = next(
            (line for kind, line in STATUS_OF_MALFORMED.items() if isinstance(exc, kind)),
            "400 Bad Request",
        )
        self.log.warning("refused a malformed request: %s", type(exc).__name__)
        head = (
            f"HTTP/1.1 {status}\r\nConnection: close\r\n"
            "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
            f"X-Content-Type-Options: nosniff\r\nContent-Length: {len(MALFORMED_PAGE)}\r\n\r\n"
        )
        with contextlib.suppress(OSError):  # a client that has gone needs no answer
            client.sendall(head.encode() + MALFORMED_PAGE)


worker_class = Worker

# No client address or user agent in the logs (no %(h)s, %(a)s, %({x-forwarded-for}i)s).
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"  # at debug, gunicorn logs more about each connection


def on_starting(server) -> None:  # type: ignore[no-untyped-def]
    """Refuse to start with settings unsafe for this many workers, before any worker boots.

    The check runs in a process of its own: had the master imported the app, every worker
    forked after a reload (`kill -HUP`, DEPLOY.md's upgrade) would run the old release's code.
    """
    check = (
        "import sys\n"
        "from feedback import create_app\n"
        "from feedback.config import ConfigurationError\n"
        "try:\n"
        "    create_app()\n"
        "except ConfigurationError as error:\n"
        "    sys.exit(f'feedback: {error}')\n"
    )
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)  # what the workers will read
    if subprocess.run([sys.executable, "-c", check]).returncode:
        sys.exit(1)


def on_reload(server) -> None:  # type: ignore[no-untyped-def]
    """Forget any of the app's modules the master holds, so new workers import the new release.

    Releases before this one imported the app in the master at start-up (see on_starting); a
    reload from such a master would otherwise fork workers that run the old code.
    """
    for name in [n for n in sys.modules if n in ("wsgi", "feedback") or n.startswith("feedback.")]:
        del sys.modules[name]


def post_worker_init(worker) -> None:  # type: ignore[no-untyped-def]
    """Exempt the loaded app from the garbage collector's full collections, for good.

    A full collection walks every object the worker holds, most of them the loaded app, every few
    hundred requests, on whichever request it falls. Frozen here, what the app loaded at start-up
    (modules, models, settings) is no longer walked, and a full collection walks only what
    requests made.
    """
    gc.collect()
    gc.freeze()
