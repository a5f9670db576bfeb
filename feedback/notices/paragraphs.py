"""A notice's text as paragraphs, each with the line it starts on, free of page furniture.

Text copied out of a PDF or an e-mail arrives wrapped at a fixed width and carries the pages'
running headers and page numbers (— 1 —, 第1页 共3页). The wrapped lines of a paragraph are joined
again, and the lines that belong to the page rather than to the notice are dropped.
"""

import csv
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from feedback.notices import markers

# A page number alone on its line: — 1 —, - 1 -, -1-, 第1页 共3页, 共3页 第1页, 1/3, Page 1 of 3, 12.
DASHES = "-‐‑‒–—―－~～一"
PAGE_NUMBER = re.compile(
    rf"""(?x)
    [{DASHES}]*\s*\d{{1,4}}\s*[{DASHES}]*
    | 第\s*\d{{1,4}}\s*页(?:\s*[,，/]?\s*共\s*\d{{1,4}}\s*页)?
    | 共\s*\d{{1,4}}\s*页\s*[,，]?\s*第\s*\d{{1,4}}\s*页
    | \d{{1,4}}\s*/\s*\d{{1,4}}
    | (?i:page)\s*\d{{1,4}}(?:\s*(?i:of)\s*\d{{1,4}})?
    """
)

PARAGRAPH_END = "。！？!?…"  # a wrapped line may end anywhere else, even at ；
TITLE_ENDS = ("通报", "公告", "公示")  # a title's last words: the next line is not its continuation
WRAPPED_MIN = 3  # lines as wide as the page that show the text was wrapped
# What a government portal wraps a notice in, when the whole page is copied: the path, the
# catalogue fields (a label on its own line is followed by its value), sharing and print links.
PORTAL_LINE = re.compile(
    r"^(?:首页\s*[>＞›]|当前位置|您(?:当前)?的位置|信息索引号|索引号|文件名称|发布机构|生成日期|成文日期"
    r"|发布日期|公开方式|公开范围|主题分类|文号|日期[:：]\s*\d{4}|来源[:：]|浏览(?:量|次数)|分享[:：]?$|朗读$"
    r"|【\s*字体|【\s*打印|【\s*关闭|打印本页|关闭窗口|上一篇|下一篇|主办[:：]|承办[:：]|网站标识码|.*ICP备)"
)
RUNNING_MAX = 60  # a running header is a short line
RUNNING_MIN_REPEATS = 3


@dataclass(frozen=True)
class Paragraph:
    text: str
    line: int  # the line of the notice it starts on, counted from 1


def paragraphs(text: str) -> list[Paragraph]:
    """Clean paragraphs, joining the lines of a paragraph that a PDF or e-mail broke at a fixed width."""
    lines = _lines(text)
    width = _wrap_width([line_width for _, _, line_width, _ in lines])
    found: list[Paragraph] = []
    previous_width = 0
    for number, line, line_width, after_blank in lines:
        if (
            found
            and width
            and not after_blank
            and previous_width >= width
            and found[-1].text[-1] not in PARAGRAPH_END
            and not found[-1].text.endswith(TITLE_ENDS)
            and not markers.starts_block(line)
            and "\t" not in line
        ):
            found[-1] = Paragraph(found[-1].text + line, found[-1].line)
        else:
            found.append(Paragraph(line, number))
        previous_width = line_width
    return found


def _lines(text: str) -> list[tuple[int, str, int, bool]]:
    """(line number, clean line, width on the page, after a blank line), page furniture left out."""
    raw_lines = _table_rows(text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n"))
    cleaned = [_clean(raw) for raw in raw_lines]
    repeated = _running_headers(cleaned)
    lines: list[tuple[int, str, int, bool]] = []
    blank = False
    value_of_label = False  # the line after a portal's label on its own, such as 发布机构：
    for number, (raw, line) in enumerate(zip(raw_lines, cleaned, strict=True), 1):
        furniture = (
            is_page_number(line)
            or (line in repeated and lines)  # the title at the top of page 1 is the notice's own
            or PORTAL_LINE.match(line)
            or (value_of_label and line and not markers.starts_block(line))
        )
        if line:
            value_of_label = bool(PORTAL_LINE.match(line)) and line[-1] in ":："
        if line and furniture:
            continue  # furniture does not break a paragraph wrapped across the page
        if line:
            lines.append((number, line, markers.display_width(raw.strip()), blank))
        blank = not line
    return lines


def _table_rows(text: str) -> list[str]:
    """The text's lines, a row of a table pasted from Excel on one line: Excel quotes a cell that
    holds line breaks ("…\n…") and doubles its quotation marks; the breaks become spaces."""
    if "\t" not in text or '"' not in text:
        return text.split("\n")
    lines: list[str] = []
    row: list[str] = []
    for line in text.split("\n"):
        row.append(line)
        joined = "\n".join(row)
        if "\t" in joined and _ends_in_quoted_cell(joined):
            continue  # the quoted cell goes on, on the next line
        if len(row) > 1:
            cells = next(csv.reader([joined], delimiter="\t"))
            joined = "\t".join(" ".join(cell.split()) for cell in cells)
        lines.append(joined)
        row = []
    return lines + row


def _ends_in_quoted_cell(row: str) -> bool:
    """Whether a row of tab-separated cells ends inside a cell that Excel quoted."""
    quoted = False
    at_cell_start = True
    index = 0
    while index < len(row):
        char = row[index]
        if quoted:
            if char == '"':
                if row[index + 1 : index + 2] == '"':
                    index += 1  # "" is one quotation mark inside the cell
                else:
                    quoted = False
        elif char == "\t":
            at_cell_start = True
            index += 1
            continue
        elif char == '"' and at_cell_start:
            quoted = True
        at_cell_start = False
        index += 1
    return quoted


def _clean(raw: str) -> str:
    """A clean line; a table row keeps its tabs between cells, and loses its empty last cells."""
    if "\t" not in raw.strip():
        return markers.clean_line(raw)
    return "\t".join(markers.clean_line(cell) for cell in raw.split("\t")).rstrip("\t")


def is_page_number(line: str) -> bool:
    return PAGE_NUMBER.fullmatch(unicodedata.normalize("NFKC", line).strip()) is not None


def may_be_running(line: str) -> bool:
    """Whether a line may be a page's running head or foot, were it repeated page after page:
    not a heading, an answer such as 完成情况：已完成, an intro such as 整改情况：, or a sentence."""
    return (
        bool(line)
        and len(line) <= RUNNING_MAX
        and not markers.starts_block(line)
        and not any(sign in line for sign in ":：")
        and line[-1] not in markers.SENTENCE_END
    )


def _running_headers(lines: list[str]) -> set[str]:
    """Short lines that come back page after page: the running header or footer of a PDF."""
    counts = Counter(line for line in lines if may_be_running(line))
    return {line for line, count in counts.items() if count >= RUNNING_MIN_REPEATS}


def _wrap_width(widths: list[int]) -> int | None:
    """The width from which a line was broken by the page, if the text was wrapped at all: many
    lines nearly as wide as the wide ones (digits, Latin letters and half-width signs make
    a full line narrower than its neighbours, an indent makes a paragraph's first line so)."""
    if len(widths) < WRAPPED_MIN:
        return None
    wide = sorted(widths)[(len(widths) - 1) * 9 // 10]
    width = wide - max(3, wide // 6)
    full = sum(w >= width for w in widths)
    return width if full >= WRAPPED_MIN and full >= len(widths) // 5 else None
