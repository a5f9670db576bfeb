"""Per-connection settings for SQLite: WAL, a busy timeout, foreign keys, and writers in line.

In WAL mode readers never wait, but a transaction that reads and then writes fails at once with
"database is locked" if another writer committed in between, whatever the busy timeout. So
every transaction begins IMMEDIATE: it takes the write lock up front and waits its turn.
PostgreSQL needs none of this.
"""

from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine, event

from feedback.extensions import db


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's begin event below issues BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _on_connect)
            event.listen(engine, "begin", _begin_immediate)
