"""One export, alone in its process, so that its peak memory can be read when it ends.

    python -m bench.export_child app csv|xlsx DATABASE_URL OUTPUT RESULT_JSON
    python -m bench.export_child raw csv DATABASE_URL OUTPUT RESULT_JSON

`app` takes the service's own path, as `flask feedback export` does: feedback.cases.exports.export_rows
(one streamed query) → exports.chunks (the CSV or XLSX writer) → a file. `raw` is the floor: the
same cases (received in the same range, in the same order) straight from the database driver's
cursor (sqlite3, or a psycopg server-side cursor) into csv.writer, with no per-row work at all.
Both export every case received between 2000 and tomorrow: at each benchmark size, all N rows.
The parent reads the peak resident memory from wait4(); this process writes what it did and how
long the export itself took (interpreter and app start-up, including the ORM's mapper
configuration, excluded) to RESULT_JSON.
"""

import csv
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2000, 1, 1, tzinfo=UTC)
RAW_SQL = (
    "SELECT * FROM cases WHERE received_at >= {p} AND received_at < {p} ORDER BY received_at, id"
)


def end() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)


def app_export(fmt: str, url: str, output: Path) -> tuple[int, float]:
    from flask_babel import force_locale
    from sqlalchemy.orm import configure_mappers

    from feedback import create_app
    from feedback.cases import exports

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    count = 0

    def counted(rows):  # type: ignore[no-untyped-def]
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with app.app_context(), force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        # App start-up, as create_app: the ORM's mappers are configured by a process's first
        # query (about 40 ms), long before any export in a served app or in the command.
        configure_mappers()
        started = time.perf_counter()
        rows = counted(exports.export_rows(None, START, end()))
        with output.open("wb") as file:
            for chunk in exports.chunks(fmt, rows, with_body=True, month="2026-11"):
                file.write(chunk)
        return count, time.perf_counter() - started


def raw_export(url: str, output: Path) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    with output.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        if url.startswith("sqlite"):
            import sqlite3

            connection = sqlite3.connect(url.removeprefix("sqlite:///"))
            cursor = connection.execute(
                RAW_SQL.format(p="?"),
                # SQLAlchemy's SQLite DateTime stores UTC as text in this form.
                (START.strftime("%Y-%m-%d %H:%M:%S.%f"), end().strftime("%Y-%m-%d %H:%M:%S.%f")),
            )
        else:
            import psycopg

            connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
            cursor = connection.cursor(name="raw_dump")
            cursor.itersize = 1000
            cursor.execute(RAW_SQL.format(p="%s"), (START, end()))
        writer.writerow([column[0] for column in cursor.description])
        for row in cursor:
            writer.writerow(row)
            count += 1
        connection.close()
    return count, time.perf_counter() - started


def main() -> None:
    mode, fmt, url, output, result = sys.argv[1:6]
    if mode == "app":
        rows, seconds = app_export(fmt, url, Path(output))
    elif mode == "raw" and fmt == "csv":
        rows, seconds = raw_export(url, Path(output))
    else:
        raise SystemExit(f"unknown export {mode} {fmt}")
    Path(result).write_text(json.dumps({"rows": rows, "seconds": seconds}))


if __name__ == "__main__":
    main()
