"""Back up the database while the service runs: SQLite's online backup API, or pg_dump.

The copy is written beside the target and renamed when complete, so that a scheduled job never
leaves half a backup under the final name. DEPLOY.md says how to restore each kind.
"""

import os
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import make_url


def backup(database_url: str, target: Path) -> None:
    """Copy the database at `database_url` to `target` (SQLite file or pg_dump custom format)."""
    url = make_url(database_url)
    handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    partial = Path(partial_name)
    try:
        if url.get_backend_name() == "sqlite":
            source = closing(sqlite3.connect(url.database or ""))
            with source as live, closing(sqlite3.connect(partial)) as copy:
                live.backup(copy)
        elif url.get_backend_name() == "postgresql":
            environment = {**os.environ, "PGPASSWORD": url.password or ""}
            libpq_url = url.set(drivername="postgresql", password=None)
            subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(partial),
                    "--dbname",
                    libpq_url.render_as_string(hide_password=False),
                ],
                env=environment,
                check=True,
                capture_output=True,
                text=True,
            )
        else:
            raise ValueError(f"no backup for {url.get_backend_name()} databases")
        partial.chmod(0o600)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
