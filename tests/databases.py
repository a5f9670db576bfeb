"""Where the tests' databases live: SQLite files by default, PostgreSQL when asked.

Set TEST_POSTGRES_URL to an administrative connection (`make test` uses
postgresql+psycopg://127.0.0.1:5432/postgres) and every test runs on its own PostgreSQL database,
created from a migrated template in a few tens of milliseconds and dropped afterwards.
"""

import itertools
import os
import shutil
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
