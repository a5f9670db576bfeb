"""SQLite's busy errors are retried by their primary code, whatever the extended code adds."""

import sqlite3

import pytest

from feedback.storage.database import is_busy


def _error(code: int) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize(
    "code",
    [
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_BUSY_RECOVERY,
        sqlite3.SQLITE_BUSY_SNAPSHOT,
        sqlite3.SQLITE_BUSY_TIMEOUT,
    ],
)
def test_every_busy_code_is_waited_out(code):
    assert is_busy(_error(code))


@pytest.mark.parametrize(
    "code", [sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR_READ]
)
def test_other_errors_are_not_retried(code):
    assert not is_busy(_error(code))


def test_a_real_stale_snapshot_is_busy(tmp_path):
    """A reader whose snapshot another writer overtook gets SQLITE_BUSY_SNAPSHOT when it writes."""
    path = tmp_path / "busy.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x INTEGER)")
    reader = sqlite3.connect(path, isolation_level=None, timeout=0)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    writer.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError) as raised:
        reader.execute("INSERT INTO t VALUES (2)")
    assert raised.value.sqlite_errorcode == sqlite3.SQLITE_BUSY_SNAPSHOT
    assert is_busy(raised.value)
    reader.close()
    writer.close()
