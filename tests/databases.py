"""Where the tests' databases live: SQLite files by default, PostgreSQL when asked.

Set TEST_POSTGRES_URL to an administrative connection (`make test` uses
postgresql+psycopg://127.0.0.1:5432/postgres) and every test runs on its own PostgreSQL database,
created from a migrated template in a few tens of milliseconds and dropped afterwards.
"""

import itertools
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


class SQLiteDatabases:
    """One file per test, copied from a migrated template file."""

    dialect = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template_path = folder / "template.sqlite3"
        self.numbers = itertools.count()

    def template(self) -> str:
        return f"sqlite:///{self.template_path}"

    def copy_of_template(self) -> str:
        path = self.folder / f"test-{next(self.numbers)}.sqlite3"
        shutil.copy(self.template_path, path)
        return f"sqlite:///{path}"

    def empty(self) -> str:
        return f"sqlite:///{self.folder / f'empty-{next(self.numbers)}.sqlite3'}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)


class PostgresDatabases:
    """One database per test, created from a migrated template database."""

    dialect = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"feedback_test_{os.getpid()}"
        self.numbers = itertools.count()
        self._create(f"{self.prefix}_template")

    def template(self) -> str:
        return self._url(f"{self.prefix}_template")

    def copy_of_template(self) -> str:
        name = f"{self.prefix}_{next(self.numbers)}"
        self._create(name, f"TEMPLATE {self.prefix}_template STRATEGY FILE_COPY")
        return self._url(name)

    def empty(self) -> str:
        name = f"{self.prefix}_{next(self.numbers)}"
        self._create(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
            )

    def close(self) -> None:
        self.drop(self.template())
        self.admin.dispose()

    def _create(self, name: str, options: str = "") -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" {options}'))

    def _url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)


@contextmanager
def writes_held(url: str, waiters: int) -> Iterator[None]:
    """Hold back every write to the database while the block runs, as a slow moment would; at
    its end, let the writers go once `waiters` of them wait.

    On PostgreSQL the cases table is locked against writes (reads go on): submissions look their
    form up, then wait to insert their case, all at once; pg_stat_activity shows them waiting. On SQLite the write lock
    itself is held, so they wait to begin; nothing shows them (they retry BEGIN IMMEDIATE), so
    they are given a moment.
    """
    if make_url(url).get_backend_name() == "sqlite":
        held = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        held.execute("BEGIN IMMEDIATE")
        try:
            yield
            time.sleep(1.5)
        finally:
            held.execute("ROLLBACK")
            held.close()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as held:
            held.execute(text("LOCK TABLE cases IN EXCLUSIVE MODE"))
            yield
            deadline = time.monotonic() + 10
            while _waiting_for_a_lock(engine) < waiters:
                assert time.monotonic() < deadline, f"{waiters} writers did not come to wait"
                time.sleep(0.05)
            held.rollback()
    finally:
        engine.dispose()


def _waiting_for_a_lock(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
