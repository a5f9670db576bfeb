"""The monthly export: one row per case a body received in a month, as CSV or XLSX, streamed.

Streaming: `export_rows` runs ONE query (cases joined to their body, item and contact; the reply
and the transfers are kept on the case) and fetches it `yield_per` 1000 rows, yielding a small
`ExportRow` tuple per case, never an ORM object and never a query per row (on PostgreSQL the
next batch is fetched on a thread while this one is formatted). `table` turns each into its
cells, column by column as `COLUMNS` declares them (a header, and the row's field or a `Cells`
method); times are text in the CSV and dates in the workbook. The CSV writer makes UTF-8 chunks
of them (with a BOM, so that Excel shows the Chinese) every few hundred rows; the XLSX writer
(feedback/cases/xlsx.py) writes the workbook
batch by batch into a temporary file, which is then sent in chunks and deleted. Neither holds
the month in memory.

Speed: the export is meant to take at most three times a raw dump of the same rows into
csv.writer (bench/export_child.py). Rows come as the database holds them: times as UTC text,
kinds and statuses as their values, no SQLAlchemy type conversion. Local times are made by
the hour (`LocalTimes`), words looked up once per export, and datetimes parsed only for the
time-limit verdict and the days to close.

Which cases: those *received* in the local month (`months.parse_month`) and *held now* by the
body (`Case.body_id`), so a transferred case appears in the export of the body that holds it.

Neutralisation: a spreadsheet would run a cell beginning with =, +, - or @ (or a tab or carriage
return, after OWASP) as a formula. `neutralise` puts an apostrophe in front of every such text
in a column anyone can type into (a citizen, a member of staff, an administrator: every column
but those marked `typed=False`), in both formats; numbers are written as numbers. The XLSX writer has no way to write a formula at all.
"""

import csv
import io
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from functools import partial
from itertools import islice
from operator import attrgetter
from typing import IO, Any, NamedTuple, overload

from flask import Response, stream_with_context
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import Label, Select, String, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.sqltypes import NullType

from feedback.cases import months, xlsx
from feedback.models import (
    Body,
    Case,
    Contact,
    Item,
    Status,
    utcnow,
)
from feedback.storage.database import read_only
from feedback.web.labels import KIND, RATING, STATUS

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FETCH_ROWS = 1000  # rows fetched from the database at a time
CSV_FLUSH_ROWS = 500  # rows per CSV chunk sent
FILE_CHUNK = 64 * 1024  # bytes per XLSX chunk sent
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | datetime | None  # a datetime: local, naive, to the minute


class Timeliness(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # a deadline was missed, though the case has moved on since
    OVERDUE = "overdue"  # open, and its current deadline has passed


TIMELINESS = {
    Timeliness.ON_TIME: _l("On time"),
    Timeliness.LATE: _l("Late"),
    Timeliness.OVERDUE: _l("Overdue, still open"),
}


class ExportRow(NamedTuple):
    """One case as the export needs it, straight from the query, as the database holds it.

    Times are UTC text, "2026-11-24 07:47:00.123456" (SQLite stores them so; PostgreSQL prints
    them so for the export): the export writes text, and turning each into a datetime and back
    cost more than the rest of the row. Kinds, statuses and ratings are their stored values.
    """

    reference: str
    review_of: str | None  # a review (复查): the reference of the case it reviews
    group_id: int | None  # its group of near copies (同一诉求), if staff linked it into one
    received_at: str
    kind: str  # a Kind value
    item_code: str | None
    item_title: str | None
    subject: str
    content: str
    reported_name: str | None  # whom a report of misconduct names (检举控告 only)
    reported_unit: str | None
    reported_post: str | None
    status: str  # a Status value
    accepted_at: str | None
    closed_at: str | None
    due_at: str | None
    extension_days: int
    rating: str | None  # a Rating value
    body_short_name: str
    accept_days: int
    close_days: int
    contact_name: str | None  # the contact: None for an anonymous case
    contact_phone: str | None
    contact_email: str | None
    reply: str | None  # the reply of the closing, or the reason for declining
    transfers: int
    transferred_at: str | None  # the last transfer


class _UTCText(FunctionElement[str]):
    """A stored time as UTC text with microseconds, the form SQLite stores it in."""

    type = String()
    inherit_cache = True


@compiles(_UTCText)
def _utc_text_sqlite(element: _UTCText, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # SQLAlchemy's DateTime stores this text


@compiles(_UTCText, "postgresql")
def _utc_text_postgresql(element: _UTCText, compiler: SQLCompiler, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"to_char(({moment}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"


def _stored(column: Any, name: str) -> Label[Any]:
    """The column as the driver returns it: no enum, boolean or datetime conversion in Python."""
    return type_coerce(column, NullType()).label(name)


def _statement(body_id: int | None, start: datetime, end: datetime) -> Select[Any]:
    def utc(column: Any, name: str) -> Label[Any]:
        return _UTCText(column).label(name)

    reviewed = aliased(Case)
    statement = (
        select(
            Case.reference,
            reviewed.reference.label("review_of"),
            Case.group_id,
            utc(Case.received_at, "received_at"),
            _stored(Case.kind, "kind"),
            Item.code.label("item_code"),
            Item.title.label("item_title"),
            Case.subject,
            Case.content,
            Case.reported_name,
            Case.reported_unit,
            Case.reported_post,
            _stored(Case.status, "status"),
            utc(Case.accepted_at, "accepted_at"),
            utc(Case.closed_at, "closed_at"),
            utc(Case.due_at, "due_at"),
            Case.extension_days,
            _stored(Case.rating, "rating"),
            Body.short_name.label("body_short_name"),
            Body.accept_days,
            Body.close_days,
            Contact.name.label("contact_name"),
            Contact.phone.label("contact_phone"),
            Contact.email.label("contact_email"),
            Case.reply,
            Case.transfers,
            utc(Case.transferred_at, "transferred_at"),
        )
        .join(Body, Body.id == Case.body_id)
        .outerjoin(Item, Item.id == Case.item_id)
        .outerjoin(reviewed, reviewed.id == Case.review_of_id)
        .outerjoin(Contact, (Contact.case_id == Case.id) & Case.anonymous.is_(False))
        .where(Case.received_at >= start, Case.received_at < end)
        .order_by(Case.received_at, Case.id)
    )
    if body_id is not None:
        statement = statement.where(Case.body_id == body_id)
    return statement


def export_rows(body_id: int | None, start: datetime, end: datetime) -> Iterator[ExportRow]:
    """Yield the cases received in [start, end) and held now by the body (all bodies if None).

    The rows are read on a connection of their own that only reads (`database.read_only`), not
    through the caller's session: on SQLite the session's transactions hold the write lock, and
    a month can take many seconds to stream, while citizens keep submitting.
    """
    statement = _statement(body_id, start, end).execution_options(yield_per=FETCH_ROWS)
    # Core, not the ORM: the rows are plain columns, and each becomes an ExportRow directly.
    with read_only() as connection, connection.execute(statement) as result:
        if list(result.keys()) != list(ExportRow._fields):
            raise RuntimeError("the export's columns and ExportRow's fields differ")
        batches = result.partitions()
        if connection.dialect.name == "postgresql":
            batches = fetched_ahead(batches)
        make = ExportRow._make
        for batch in batches:
            yield from map(make, batch)


_END = object()


def fetched_ahead(batches: Iterator[Sequence[Any]], depth: int = 2) -> Iterator[Sequence[Any]]:
    """Take the next batches from the database on a thread of its own, `depth` at most ahead.

    The export's time is the database's plus the formatting's. psycopg releases the GIL while it
    waits for the server's next batch, so the server reads the next rows while these are
    formatted, on a second core. (Not for SQLite: sqlite3 releases the GIL at every row, and a
    thread taking it back a thousand times a batch from the busy formatting thread slows both.)
    The connection is used by that thread alone until it has stopped; an error there is raised
    in the caller's.
    """
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for batch in batches:
                if not hand(batch):
                    return
            hand(_END)
        except BaseException as error:  # raised again in the caller's thread
            hand(error)

    thread = threading.Thread(target=fetch, name="export-fetch", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


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


@overload
def neutralise(value: str) -> str: ...
@overload
def neutralise(value: Cell) -> Cell: ...
def neutralise(value: Cell) -> Cell:
    """Make a cell inert in a spreadsheet: an apostrophe before a text beginning with =, +, -,
    @, tab or CR. Numbers, times and empty cells are left as they are."""
    if value.__class__ is str and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True, slots=True)
class Words:
    """The words and the time zone of one export, looked up once rather than for every row."""

    # Keyed by the stored values, as the rows carry them (a StrEnum member is its value).
    kind: dict[str, str]
    status: dict[str, str]
    rating: dict[str, str]
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


class LocalTimes:
    """Turn stored UTC text into local time to the minute, '2026-11-24 15:47'.

    Each UTC hour's local hour is worked out once and then only sliced together with the minutes
    (far cheaper than a datetime, astimezone and isoformat for every time). The offset is looked up once a day, where it is the same at both ends of the UTC day; otherwise
    (a day the clocks change) hour by hour. An hour whose offset is not whole hours, or changes
    within the hour, goes the long way.
    """

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.hours: dict[str, str] = {}  # "2026-11-24 07" (UTC) → "2026-11-24 15" (local)
        self.days: dict[str, timedelta | None] = {}  # "2026-11-24" (UTC) → its whole-hour offset
        self.moments: dict[str, datetime] = {}  # as `hours`, the local hour as a datetime

    def __call__(self, utc: str | None) -> str | None:
        if utc is None:
            return None
        hour = self.hours.get(utc[:13]) or self.learn(utc[:13])
        return hour + utc[13:16] if hour else self.slowly(utc)

    def learn(self, utc_hour: str) -> str:
        """The local hour of a UTC hour, "" if its minutes are not the same in local time."""
        day = utc_hour[:10]
        if day not in self.days:
            self.days[day] = self._steady_offset(day + " 00", timedelta(days=1))
        offset = self.days[day]
        if offset is None:  # the clocks change that day
            offset = self._steady_offset(utc_hour, timedelta(hours=1))
        hour = ""
        if offset is not None:
            hour = (datetime.fromisoformat(utc_hour) + offset).isoformat(" ", "hours")[:13]
        self.hours[utc_hour] = hour
        return hour

    def _steady_offset(self, utc_start: str, span: timedelta) -> timedelta | None:
        """The offset of the zone over [start, start + span), if the same and whole hours."""
        start = datetime.fromisoformat(utc_start).replace(tzinfo=UTC)
        offset = start.astimezone(self.zone).utcoffset()
        last = (start + span - timedelta(microseconds=1)).astimezone(self.zone).utcoffset()
        steady = offset == last and offset is not None and not offset % timedelta(hours=1)
        return offset if steady else None

    def moment(self, utc: str | None) -> datetime | None:
        """The same local time as a naive datetime, for a workbook's date cells."""
        if utc is None:
            return None
        hour = self.moments.get(utc[:13])
        if hour is None:
            local_hour = self.hours.get(utc[:13]) or self.learn(utc[:13])
            if not local_hour:
                return datetime.fromisoformat(self.slowly(utc))
            hour = self.moments[utc[:13]] = datetime.fromisoformat(local_hour)
        return hour + _MINUTES[int(utc[14:16])]

    def slowly(self, utc: str) -> str:
        moment = datetime.fromisoformat(utc).replace(tzinfo=UTC)
        return moment.astimezone(self.zone).isoformat(" ", "minutes")[:16]


_STATUSES = {status.value: status for status in Status}
_MINUTES = [timedelta(minutes=minute) for minute in range(60)]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the export: its header, and how a case's row gives its cell: the name of
    a field of the row, taken as it is, or a function of the export's `Cells` and the row.

    `typed`: its text may be what anyone typed (a citizen, staff, an administrator), so its
    cells are neutralised. Only the cells the export makes itself (words, times, numbers) are not.
    """

    header: LazyString
    cell: str | Callable[["Cells", ExportRow], Cell]
    typed: bool = True

    def maker(self, cells: "Cells") -> Callable[[ExportRow], Cell]:
        """The cell's function of a row alone, for one export."""
        if isinstance(self.cell, str):
            return attrgetter(self.cell)
        return partial(self.cell, cells)


class Cells:
    """How the cells that are not a field as it is are made, with what they need, worked out
    once per export (the words, the time zone, the time now).

    `time` makes a stored UTC time local: text to the minute for the CSV, a datetime for the
    workbook, which writes it as a date.
    """

    def __init__(self, words: Words, time: Callable[[str | None], Cell]) -> None:
        self.words = words
        self.time = time
        self.now = utcnow().replace(tzinfo=None)  # naive UTC, as parsed from the stored text

    def received_at(self, row: ExportRow) -> Cell:
        return self.time(row.received_at)

    def accepted_at(self, row: ExportRow) -> Cell:
        return self.time(row.accepted_at)

    def closed_at(self, row: ExportRow) -> Cell:
        return self.time(row.closed_at)

    def kind(self, row: ExportRow) -> str:
        return self.words.kind[row.kind]

    def status(self, row: ExportRow) -> str:
        return self.words.status[row.status]

    def satisfaction(self, row: ExportRow) -> str | None:
        return self.words.rating[row.rating] if row.rating else None

    def days_to_close(self, row: ExportRow) -> int | None:
        """Whole days from receipt to closing (or declining); None while open."""
        if not row.closed_at:
            return None
        parse = datetime.fromisoformat
        return (parse(row.closed_at) - parse(row.received_at)).days

    def verdict(self, row: ExportRow) -> str | None:
        """Whether the case kept its time limits (`timeliness`), in words."""
        parse = datetime.fromisoformat
        on_time = timeliness(
            status=_STATUSES[row.status],
            clock_start=parse(row.transferred_at or row.received_at),
            accepted_at=parse(row.accepted_at) if row.accepted_at else None,
            closed_at=parse(row.closed_at) if row.closed_at else None,
            due_at=parse(row.due_at) if row.due_at else None,
            accept_days=row.accept_days,
            close_days=row.close_days,
            extension_days=row.extension_days,
            now=self.now,
        )
        return self.words.timeliness[on_time] if on_time else None

    def reply(self, row: ExportRow) -> str | None:
        return row.reply or None

    def contact_email(self, row: ExportRow) -> str | None:
        return row.contact_email or None


# The export's columns, in order. A column is `typed` unless the export makes its cells itself.
BODY_COLUMN = Column(_l("Receiving body"), "body_short_name")  # all bodies' export
COLUMNS = (
    Column(_l("Reference number"), "reference", typed=False),
    Column(_l("Received at"), Cells.received_at, typed=False),
    Column(_l("Kind"), Cells.kind, typed=False),
    Column(_l("Reference of the case reviewed"), "review_of", typed=False),
    # The same number on the cases of one group (同一诉求): counted once, they are one request.
    Column(_l("Group of near copies"), "group_id", typed=False),
    Column(_l("Item code"), "item_code"),
    Column(_l("Item title"), "item_title"),
    Column(_l("Subject"), "subject"),
    Column(_l("Content"), "content"),
    # What a report says of whom it names is what the citizen typed, as the content is.
    Column(_l("Person reported: name"), "reported_name"),
    Column(_l("Person reported: unit"), "reported_unit"),
    Column(_l("Person reported: post"), "reported_post"),
    Column(_l("Status"), Cells.status, typed=False),
    Column(_l("Accepted at"), Cells.accepted_at, typed=False),
    Column(_l("Closed or declined at"), Cells.closed_at, typed=False),
    Column(_l("Days to close"), Cells.days_to_close, typed=False),
    Column(_l("Within time limits"), Cells.verdict, typed=False),
    Column(_l("Reply or reason for declining"), Cells.reply),
    Column(_l("Transfers"), "transfers", typed=False),
    Column(_l("Satisfaction"), Cells.satisfaction, typed=False),
    Column(_l("Contact name"), "contact_name"),  # None for an anonymous case (the query)
    Column(_l("Contact phone"), "contact_phone"),
    Column(_l("Contact email"), Cells.contact_email),
)


def columns(with_body: bool) -> tuple[Column, ...]:
    """The columns of an export; the body's after the reference in the export of every body."""
    return (COLUMNS[0], BODY_COLUMN, *COLUMNS[1:]) if with_body else COLUMNS


def headers(with_body: bool) -> list[str]:
    """The header row, in the current language."""
    return [neutralise(str(column.header)) for column in columns(with_body)]


def table(
    rows: Iterable[ExportRow],
    with_body: bool,
    *,
    words: Words | None = None,
    dates: bool = False,
) -> Iterator[list[Cell]]:
    """Turn each case into its cells, column by column, what anyone typed neutralised.

    Times are local: text to the minute, or naive datetimes if `dates` (for the workbook).
    """
    words = words or Words.now()
    local = LocalTimes(words.zone)
    cells = Cells(words, local.moment if dates else local)
    chosen = columns(with_body)
    makers = [column.maker(cells) for column in chosen]
    typed = [index for index, column in enumerate(chosen) if column.typed]
    for row in rows:
        values = [make(row) for make in makers]
        for index in typed:
            values[index] = neutralise(values[index])
        yield values


def csv_chunks(rows: Iterable[ExportRow], *, with_body: bool) -> Iterator[bytes]:
    """Yield the CSV as UTF-8 chunks: a BOM and the header first, then every few hundred rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers(with_body))
    cells = table(rows, with_body)
    while batch := list(islice(cells, CSV_FLUSH_ROWS)):
        writer.writerows(batch)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(rows: Iterable[ExportRow], file: IO[bytes], *, with_body: bool, sheet: str) -> None:
    """Write the workbook row by row to a binary file, in constant memory, with no formula."""
    cells = table(rows, with_body, dates=True)
    xlsx.write_workbook(file, cells, sheet=sheet, header=headers(with_body))


def xlsx_chunks(rows: Iterable[ExportRow], *, with_body: bool, sheet: str) -> Iterator[bytes]:
    """Build the workbook in a temporary file (a zip is finished by its end), then yield it."""
    with tempfile.TemporaryFile(prefix="feedback-export-", suffix=".xlsx") as workbook:
        write_xlsx(rows, workbook, with_body=with_body, sheet=sheet)
        workbook.seek(0)
        while chunk := workbook.read(FILE_CHUNK):
            yield chunk


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
    """Stream a month of the body's cases as an attachment; ValueError for a bad month or format.

    Everything it needs of the body is read here, so that the caller can end its transaction
    before the rows stream.
    """
    if fmt not in FORMATS:
        raise ValueError(fmt)
    month = month.strip()
    start, end = months.parse_month(month)
    rows = export_rows(body.id if body else None, start, end)
    body_chunks = chunks(fmt, rows, with_body=body is None, month=month)
    return Response(
        stream_with_context(body_chunks),
        content_type=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename(body, month, fmt)}"'},
    )
