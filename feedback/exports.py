"""The monthly export: one row per case a body received in a month, as CSV or XLSX, streamed.

Streaming: `export_rows` runs ONE query (cases joined to their body, item and contact, with the
reply and the number of transfers as correlated subqueries) and fetches it `yield_per` 1000 rows,
yielding a small `ExportRow` per case, never an ORM object and never a query per row. The CSV
writer turns those rows into UTF-8 chunks (with a BOM, so that Excel shows the Chinese) every few
hundred rows; the XLSX writer uses xlsxwriter's constant-memory mode, which flushes each row to a
temporary file, and the finished workbook is then sent in chunks and deleted. Neither holds the
month in memory.

Which cases: those *received* in the local month (`months.parse_month`) and *held now* by the
body (`Case.body_id`), so a transferred case appears in the export of the body that holds it.

Neutralisation: a spreadsheet would run a cell beginning with =, +, - or @ (or a tab or carriage
return, after OWASP) as a formula. `neutralise` puts an apostrophe in front of every such string
cell, in both formats; numbers are written as numbers. The XLSX writer also writes every string
with `write_string` and turns off xlsxwriter's formula, URL and number guessing.
"""

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path

import xlsxwriter
from flask import Response, stream_with_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from feedback import months
from feedback.extensions import db
from feedback.labels import KIND, RATING, STATUS
from feedback.models import (
    Body,
    Case,
    Contact,
    Event,
    EventKind,
    Item,
    Kind,
    Rating,
    Status,
    utcnow,
)

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FETCH_ROWS = 1000  # rows fetched from the database at a time
CSV_FLUSH_ROWS = 500  # rows per CSV chunk sent
FILE_CHUNK = 64 * 1024  # bytes per XLSX chunk sent
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | None


class Timeliness(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # a deadline was missed, though the case has moved on since
    OVERDUE = "overdue"  # open, and its current deadline has passed


TIMELINESS = {
    Timeliness.ON_TIME: _l("On time"),
    Timeliness.LATE: _l("Late"),
    Timeliness.OVERDUE: _l("Overdue, still open"),
}

BODY_HEADER = _l("Receiving body")
HEADERS = [
    _l("Reference number"),
    _l("Received at"),
    _l("Kind"),
    _l("Item code"),
    _l("Item title"),
    _l("Subject"),
    _l("Content"),
    _l("Status"),
    _l("Accepted at"),
    _l("Closed or declined at"),
    _l("Days to close"),
    _l("Within time limits"),
    _l("Reply or reason for declining"),
    _l("Transfers"),
    _l("Satisfaction"),
    _l("Contact name"),
    _l("Contact phone"),
    _l("Contact email"),
]


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One case as the export needs it, straight from the query."""

    reference: str
    received_at: datetime
    kind: Kind
    item_code: str | None
    item_title: str | None
    subject: str
    content: str
    status: Status
    accepted_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None
    extension_days: int
    anonymous: bool
    rating: Rating | None
    body_short_name: str
    accept_days: int
    close_days: int
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    reply: str | None  # the reply of the closing, or the reason for declining
    transfers: int
    last_transfer_at: datetime | None


def _statement(body: Body | None, start: datetime, end: datetime) -> Select:
    def about_case(query: Select, *kinds: EventKind) -> Select:
        return query.where(Event.case_id == Case.id, Event.kind.in_(kinds)).correlate(Case)

    reply = about_case(select(Event.text), EventKind.CLOSED, EventKind.DECLINED)
    transfers = about_case(select(func.count(Event.id)), EventKind.TRANSFERRED)
    last_transfer = about_case(select(func.max(Event.at)), EventKind.TRANSFERRED)
    statement = (
        select(
            Case.reference,
            Case.received_at,
            Case.kind,
            Item.code.label("item_code"),
            Item.title.label("item_title"),
            Case.subject,
            Case.content,
            Case.status,
            Case.accepted_at,
            Case.closed_at,
            Case.due_at,
            Case.extension_days,
            Case.anonymous,
            Case.rating,
            Body.short_name.label("body_short_name"),
            Body.accept_days,
            Body.close_days,
            Contact.name.label("contact_name"),
            Contact.phone.label("contact_phone"),
            Contact.email.label("contact_email"),
            reply.order_by(Event.id.desc()).limit(1).scalar_subquery().label("reply"),
            transfers.scalar_subquery().label("transfers"),
            last_transfer.scalar_subquery().label("last_transfer_at"),
        )
        .join(Body, Body.id == Case.body_id)
        .outerjoin(Item, Item.id == Case.item_id)
        .outerjoin(Contact, Contact.case_id == Case.id)
        .where(Case.received_at >= start, Case.received_at < end)
        .order_by(Case.received_at, Case.id)
    )
    if body is not None:
        statement = statement.where(Case.body_id == body.id)
    return statement


def export_rows(
    session: Session, body: Body | None, start: datetime, end: datetime
) -> Iterator[ExportRow]:
    """Yield the cases received in [start, end) and held now by the body (all bodies if None)."""
    statement = _statement(body, start, end).execution_options(yield_per=FETCH_ROWS)
    # Core, not the ORM: the rows are plain columns, and each becomes an ExportRow directly.
    with session.connection().execute(statement) as result:
        if list(result.keys()) != list(ExportRow.__dataclass_fields__):
            raise RuntimeError("the export's columns and ExportRow's fields differ")
        for row in result:
            yield ExportRow(*row)


def timeliness(
    *,
    status: Status,
    clock_start: datetime,
    accepted_at: datetime | None,
    closed_at: datetime | None,
    due_at: datetime | None,
    accept_days: int,
    close_days: int,
    extension_days: int,
    now: datetime,
) -> Timeliness | None:
    """Say whether a case kept its time limits; None for an open case with nothing missed yet.

    The acceptance clock starts at `clock_start`: the receipt, or the last transfer (转办), which
    restarts acceptance at the holding body. A case is on time if it was accepted (or declined)
    within `accept_days` of that, and, when closed, closed by accepted_at + close_days +
    extension_days. A finished case that missed either is LATE. An open case past its current
    deadline (`due_at`) is OVERDUE; one accepted late but still within its closing time is LATE.
    The limits are those the holding body has now.
    """
    accept_by = clock_start + timedelta(days=accept_days)
    if status.is_open:
        if due_at is not None and due_at < now:
            return Timeliness.OVERDUE
        if accepted_at is not None and accepted_at > accept_by:
            return Timeliness.LATE
        return None
    if status is Status.DECLINED and closed_at is not None:
        return Timeliness.ON_TIME if closed_at <= accept_by else Timeliness.LATE
    if accepted_at is None or closed_at is None:
        return None
    close_by = accepted_at + timedelta(days=close_days + extension_days)
    on_time = accepted_at <= accept_by and closed_at <= close_by
    return Timeliness.ON_TIME if on_time else Timeliness.LATE


def neutralise(value: str) -> str:
    """Make a string cell inert in a spreadsheet: an apostrophe before =, +, -, @, tab or CR."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def headers(with_body: bool) -> list[str]:
    """The header row, in the current language; a body column after the reference if asked."""
    names = [str(h) for h in HEADERS]
    if with_body:
        names.insert(1, str(BODY_HEADER))
    return names


@dataclass(frozen=True, slots=True)
class Words:
    """The words and the time zone of one export, looked up once rather than for every row."""

    kind: dict[Kind, str]
    status: dict[Status, str]
    rating: dict[Rating, str]
    timeliness: dict[Timeliness, str]
    zone: tzinfo

    @classmethod
    def now(cls) -> "Words":
        """In the current language and the service's time zone."""
        return cls(
            kind={k: str(v) for k, v in KIND.items()},
            status={k: str(v) for k, v in STATUS.items()},
            rating={k: str(v) for k, v in RATING.items()},
            timeliness={k: str(v) for k, v in TIMELINESS.items()},
            zone=months.zone(),
        )


def _local(moment: datetime | None, zone: tzinfo) -> str | None:
    """2026-11-24 15:47, local time (isoformat: the same text as strftime, at a third the cost)."""
    return moment.astimezone(zone).isoformat(" ", "minutes")[:16] if moment else None


def cells(row: ExportRow, with_body: bool, now: datetime, words: Words | None = None) -> list[Cell]:
    """Turn one case into its cells: strings neutralised, times local, words translated."""
    words = words or Words.now()
    zone = words.zone
    on_time = timeliness(
        status=row.status,
        clock_start=row.last_transfer_at or row.received_at,
        accepted_at=row.accepted_at,
        closed_at=row.closed_at,
        due_at=row.due_at,
        accept_days=row.accept_days,
        close_days=row.close_days,
        extension_days=row.extension_days,
        now=now,
    )
    real_name = not row.anonymous
    values: list[Cell] = [
        row.reference,
        _local(row.received_at, zone),
        words.kind[row.kind],
        row.item_code,
        row.item_title,
        row.subject,
        row.content,
        words.status[row.status],
        _local(row.accepted_at, zone),
        _local(row.closed_at, zone),
        (row.closed_at - row.received_at).days if row.closed_at else None,
        words.timeliness[on_time] if on_time else None,
        row.reply or None,
        row.transfers,
        words.rating[row.rating] if row.rating else None,
        row.contact_name if real_name else None,
        row.contact_phone if real_name else None,
        (row.contact_email or None) if real_name else None,
    ]
    if with_body:
        values.insert(1, row.body_short_name)
    # neutralise(), inlined: this runs for every cell of every row.
    return ["'" + v if v.__class__ is str and v.startswith(FORMULA_STARTS) else v for v in values]


def csv_chunks(rows: Iterable[ExportRow], *, with_body: bool) -> Iterator[bytes]:
    """Yield the CSV as UTF-8 chunks: a BOM and the header first, then every few hundred rows."""
    now = utcnow()
    words = Words.now()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers(with_body))
    for count, row in enumerate(rows, start=1):
        writer.writerow(cells(row, with_body, now, words))
        if count % CSV_FLUSH_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(rows: Iterable[ExportRow], path: Path | str, *, with_body: bool, sheet: str) -> None:
    """Write the workbook row by row to a file, in constant memory, with no formula anywhere."""
    now = utcnow()
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "in_memory": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        worksheet = workbook.add_worksheet(sheet)
        bold = workbook.add_format({"bold": True})
        names = headers(with_body)
        worksheet.freeze_panes(1, 0)
        worksheet.set_column(0, len(names) - 1, 16)
        for column, name in enumerate(names):
            worksheet.write_string(0, column, neutralise(name), bold)
        words = Words.now()
        for line, row in enumerate(rows, start=1):
            for column, value in enumerate(cells(row, with_body, now, words)):
                if isinstance(value, int):
                    worksheet.write_number(line, column, value)
                elif value is not None:
                    worksheet.write_string(line, column, value)
    finally:
        workbook.close()


def xlsx_chunks(rows: Iterable[ExportRow], *, with_body: bool, sheet: str) -> Iterator[bytes]:
    """Build the workbook in a temporary file, then yield it in chunks and delete it."""
    handle, name = tempfile.mkstemp(prefix="feedback-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(rows, name, with_body=with_body, sheet=sheet)
        with open(name, "rb") as workbook:
            while chunk := workbook.read(FILE_CHUNK):
                yield chunk
    finally:
        os.unlink(name)


def chunks(fmt: str, rows: Iterable[ExportRow], *, with_body: bool, month: str) -> Iterator[bytes]:
    """Yield the export file in the format asked for; ValueError for an unknown format."""
    if fmt == "csv":
        return csv_chunks(rows, with_body=with_body)
    if fmt == "xlsx":
        return xlsx_chunks(rows, with_body=with_body, sheet=month)
    raise ValueError(fmt)


def filename(body: Body | None, month: str, fmt: str) -> str:
    """Name the file, in ASCII: feedback-court-2026-11.csv, or feedback-all-… for every body."""
    return f"feedback-{body.slug if body else 'all'}-{month}.{fmt}"


def download(body: Body | None, month: str, fmt: str) -> Response:
    """Stream a month of the body's cases as an attachment; ValueError for a bad month or format."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    month = month.strip()
    start, end = months.parse_month(month)
    rows = export_rows(db.session, body, start, end)
    body_chunks = chunks(fmt, rows, with_body=body is None, month=month)
    return Response(
        stream_with_context(body_chunks),
        content_type=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename(body, month, fmt)}"'},
    )
