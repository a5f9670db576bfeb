"""A streaming XLSX writer: one worksheet of text, whole numbers and dates, written row by row.

Why our own rather than xlsxwriter: in its constant-memory mode xlsxwriter builds every cell
through several Python calls, which made the monthly export several times slower than a raw CSV
dump of the same rows (bench/). This writer makes a row's XML with one str.format, a batch
at a time; it does only what the export needs and nothing else:

- one worksheet, its header row in bold and frozen, every column the same width, its
  `<dimension>` (the cells used) stated;
- a `str` cell is written as an inline string (`<c t="inlineStr"><is><t>…</t></is></c>`), an
  `int` as a number, a naive `datetime` or `date` as a date (its serial number, shown through a
  number format: yyyy-mm-dd hh:mm, or yyyy-mm-dd), `None` not at all. There is no way to write
  a formula: a text beginning with = stays text (the export also neutralises it for the CSV);
- text is escaped as Excel does it: &, < and > as XML entities, a control character as
  `_xHHHH_` (XML cannot hold it), a literal `_xHHHH_` by escaping its underscore, and leading or
  trailing whitespace kept with `xml:space="preserve"`.

The workbook is a zip of five small fixed parts and the worksheet, into a file the caller gives.
The worksheet's rows are written as they come to a temporary file, and compressed into the zip
(deflate level 1: much faster than zlib's default, for a somewhat larger file) once the rows
are known: its `<dimension>` comes before the rows, and only then is their number known. The zip
entry is ZIP64, so a sheet over 2 GiB of XML closes. Memory stays that of one batch.
A sheet holds at most 1,048,576 rows: more raises ValueError rather than losing any.
"""

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import IO, Any, NamedTuple

Cell = str | int | datetime | date | None

MAX_ROWS = 1_048_576  # Excel's limit, header included
SHEET_NAME_MAX = 31  # Excel's limit
SHEET_NAME_FORBIDDEN = frozenset("[]:*?/\\")
COPY_CHUNK = 1024 * 1024
EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's serial dates (1900 date system)
EPOCH_DAY = EPOCH.date()
ONE_DAY = timedelta(days=1)
BATCH_ROWS = 500  # rows turned into XML and compressed at a time
COMPRESS_LEVEL = 1

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    _HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_REL_NS}">'
    '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" '
    'windowHeight="9660"/></bookViews>'
    '<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
# Cell formats: 0 the default, 1 bold (the header), 2 a date and time, 3 a date.
STYLES = (
    _HEAD + f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = (
    _HEAD + f'<worksheet xmlns="{_NS}" xmlns:r="{_REL_NS}">'
    '<dimension ref="{dimension}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft"/></sheetView></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/>'
    '<cols><col min="1" max="{columns}" width="{width}" customWidth="1"/></cols><sheetData>'
)
SHEET_END = (
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
    'header="0.3" footer="0.3"/></worksheet>'
)

_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_EXCEL_ESCAPE_BYTES = re.compile(rb"_x[0-9A-Fa-f]{4}_")
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
# Every text keeps its spaces, tabs and line breaks as they are, at its ends too.
_T = '<t xml:space="preserve">'
# Bytes that a text copied into the XML must not hold: control characters but tab and line
# feed (XML cannot hold them; a carriage return it would turn into a line feed), and &, <, >.
_UNSAFE_BYTES = bytes([*range(0x00, 0x09), *range(0x0B, 0x20)]) + b"&<>"


def plain(xml: str, data: bytes, brackets: int) -> bool:
    """Whether rows' XML, made by copying their texts, is right as it is (`data` is it encoded).

    The markup holds `brackets` < and >, and no other unsafe byte, no underscore and no
    noncharacter: any more is in a text, which then needs escaping.
    """
    return (
        len(data) - len(data.translate(None, _UNSAFE_BYTES)) == brackets
        and "\ufffe" not in xml
        and "\uffff" not in xml
        and not _EXCEL_ESCAPE_BYTES.search(data)
    )


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_sheet_name(name: str) -> str:
    """The name if Excel accepts it for a sheet; ValueError saying why not otherwise."""
    if not name.strip():
        raise ValueError("a sheet name cannot be blank")
    if len(name) > SHEET_NAME_MAX:
        raise ValueError(f"a sheet name has at most {SHEET_NAME_MAX} characters: {name!r}")
    forbidden = sorted(SHEET_NAME_FORBIDDEN.intersection(name))
    if forbidden:
        raise ValueError(f"a sheet name cannot hold {' '.join(forbidden)}: {name!r}")
    if name.startswith("'") or name.endswith("'"):
        raise ValueError(f"a sheet name cannot begin or end with an apostrophe: {name!r}")
    return name


def serial(moment: datetime | date) -> float | int:
    """A date as Excel counts it: days since its day 0, the time of day as a fraction."""
    if not isinstance(moment, datetime):
        return (moment - EPOCH_DAY).days
    if moment.tzinfo is not None:
        raise TypeError("a date cell is a naive local datetime, not an aware one")
    return (moment - EPOCH) / ONE_DAY


def escape_text(text: str) -> str:
    """The text as a <t> element holds it."""
    if "_" in text:  # a literal _x0041_ would read as "A": escape its underscore
        text = _EXCEL_ESCAPE.sub(r"_x005F_\1", text)
    if _UNWRITABLE.search(text):
        text = _UNWRITABLE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_DATE_STYLES = {datetime: 2, date: 3}  # the cell formats of STYLES


def _row_with_care(refs: Sequence[str], line: str, cells: Sequence[Cell], style: str) -> str:
    parts = []
    for ref, value in zip(refs, cells, strict=False):
        if isinstance(value, str):
            text = escape_text(value)
            parts.append(f'<c r="{ref}{line}"{style} t="inlineStr"><is>{_T}{text}</t></is></c>')
        elif isinstance(value, date):  # a datetime is one too
            date_style = _DATE_STYLES[type(value)]
            parts.append(f'<c r="{ref}{line}" s="{date_style}"><v>{serial(value)}</v></c>')
        elif value is not None:
            parts.append(f'<c r="{ref}{line}"{style}><v>{int(value)}</v></c>')
    return f'<row r="{line}">{"".join(parts)}</row>'


def write_workbook(
    file: IO[bytes],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet: str,
    header: Sequence[str],
    column_width: float = 16,
) -> int:
    """Write a workbook of one sheet (a bold header, then the rows) to a binary file.

    Each row has at most as many cells as the header. Returns the number of rows written.
    """
    refs = [column_letters(i) for i in range(len(header))]
    sheet_name = escape_text(check_sheet_name(sheet)).replace('"', "&quot;")
    with tempfile.TemporaryFile(prefix="feedback-sheet-") as rows_xml:
        count = _write_rows(rows_xml, refs, rows)
        rows_xml.seek(0)
        with zipfile.ZipFile(
            file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        ) as archive:
            archive.writestr("[Content_Types].xml", CONTENT_TYPES)
            archive.writestr("_rels/.rels", PACKAGE_RELS)
            archive.writestr("xl/workbook.xml", WORKBOOK.replace("{sheet}", sheet_name))
            archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
            archive.writestr("xl/styles.xml", STYLES)
            sheet_part = "xl/worksheets/sheet1.xml"
            with archive.open(sheet_part, "w", force_zip64=True) as part:
                dimension = f"A1:{refs[-1] if refs else 'A'}{count + 1}"
                start = SHEET_START.format(
                    dimension=dimension, columns=len(header), width=column_width
                )
                part.write(start.encode("utf-8"))
                part.write(_row_with_care(refs, "1", header, ' s="1"').encode("utf-8"))
                shutil.copyfileobj(rows_xml, part, COPY_CHUNK)
                part.write(SHEET_END.encode("utf-8"))
    return count


class _Shape(NamedTuple):
    """How to write a row whose cells have given types."""

    row: str  # the format string: {0} the row number, {i + 1} the i-th cell
    brackets: int  # the < and > of its markup
    dates: tuple[int, ...]  # the positions of its date cells, given as their serial numbers


def _row_shape(refs: Sequence[str], kinds: tuple[type, ...]) -> _Shape:
    """The shape of a row whose cells have these types. A None cell has no field: left out."""
    if len(kinds) > len(refs):
        raise ValueError(f"a row of {len(kinds)} cells under {len(refs)} headers")
    cells = []
    for index, (ref, kind) in enumerate(zip(refs, kinds, strict=False)):
        if kind is str:
            cells.append(f'<c r="{ref}{{0}}" t="inlineStr"><is>{_T}{{{index + 1}}}</t></is></c>')
        elif kind is int:
            cells.append(f'<c r="{ref}{{0}}"><v>{{{index + 1}}}</v></c>')
        elif kind in _DATE_STYLES:
            style = _DATE_STYLES[kind]
            cells.append(f'<c r="{ref}{{0}}" s="{style}"><v>{{{index + 1}}}</v></c>')
        elif kind is not type(None):
            raise TypeError(f"a cell is text, a whole number, a date or None, not {kind.__name__}")
    row = '<row r="{0}">' + "".join(cells) + "</row>"
    dates = tuple(index for index, kind in enumerate(kinds) if kind in _DATE_STYLES)
    return _Shape(row, row.count("<") + row.count(">"), dates)


def _write_rows(part: IO[bytes], refs: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    """Write the rows' XML in batches; the inner loop of the export, kept to C calls.

    Rows are made from format strings, one per sequence of cell types met (a few dozen in an
    export: which cells are empty), so that a row is one str.format, not a loop of cells; a
    batch is checked at once, and only a batch with something to escape is made again row by
    row, and only its rows with something to escape cell by cell.
    """
    shapes: dict[tuple[type, ...], _Shape] = {}
    batch: list[str] = []
    batch_cells: list[Sequence[Cell]] = []
    brackets = 0
    line_number = 1
    for cells in rows:
        line_number += 1
        kinds = tuple(map(type, cells))
        shape = shapes.get(kinds)
        if shape is None:
            shape = shapes[kinds] = _row_shape(refs, kinds)
        if shape.dates:
            values: list[Any] = list(cells)
            for index in shape.dates:
                values[index] = serial(values[index])
            batch.append(shape.row.format(line_number, *values))
        else:
            batch.append(shape.row.format(line_number, *cells))
        batch_cells.append(cells)
        brackets += shape.brackets
        if len(batch) == BATCH_ROWS:
            if line_number > MAX_ROWS:
                raise ValueError(f"a worksheet holds at most {MAX_ROWS:,} rows")
            part.write(_checked(batch, brackets, batch_cells, refs, line_number - len(batch) + 1))
            batch.clear()
            batch_cells.clear()
            brackets = 0
    if line_number > MAX_ROWS:
        raise ValueError(f"a worksheet holds at most {MAX_ROWS:,} rows")
    part.write(_checked(batch, brackets, batch_cells, refs, line_number - len(batch) + 1))
    return line_number - 1


def _checked(
    batch: list[str],
    brackets: int,
    cells: list[Sequence[Cell]],
    refs: Sequence[str],
    first_line: int,
) -> bytes:
    """The batch's XML as UTF-8, its rows with something to escape made again with care."""
    xml = "".join(batch)
    data = xml.encode("utf-8")
    if plain(xml, data, brackets):
        return data
    rows = []
    lines = range(first_line, first_line + len(batch))
    for line, row, row_cells in zip(lines, batch, cells, strict=True):
        row_data = row.encode("utf-8")
        if not plain(row, row_data, _row_shape(refs, tuple(map(type, row_cells))).brackets):
            row_data = _row_with_care(refs, str(line), row_cells, "").encode("utf-8")
        rows.append(row_data)
    return b"".join(rows)
