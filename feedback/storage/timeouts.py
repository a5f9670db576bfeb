"""How long the service waits for PostgreSQL and Redis, so that neither can hang a request.

Redis (the rate limits): each command and each connection attempt waits at most half a second;
past that, flask-limiter falls back to each worker's memory and logs a warning, and the
`SharedLimiter` asks Redis again every few seconds, so the shared limits are back soon after it is.

PostgreSQL: libpq's connect_timeout bounds connecting (a server that accepts the connection and
never answers), statement_timeout makes the server give up a statement stuck on a lock, and
tcp_user_timeout with keepalives notices a line that has gone dead. A server that is reachable but
answers nothing at all (a hung process, a stuck proxy) is caught by the client itself: every wait
for an answer ends a second after the statement timeout, and the connection is closed, which
also makes the pool drop the connections it holds to that server (pool_pre_ping).

Every default gives way to the same option written in the URL: the URL is the place to change them.
"""

import re
import time
from typing import Any

import flask_limiter
import psycopg
from flask import Flask
from psycopg.errors import _WaitTimeout  # what wait() raises when its timeout expires
from sqlalchemy import Connection, event, make_url
from sqlalchemy.engine import URL

REDIS_TIMEOUT_SECONDS = 0.5
# How often a worker whose limits fell back to memory asks Redis whether it answers again.
REDIS_RETRY_SECONDS = 2.0

CONNECT_TIMEOUT_SECONDS = 3  # libpq's own minimum is 2
STATEMENT_TIMEOUT_SECONDS = 4
# The client waits this much longer than the statement timeout: a server that is alive answers
# with its own "statement timeout" error first.
ANSWER_MARGIN_SECONDS = 1.0
POSTGRESQL_DEFAULTS = {
    "connect_timeout": str(CONNECT_TIMEOUT_SECONDS),
    "tcp_user_timeout": str(STATEMENT_TIMEOUT_SECONDS * 1000),  # milliseconds
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "5",
    "keepalives_count": "3",
}
_STATEMENT_TIMEOUT = re.compile(r"statement_timeout\s*=\s*(\d+(?:\.\d+)?)\s*([a-z]*)", re.I)
_UNITS = {"": 0.001, "us": 1e-6, "ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


class SharedLimiter(flask_limiter.Limiter):
    """flask-limiter's Limiter, asking a storage that stopped answering again every few seconds.

    Upstream waits 1, 2, 4 … 32 s between attempts, then starts again: the shared limits could
    stay per-worker for half a minute after Redis was back. Each attempt against a hung Redis
    costs the request that makes it one Redis timeout.
    """

    _last_attempt = 0.0

    def _Limiter__should_check_backend(self) -> bool:  # flask-limiter's private hook
        now = time.monotonic()
        if now - self._last_attempt < REDIS_RETRY_SECONDS:
            return False
        self._last_attempt = now
        return True

    def check_only_limited_views(self, app: Flask) -> None:
        """Leave each limit to its view's decorator when no limit applies to the whole app.

        flask-limiter also checks before every request, for default, application, meta and
        blueprint limits; the service sets none, so that check found nothing on every page.
        Called once the blueprints are registered; any such limit set later keeps it.
        """
        manager = self.limit_manager
        checks = app.before_request_funcs.get(None, [])
        app_wide = (
            manager._default_limits
            or manager._application_limits
            or manager._blueprint_limits
            or self._meta_limits
        )
        if self._check_request_limit in checks and not app_wide:  # not there when disabled
            checks.remove(self._check_request_limit)


def redis_options(storage_uri: str) -> dict[str, Any]:
    """The limiter storage's client options: bounded waits for Redis (the URI's own win)."""
    if not storage_uri.startswith(("redis", "rediss", "valkey")):
        return {}
    return {
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    }


def postgresql_connect_args(url: URL) -> dict[str, str]:
    """libpq settings the URL does not give itself; `options` gains a statement timeout."""
    args = {k: v for k, v in POSTGRESQL_DEFAULTS.items() if k not in url.query}
    options = str(url.query.get("options", ""))
    if "statement_timeout" not in options:
        args["options"] = f"{options} -c statement_timeout={STATEMENT_TIMEOUT_SECONDS}s".strip()
    return args


def answer_timeout(url: URL, connect_args: dict[str, str]) -> float | None:
    """How long the client waits for any answer: the statement timeout in force, plus a margin.

    None when the statement timeout is off (0), as an operator may set it for long maintenance.
    """
    options = str(connect_args.get("options") or url.query.get("options", ""))
    found = _STATEMENT_TIMEOUT.search(options)
    if not found:
        return None
    seconds = float(found[1]) * _UNITS.get(found[2].lower(), 0.001)
    return seconds + ANSWER_MARGIN_SECONDS if seconds > 0 else None


class AnsweringConnection(psycopg.Connection):
    """A psycopg connection that waits for the server's answer at most `answer_timeout` seconds.

    Past it the connection is closed and the statement fails as a lost connection would, so
    SQLAlchemy discards it and the page says that nothing was stored.
    """

    answer_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        bound = timeout if timeout is not None else self.answer_timeout
        try:
            return super().wait(gen, interval=interval, timeout=bound)
        except _WaitTimeout:
            if timeout is not None:  # psycopg's own bound, when it cancels a query
                raise
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.answer_timeout:g} s"
            ) from None


def lift(connection: Connection) -> None:
    """Let this connection's statements take as long as they need: for migrations, run by an
    operator on a database that may be large, not for requests."""
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql("SET statement_timeout = 0")
    driver = connection.connection.driver_connection
    if isinstance(driver, AnsweringConnection):
        driver.answer_timeout = None


def configure(config: dict[str, Any]) -> None:
    """Fill in the engine's and the limiter storage's options before the extensions start."""
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg":
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {
            **postgresql_connect_args(url),
            **options.get("connect_args", {}),
        }
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_options(config["RATELIMIT_STORAGE_URI"]))


def init_app(app: Flask) -> None:
    """Connect to PostgreSQL through `AnsweringConnection`, bounded as its settings say."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    if engine.dialect.driver != "psycopg":
        return
    connect_args = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    bound = answer_timeout(engine.url, connect_args)

    @event.listens_for(engine, "do_connect")
    def connect(
        _dialect: Any, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]
    ) -> psycopg.Connection:
        connection = AnsweringConnection.connect(*cargs, **cparams)
        connection.answer_timeout = bound
        return connection
