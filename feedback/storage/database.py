"""Per-connection settings for SQLite: WAL, a busy timeout, foreign keys, deleted content
overwritten with zeros (secure_delete: a purged case leaves no text in free pages), and writers
in line.

In WAL mode readers never wait, but a transaction that reads and then writes fails at once with
"database is locked" if another writer committed in between, whatever the busy timeout. So a
transaction that will write begins IMMEDIATE: it takes the write lock up front and waits its
turn, trying every millisecond (`_begin_immediate`). Which transactions will write is decided
per request: those of a POST (or any other unsafe method), and those of a GET view marked
`@writes` (the case page and the downloads write an audit entry) until it commits. Every other
request's transactions begin DEFERRED and take no write lock: a signed-in page only reads. A
request that flushes a change without being a writer is refused (`_refuse_unmarked_write`), on
every database, so that a forgotten marker fails in the tests rather than in a busy hour.
Outside a request (commands, tests' own sessions) every transaction begins IMMEDIATE.
Reads that must neither queue behind writers nor hold them up use `read_only()`, whose
transactions begin DEFERRED: a consistent snapshot without the write lock. A request's own
transaction ends when its response is made (`end_transaction`), not after it has been sent.
PostgreSQL needs none of the SQLite settings.
"""

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app, has_request_context, request
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from feedback.extensions import db

# An execution option: this connection only reads, so its transactions need no write lock.
READ_ONLY = "feedback_read_only"
BUSY_TIMEOUT_MS = 30_000
# Set on a GET view that writes (`writes`); in the request's environ, whether it still writes
# (the request's own: an application context, and its `g`, may outlive one request in tests).
WRITES = "feedback_writes"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = TypeVar("View", bound=Callable[..., Any])


def writes(view: View) -> View:
    """Mark a GET view that writes (an audit entry, say): its transaction takes the write lock
    when it begins, and once it has committed, the rest of the request only reads."""
    setattr(view, WRITES, True)
    return view


def request_writes() -> bool:
    """Tell whether the current request's next transaction may write."""
    if not has_request_context():
        return True
    if WRITES not in request.environ:
        view = current_app.view_functions.get(request.endpoint or "")
        marked = getattr(view, WRITES, False)
        request.environ[WRITES] = request.method not in SAFE_METHODS or marked
    return bool(request.environ[WRITES])


def _committed(_session: Session) -> None:
    """A GET view that wrote has committed its write: what follows only reads."""
    if has_request_context() and request.method in SAFE_METHODS:
        request.environ[WRITES] = False


def _refuse_unmarked_write(session: Session, _context: Any, _instances: Any) -> None:
    if not request_writes():
        raise RuntimeError(
            f"{request.method} {request.endpoint} writes to the database but is not marked "
            "@writes (feedback/storage/database.py): on SQLite it began without the write lock"
        )


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's begin event below issues BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _begin(connection: Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY) or not request_writes():
        connection.exec_driver_sql("BEGIN DEFERRED")
    else:
        _begin_immediate(connection.connection.dbapi_connection)


def is_busy(error: sqlite3.Error) -> bool:
    """Whether another connection holds the lock, whatever the extended code says of why.

    `sqlite_errorcode` is the extended code (SQLITE_BUSY_RECOVERY, _SNAPSHOT, _TIMEOUT): its low
    byte is the primary one.
    """
    return error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


def _begin_immediate(dbapi_connection: Any) -> None:
    """Take the write lock, trying every millisecond rather than through SQLite's busy handler.

    SQLite's handler sleeps longer the longer it has waited, in steps of up to 100 ms: with a few
    workers submitting at once, a writer slept on well after the lock was free. BEGIN IMMEDIATE
    is retried at a steady pace instead, for as long as the busy timeout would have waited; the
    timeout applies again to the transaction's statements.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not is_busy(error) or time.monotonic() > deadline:
                    # As SQLAlchemy would have raised it: the error page says nothing was stored.
                    raise OperationalError("BEGIN IMMEDIATE", None, error) from error
            time.sleep(0.001)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


@contextmanager
def read_only() -> Iterator[Connection]:
    """A pooled connection for reads alone: it takes no lock and waits for no writer."""
    with db.engine.connect() as connection:
        yield connection.execution_options(**{READ_ONLY: True})
        # Ended by a COMMIT, not the pool's ROLLBACK, after which psycopg forgets the statements
        # it has prepared on the server (PostgreSQL then plans each submission's inserts anew).
        connection.commit()


@contextmanager
def request_read() -> Iterator[Connection]:
    """A connection for a short read on behalf of the request, such as the catalog stamp.

    On PostgreSQL the request's own: one pooled connection and one transaction per request, not
    two (each checkout pings the server, each transaction is a BEGIN and a COMMIT more). On SQLite
    a `read_only()` one, since a writing request's own transaction would take the write lock.
    """
    if db.engine.dialect.name == "sqlite":
        with read_only() as connection:
            yield connection
    else:
        yield db.session.connection()


@contextmanager
def read_only_session() -> Iterator[Session]:
    """An ORM session on a `read_only()` connection, for a page that looks and changes nothing."""
    with read_only() as connection, Session(bind=connection) as session:
        yield session


def end_transaction(response: Response) -> Response:
    """End the request's transaction once its response is made, before it is sent.

    On SQLite a writing request's transaction holds the write lock; held while the page goes
    out, the lock made the next request (often the same person's) wait in SQLite's busy loop,
    which sleeps in steps of up to 100 ms. Views commit what they keep; whatever else is left
    is rolled back, as the teardown would. Loaded objects stay readable. A request that never
    used the session (a kept public page) has none to close.
    """
    if db.session.registry.has():
        db.session.close()
    return response


def init_app(app: Flask) -> None:
    app.after_request(end_transaction)
    for name, listener in (("after_commit", _committed), ("before_flush", _refuse_unmarked_write)):
        if not event.contains(db.session, name, listener):  # one app after another in tests
            event.listen(db.session, name, listener)
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            # SQLite makes the file but not its folder: instance/ on a fresh checkout.
            if engine.url.database and engine.url.database != ":memory:":
                Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
            event.listen(engine, "connect", _on_connect)
            event.listen(engine, "begin", _begin)
