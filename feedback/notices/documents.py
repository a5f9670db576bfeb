"""A notice file becomes the notice's plain text: .txt, .csv, .docx, .pdf or .xlsx.

The content decides what a file is (its first bytes, the parts of a zip), not its name; a name
that says otherwise is refused. What is read is bounded before it is read: the file's size, the
size a zip unpacks to, the pages and rows, and the text, so that a hostile file costs neither
minutes nor gigabytes. Every refusal is a NoticeError("upload", …) in the user's words.

- Plain text and CSV: UTF-8 (with or without a BOM), else GB18030. A CSV's rows become lines
  with their cells joined by a TAB.
- Word (.docx): the body's paragraphs and tables in the order they stand, without the headers
  and footers; a table row is a line of TAB-separated cells. Numbers that Word generates (lists
  such as 一、 （一） 1. （1）) are written in front of their paragraphs.
- PDF: each page's text layer, less the running heads and feet (lines repeated at the top or
  bottom of most pages, page numbers such as "— 1 —" or "第1页 共3页").
- Excel (.xlsx): every visible sheet, a row a line, its cells joined by a TAB.
"""

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any

import docx
import openpyxl
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from flask import current_app
from flask_babel import lazy_gettext as _l
from pypdf import PasswordType, PdfReader

from feedback.notices.errors import NoticeError
from feedback.notices.paragraphs import is_page_number, may_be_running

TEXT_MAX = 200_000  # characters; a long notice is some 20,000
PAGES_MAX = 300  # of a PDF
ROWS_MAX = 20_000  # of all the sheets of a workbook together
COLUMNS_MAX = 100  # read of each row
ZIP_EXPANDED_MAX = 100 * 1024 * 1024  # what a .docx or .xlsx may unpack to
ZIP_MEMBERS_MAX = 5_000
MB = 1024 * 1024

ENCODINGS = ("utf-8-sig", "gb18030")  # what Word and WPS save plain text as, in China
TEXT_EXTENSIONS = ("txt", "text", "csv", "tsv")

# What each kind of file is called in a message.
KIND_NAMES = {
    "pdf": _l("a PDF document"),
    "docx": _l("a Word document"),
    "xlsx": _l("an Excel workbook"),
    "text": _l("a text file"),
}
# The kind that each extension promises; .doc and .xls are what WPS names some .docx and .xlsx.
EXTENSION_KINDS = {
    "pdf": "pdf",
    "docx": "docx",
    "doc": "docx",
    "docm": "docx",
    "xlsx": "xlsx",
    "xls": "xlsx",
    "xlsm": "xlsx",
    **dict.fromkeys(TEXT_EXTENSIONS, "text"),
}
WORD_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
SHEET_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .doc, .xls and .wps


def upload_max() -> int:
    """The largest notice file, in bytes (NOTICE_UPLOAD_MAX)."""
    return int(current_app.config["NOTICE_UPLOAD_MAX"])


def check_size(size: int) -> None:
    """Refuse a file over the limit before it is read."""
    if size > upload_max():
        raise NoticeError("upload", too_large_message())


def too_large_message() -> str:
    return str(
        _l(
            "The file is larger than %(mb)d MB, the most a notice file may be. Upload the notice "
            "alone, or paste its text.",
            mb=upload_max() // MB,
        )
    )


def notice_text(filename: str, data: bytes) -> str:
    """The plain text of a notice file, or a NoticeError("upload", …) saying why there is none."""
    check_size(len(data))
    if not data.strip():
        raise NoticeError("upload", _l("The file is empty."))
    kind = _kind(data)
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    promised = EXTENSION_KINDS.get(extension)
    if promised and kind != "other" and promised != kind:
        raise NoticeError(
            "upload",
            _l(
                "The file's name ends in .%(extension)s, but it is %(kind)s. Choose the right "
                "file, or save it again as .%(extension)s.",
                extension=extension,
                kind=KIND_NAMES[kind],
            ),
        )
    if kind == "pdf":
        return _reading("pdf", lambda: _read_pdf(data))
    if kind == "docx":
        return _reading("docx", lambda: _read_docx(data))
    if kind == "xlsx":
        return _reading("xlsx", lambda: _read_xlsx(data))
    if promised is None and kind == "other" and not _is_text(data):
        raise NoticeError(
            "upload",
            _l(
                "This is not a notice file the import reads: choose a .txt, .docx, .pdf, .xlsx or .csv file."
            ),
        )
    text = decode(data)
    if extension == "csv":
        text = _csv_text(text)
    _check_length(text)
    return text


def decode(data: bytes) -> str:
    """A text file's text: UTF-8 (with or without a BOM), else GB18030."""
    text = _decoded(data)
    if text is None:
        raise NoticeError(
            "upload",
            _l("The file is not readable text: save it as plain text in UTF-8 or GB18030."),
        )
    return text


def _decoded(data: bytes) -> str | None:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not any(unicodedata.category(c) == "Cc" and c not in "\n\r\t\f" for c in text):
            return text
        return None  # control characters: a binary file, whatever its bytes decode to
    return None


def _is_text(data: bytes) -> bool:
    return _decoded(data) is not None


def _check_length(text: str) -> None:
    if len(text) > TEXT_MAX:
        raise NoticeError("upload", _too_much_text())


def _too_much_text() -> str:
    return str(
        _l(
            "The file holds more than %(max)d characters of text, more than a notice can be. "
            "Upload the notice alone.",
            max=TEXT_MAX,
        )
    )


def _kind(data: bytes) -> str:
    """What the file is by its content: pdf, docx, xlsx, or other (text, or something else).

    An old Office file, a zip of macros or a zip that unpacks too large is refused here."""
    if b"%PDF-" in data[:1024]:  # readers accept a few bytes of junk before the header
        return "pdf"
    if data.startswith(OLE2):
        raise NoticeError(
            "upload",
            _l(
                "This is a file in the old Word or Excel format (.doc, .xls, .wps). Open it "
                "and save it as a Word document (.docx), an Excel workbook (.xlsx) or a PDF, "
                "then upload that."
            ),
        )
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    return "other"


def _office_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            expanded = sum(member.file_size for member in members)
            if len(members) > ZIP_MEMBERS_MAX or expanded > ZIP_EXPANDED_MAX:
                raise NoticeError(
                    "upload",
                    _l(
                        "The document unpacks to more than %(mb)d MB, far more than a notice "
                        "takes: it is damaged or not a real document. Save it again, or upload "
                        "it as PDF.",
                        mb=ZIP_EXPANDED_MAX // MB,
                    ),
                )
            names = [member.filename.lower() for member in members]
            types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        raise NoticeError("upload", _unreadable("docx")) from None
    if (
        b"macroEnabled" in types
        or b"vbaProject" in types
        or any(name.endswith(("vbaproject.bin", "vbadata.xml")) for name in names)
    ):
        raise NoticeError(
            "upload",
            _l(
                "The document contains macros, which are not accepted. Save it as a Word "
                "document (.docx) or an Excel workbook (.xlsx) without macros, or as a PDF."
            ),
        )
    if WORD_TYPE in types:
        return "docx"
    if SHEET_TYPE in types:
        return "xlsx"
    raise NoticeError(
        "upload",
        _l(
            "This is not a notice file the import reads: choose a .txt, .docx, .pdf, .xlsx or .csv file."
        ),
    )


def _unreadable(kind: str) -> str:
    if kind == "pdf":
        return str(
            _l(
                "The PDF could not be read: it is damaged. Open it and save or print it again "
                "as a PDF, or upload the notice as a Word document or text."
            )
        )
    return str(
        _l(
            "The file, %(kind)s, could not be read: it is damaged. Open it in Word, WPS or Excel and save "
            "it again, or upload it as a PDF.",
            kind=KIND_NAMES[kind],
        )
    )


def _reading(kind: str, read: Callable[[], str]) -> str:
    """Run a library's reader; whatever it raises on a damaged file becomes our message.

    Parsers of hostile files raise many kinds of errors (KeyError, ValueError, lxml's, zlib's,
    RecursionError…), none of which should reach the user as a 500."""
    try:
        return read()
    except NoticeError:
        raise
    except Exception:
        current_app.logger.info("notice file: a damaged %s was refused", kind, exc_info=True)
        raise NoticeError("upload", _unreadable(kind)) from None


class _Lines:
    """The lines read so far, refused as soon as they are more than a notice can be."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.length = 0

    def add(self, line: str) -> None:
        self.length += len(line) + 1
        if self.length > TEXT_MAX:
            raise NoticeError("upload", _too_much_text())
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)


def _row_line(cells: list[str]) -> str:
    """A table row as one line: cells without line breaks, joined by a TAB, empty ones at the end dropped."""
    cleaned = [" ".join(cell.split()) for cell in cells]
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    return "\t".join(cleaned)


# CSV ------------------------------------------------------------------------------------------


def _csv_text(text: str) -> str:
    """A CSV table's rows; the separator is the one its first line uses most: comma, TAB or ;."""
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count)
    lines = _Lines()
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if line := _row_line(row):
                lines.add(line)
    except csv.Error:
        raise NoticeError(
            "upload",
            _l("The CSV file could not be read: save it again from Excel or WPS as CSV."),
        ) from None
    return lines.text()


# Word -----------------------------------------------------------------------------------------


def _read_docx(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    numbering = _Numbering(document)
    lines = _Lines()

    def blocks(parent: Any) -> Iterator[Any]:
        # Content controls (w:sdt) hold paragraphs too, such as a cover page's.
        for child in parent.iterchildren():
            if child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from blocks(content)
            elif child.tag in (qn("w:p"), qn("w:tbl")):
                yield child

    body = document.element.body
    for element in blocks(body):
        if element.tag == qn("w:p"):
            paragraph = Paragraph(element, document._body)
            lines.add(numbering.label(paragraph) + paragraph.text)
        else:
            table = Table(element, document._body)
            for row in element.tr_lst:
                # A merged cell once: a w:tc spans columns; rows below a vertical merge continue it.
                cells = [
                    "" if tc.vMerge == "continue" else _Cell(tc, table).text for tc in row.tc_lst
                ]
                lines.add(_row_line(cells))
    return lines.text()


class _Numbering:
    """The numbers Word writes in front of list paragraphs, counted as Word counts them.

    Counters are kept per abstract list, so that lists sharing one continue each other; a level
    restarts when a higher level is numbered. Formats other than the decimal, Chinese, circled,
    letter and roman ones (bullets among them) are left out."""

    def __init__(self, document: Any) -> None:
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # numId → ilvl → level
        self.abstract_of: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        try:
            root = document.part.part_related_by(RELATIONSHIP_TYPE.NUMBERING).element
        except KeyError:
            return
        abstract_levels = {
            a.get(_w("abstractNumId")): {
                int(lvl.get(_w("ilvl"), "0")): _level(lvl) for lvl in a.findall(_w("lvl"))
            }
            for a in root.findall(_w("abstractNum"))
        }
        for num in root.findall(_w("num")):
            num_id = num.get(_w("numId"))
            abstract = _val(num.find(_w("abstractNumId")))
            if num_id is None or abstract is None:
                continue
            levels = dict(abstract_levels.get(abstract, {}))
            overrides = {}
            for override in num.findall(_w("lvlOverride")):
                ilvl = int(override.get(_w("ilvl"), "0"))
                if (lvl := override.find(_w("lvl"))) is not None:
                    levels[ilvl] = _level(lvl)
                if (start := _val(override.find(_w("startOverride")))) is not None:
                    overrides[ilvl] = int(start)
            self.levels[num_id] = levels
            self.abstract_of[num_id] = abstract
            self.overrides[num_id] = overrides

    def label(self, paragraph: Any) -> str:
        found = _num_pr(paragraph)
        if found is None or found[0] not in self.levels:
            return ""
        num_id, ilvl = found
        levels = self.levels[num_id]
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(self.abstract_of[num_id], {})
        if num_id not in self.started:  # a list that restarts at a number of its own
            self.started.add(num_id)
            for level, start in self.overrides[num_id].items():
                counters[level] = start - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl][0] - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        start, fmt, text = levels[ilvl]
        if fmt == "none":
            return re.sub(r"%\d", "", text)

        def number(match: re.Match[str]) -> str:
            level = int(match[1]) - 1
            if level not in levels:
                raise LookupError(level)
            value = counters.get(level, levels[level][0])
            written = _format_number(value, levels[level][1])
            if written is None:
                raise LookupError(level)
            return written

        try:
            return re.sub(r"%(\d)", number, text)
        except LookupError:
            return ""


def _w(name: str) -> str:
    return qn(f"w:{name}")


def _val(element: Any) -> str | None:
    return None if element is None else element.get(_w("val"))


def _level(lvl: Any) -> tuple[int, str, str]:
    """A list level's start, number format and text, such as (1, "chineseCounting", "%1、")."""
    start = _val(lvl.find(_w("start")))
    fmt = _val(lvl.find(_w("numFmt"))) or "decimal"
    if lvl.find(_w("isLgl")) is not None:
        fmt = "decimal"
    return int(start) if start and start.isdigit() else 1, fmt, _val(lvl.find(_w("lvlText"))) or ""


def _num_pr(paragraph: Any) -> tuple[str, int] | None:
    """The list and level of a paragraph: its own, or its style's (or a base style's)."""
    p_pr = paragraph._p.pPr
    if p_pr is not None and p_pr.numPr is not None:
        return _num_of(p_pr.numPr)
    style = paragraph.style
    while style is not None:
        s_pr = style.element.pPr
        if s_pr is not None and s_pr.numPr is not None:
            return _num_of(s_pr.numPr)
        style = style.base_style
    return None


def _num_of(num_pr: Any) -> tuple[str, int] | None:
    num_id = num_pr.numId.val if num_pr.numId is not None else None
    if num_id is None or num_id == 0:
        return None
    return str(num_id), num_pr.ilvl.val if num_pr.ilvl is not None else 0


CN_DIGITS = "零一二三四五六七八九"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
STEMS = "甲乙丙丁戊己庚辛壬癸"


def _format_number(value: int, fmt: str) -> str | None:
    """A list number as Word writes it in this format; None for a format we do not write."""
    if fmt in ("decimal", "decimalHalfWidth"):
        return str(value)
    if fmt == "decimalZero":
        return f"{value:02d}"
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(value).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
    ):
        return _chinese(value)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return CIRCLED[value - 1] if 1 <= value <= len(CIRCLED) else None
    if fmt in ("ideographTraditional",):
        return STEMS[value - 1] if 1 <= value <= len(STEMS) else None
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.lower() if fmt == "lowerRoman" else roman
    return None


def _chinese(value: int) -> str | None:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五; up to 999."""
    if not 1 <= value <= 999:
        return None
    hundreds, rest = divmod(value, 100)
    tens, ones = divmod(rest, 10)
    written = f"{CN_DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        written += ("" if tens == 1 and not hundreds else CN_DIGITS[tens]) + "十"
    elif hundreds and ones:
        written += "零"
    if ones:
        written += CN_DIGITS[ones]
    return written


def _roman(value: int) -> str:
    numerals = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    written = ""
    for amount, numeral in numerals:
        count, value = divmod(value, amount)
        written += numeral * count
    return written


# PDF ------------------------------------------------------------------------------------------

EDGE = 3  # lines at the top or bottom of a page where running heads and feet stand
SCAN_CHARACTERS = 20  # fewer characters than this a page, on average: pictures of pages
# PDF fonts often map an ideograph's glyph to the radical that looks the same (⼀ for 一, ⻅ for
# 见): Kangxi radicals have their ideograph in NFKC; these supplementary ones do not.
RADICALS: dict[int, str] = {
    **{cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)},
    **dict(
        zip(
            map(ord, "⺁⺄⺇⺌⺜⺝⺟⺠⺩⺼⻁⻄⻅⻆⻉⻋⻓⻔⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳"),
            "厂乙几小日月母民王月虎西见角贝车长门青韦页风飞食马骨鬼鱼鸟卤麦黄黾齐齿龙龟",
            strict=True,
        )
    ),
}


def _read_pdf(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise NoticeError(
            "upload",
            _l(
                "The PDF is protected by a password. Save a copy without the password "
                "(or print it to a new PDF) and upload that, or upload the notice's text."
            ),
        )
    count = len(reader.pages)
    if count > PAGES_MAX:
        raise NoticeError(
            "upload",
            _l(
                "The PDF has %(pages)d pages, more than the %(max)d a notice may have. "
                "Upload the notice alone.",
                pages=count,
                max=PAGES_MAX,
            ),
        )
    pages: list[list[str]] = []
    read = 0
    for page in reader.pages:
        lines = [line.strip() for line in page.extract_text().translate(RADICALS).splitlines()]
        lines = [line for line in lines if line]
        read += sum(len(line) + 1 for line in lines)
        if read > TEXT_MAX * 2:  # heads and feet are removed later: allow for them
            raise NoticeError("upload", _too_much_text())
        pages.append(lines)
    text = "\n".join("\n".join(lines) for lines in _without_heads_and_feet(pages) if lines)
    if sum(not c.isspace() for c in text) < SCAN_CHARACTERS * max(count, 1):
        raise NoticeError(
            "upload",
            _l(
                "This PDF is a scan: its pages are pictures, with no text to read. Upload the "
                "notice as a Word document (.docx) or as text (.txt), or paste its text."
            ),
        )
    _check_length(text)
    return text


def _shape(line: str) -> str:
    """A line as a running head compares: without spaces, any number standing for every number."""
    return re.sub(r"\d+", "#", "".join(unicodedata.normalize("NFKC", line).split()))


def _without_heads_and_feet(pages: list[list[str]]) -> list[list[str]]:
    """Each page without the lines repeated at its top or bottom on most pages, and its number.

    A running line is removed once from each edge, so that a notice whose title is also its
    running head keeps the title on its first page."""
    most = len(pages) // 2 + 1
    tops: Counter[str] = Counter()
    bottoms: Counter[str] = Counter()
    for lines in pages:
        tops.update({_shape(line) for line in lines[:EDGE] if may_be_running(line)})
        bottoms.update({_shape(line) for line in lines[-EDGE:] if may_be_running(line)})
    top = {shape for shape, n in tops.items() if n >= most} if len(pages) > 1 else set()
    bottom = {shape for shape, n in bottoms.items() if n >= most} if len(pages) > 1 else set()
    kept = []
    for lines in pages:
        body = _strip_edge(lines, top)
        body.reverse()
        body = _strip_edge(body, bottom)
        body.reverse()
        kept.append(body)
    return kept


def _strip_edge(lines: list[str], running: set[str]) -> list[str]:
    removed: set[str] = set()
    start = 0
    while start < min(len(lines), EDGE + len(removed)):
        shape = _shape(lines[start])
        if shape in running and shape not in removed:
            removed.add(shape)
        elif not is_page_number(lines[start]):
            break
        start += 1
    return lines[start:]


# Excel ----------------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns of styles and extensions it skips
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            lines = _Lines()
            rows = 0
            for sheet in workbook.worksheets:
                if sheet.sheet_state != "visible":
                    continue
                if lines.lines:
                    lines.add("")  # a blank line between sheets
                for row in sheet.iter_rows(max_col=COLUMNS_MAX, values_only=True):
                    rows += 1
                    if rows > ROWS_MAX:
                        raise NoticeError(
                            "upload",
                            _l(
                                "The workbook has more than %(max)d rows, more than a notice "
                                "can be. Upload the notice alone.",
                                max=ROWS_MAX,
                            ),
                        )
                    if line := _row_line([_cell_text(value) for value in row]):
                        lines.add(line)
        finally:
            workbook.close()
    return lines.text()


def _cell_text(value: object) -> str:
    """A cell as the sheet shows it: dates as 2021-03-31, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d" if value.time() == time() else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
