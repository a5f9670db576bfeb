"""A notice laid out as a table (问题｜整改措施｜完成情况), pasted from Word or Excel as tab-separated rows.

The header row says which column holds what; each row below it is a problem, and a 问题类别 column,
where there is one, groups the rows into aspects (a blank cell continuing the category above, as
merged cells do). Without a header the columns are taken in the usual order: problem, measures,
status.
"""

import re
from dataclasses import dataclass

from feedback.notices import markers
from feedback.notices.headings import Node, clean_title
from feedback.notices.paragraphs import Paragraph
from feedback.notices.totals import Finding

# The columns a notice's table may have, each recognised by the words of its header cell; the
# first that fits a cell names it (问题类别 is a category before it is a problem).
COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(r"^(?:序号|编号|序)$")),
    ("category", re.compile(r"类别|类型|方面|领域|分类")),
    ("status", re.compile(r"完成情况|进展|状态|是否完成|整改结果|完成结果")),
    ("deadline", re.compile(r"时限|期限|时间")),
    ("responsible", re.compile(r"责任|牵头|单位|领导")),
    ("measures", re.compile(r"措施|举措|整改情况|落实情况|整改内容")),
    ("problem", re.compile(r"问题|表现|事项")),
)
WITHOUT_HEADER = ("problem", "measures", "status")
ROW = markers.Marker("row", re.compile(r"(?!)"), "{n}")
GROUP = markers.Marker("group", re.compile(r"(?!)"), "{n}")


@dataclass(frozen=True)
class Table:
    columns: dict[str, int]  # column name → index
    rows: list[tuple[int, list[str]]]  # (line, cells) below the header


def cells(text: str) -> list[str]:
    return [markers.clean_line(cell) for cell in text.split("\t")]


def read(rows: list[Paragraph], findings: list[Finding]) -> list[Node]:
    """The problems of a table: rows as items, grouped by their category column if it has one."""
    table = _table(rows, findings)
    problem = table.columns.get("problem")
    if problem is None:
        findings.append(Finding("table_without_problems", {"line": rows[0].line}))
        return []
    groups: list[Node] = []
    items: list[Node] = []
    for line, row in table.rows:
        if all(not cell for cell in row):
            continue
        category = _cell(row, table.columns.get("category"))
        if "category" in table.columns and (category or not groups):
            number = len(groups) + 1
            title = clean_title(category)
            groups.append(Node(GROUP, markers.cn_numeral(number), number, title, line=line))
        if not _cell(row, problem):
            findings.append(Finding("row_without_problem", {"line": line}))
            continue
        item = _item(row, table.columns, line, len(groups[-1].children if groups else items) + 1)
        (groups[-1].children if groups else items).append(item)
    return groups or items


def _table(rows: list[Paragraph], findings: list[Finding]) -> Table:
    header = cells(rows[0].text)
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        for name, words in COLUMNS:
            if name not in columns and words.search(cell):
                columns[name] = index
                break
    body = [(row.line, cells(row.text)) for row in rows]
    if "problem" in columns and len(columns) >= 2:
        return Table(columns, body[1:])
    findings.append(Finding("table_without_header", {"line": rows[0].line}))
    first = 1 if _is_number_column(body) else 0
    return Table({name: first + i for i, name in enumerate(WITHOUT_HEADER)}, body)


def _is_number_column(body: list[tuple[int, list[str]]]) -> bool:
    return all(re.fullmatch(r"\d{1,3}[.、]?", row[0]) for _, row in body if row)


def _item(row: list[str], columns: dict[str, int], line: int, position: int) -> Node:
    problem = _cell(row, columns["problem"])
    number = re.sub(r"\D", "", _cell(row, columns.get("number"))) or str(position)
    end = markers.title_end(markers.for_matching(problem))
    title, rest = (problem[: end[0]], problem[end[1] :].strip()) if end else (problem, "")
    node = Node(ROW, number, int(number), clean_title(title), line=line, rectifying=True)
    if measures := _cell(row, columns.get("measures")):
        node.add_text(measures)
    if status := _cell(row, columns.get("status")):
        node.add_text(f"完成情况：{status}")
    if rest:
        node.add_text(f"{markers.DESCRIPTION}{rest}")
    return node


def _cell(row: list[str], index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""
