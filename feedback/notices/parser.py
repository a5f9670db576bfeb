"""Parse the plain text of a rectification notice (整改情况通报) into its tree of problems.

The text becomes paragraphs (paragraphs.py), the paragraphs an outline of numbered headings
(headings.py) or of table rows (tables.py). Which part of the outline holds the problems is then
decided from the document itself: a section whose headings say what was done (整改情况：…) holds
problems, one that never does is a section of work (整改工作开展情况, 提高政治站位…), and the
section holding the problems is a container of aspects when it is the notice's one problem part
or is four levels deep. Below an aspect come categories, and below a category its items, each with
its rectification text; a category with no items is itself an item, and a flat list is one aspect.
After the last problem, a 下一步 paragraph is the notice's own and the closing paragraph names the
receiving bodies (contacts.py); the totals a notice states are checked (totals.py); each item's
status is read from its words (status.py). Where the reading is a guess, a finding names the line.
"""

from dataclasses import dataclass, field

from feedback.models import ItemStatus
from feedback.notices import markers, status, tables
from feedback.notices.contacts import Closing, ParsedContact, read_closing
from feedback.notices.headings import Node, Outline, heading, text_of
from feedback.notices.paragraphs import Paragraph, paragraphs
from feedback.notices.totals import Finding, Totals, compare, stated

NOTICE_TITLE = ("通报", "情况", "公告", "公示", "情况表", "一览表", "清单", "台账")
FLAT_ASPECT = "具体问题整改情况"  # the one aspect of a notice that lists its problems flat
CONTAINER_DEPTH = 4  # a section with aspects, categories and items below it holds them all


class NoProblemsFound(ValueError):
    """The text holds no numbered problems: it is not a rectification notice, or not all of it."""


@dataclass
class ParsedItem:
    code: str
    title: str
    rectification: str = ""
    status: ItemStatus = ItemStatus.DONE
    status_cue: str = ""


@dataclass
class ParsedCategory:
    number: str
    title: str
    items: list[ParsedItem] = field(default_factory=list)
    is_item: bool = False  # a category without sub-items: its one item is itself


@dataclass
class ParsedAspect:
    number: str
    title: str
    categories: list[ParsedCategory] = field(default_factory=list)


@dataclass
class ParsedNotice:
    title: str
    preamble: str
    aspects: list[ParsedAspect]
    contacts: list[ParsedContact]
    information: list[str]  # websites and hotlines such as 12388, never a receiving body
    stated: Totals
    findings: list[Finding]

    @property
    def categories(self) -> list[ParsedCategory]:
        return [category for aspect in self.aspects for category in aspect.categories]

    @property
    def items(self) -> list[ParsedItem]:
        """Every item in order, a category without sub-items counting as one item."""
        return [item for category in self.categories for item in category.items]

    @property
    def found(self) -> Totals:
        """The totals as found, to hold against those the notice states."""
        items = self.items
        return Totals(
            aspects=len(self.aspects),
            categories=len(self.categories),
            items=len(items),
            done=sum(item.status is ItemStatus.DONE for item in items),
            ongoing=sum(item.status is ItemStatus.ONGOING for item in items),
        )


def parse(text: str) -> ParsedNotice:
    """Read a notice; raise NoProblemsFound when it lists no problems at all."""
    body = paragraphs(text)
    title, body = _title(body)
    outline, after, closing = _outline(body)
    findings = outline.findings
    outline.root.fold_measures()
    problems, other = _sections(outline.root, findings)
    aspects = _catalog(problems, findings)
    if not aspects:
        raise NoProblemsFound("no problems found")
    reading = read_closing(markers.for_reading(" ".join(p.text for p in closing)))
    notice = ParsedNotice(
        title=markers.for_reading(title),
        preamble=markers.for_reading("\n".join(outline.root.text)),
        aspects=aspects,
        contacts=reading.contacts,
        information=reading.information,
        stated=stated(markers.for_matching("\n".join([title, *other, *after]))),
        findings=findings,
    )
    _check(notice, reading)
    return notice


def _check(notice: ParsedNotice, reading: Closing) -> None:
    """The findings on the whole: totals that differ, or none stated; no contacts."""
    findings = notice.findings
    if notice.stated.items is None and notice.stated.aspects is None:
        findings.append(Finding("no_totals"))
    findings.extend(compare(notice.stated, notice.found))
    if not reading.contacts:
        findings.append(Finding("no_contacts"))


# The title, then the paragraphs into an outline ------------------------------------------------


def _title(body: list[Paragraph]) -> tuple[str, list[Paragraph]]:
    """The notice's title, written on one line or broken over two, and the paragraphs after it."""
    if body and _is_notice_title(body[0].text):
        return body[0].text, body[1:]
    if (
        len(body) > 1
        and len(body[0].text) <= 40
        and not markers.starts_block(body[0].text)
        and not any(sign in body[0].text for sign in "。：:")
        and _is_notice_title(body[1].text)
    ):
        return body[0].text + body[1].text, body[2:]
    return "", body


def _is_notice_title(paragraph: str) -> bool:
    return (
        len(paragraph) <= 80
        and paragraph.endswith(NOTICE_TITLE)
        and not any(sign in paragraph for sign in "。\t")
        and not markers.starts_block(paragraph)
    )


def _outline(body: list[Paragraph]) -> tuple[Outline, list[str], list[Paragraph]]:
    """The outline of headings and tables; the notice's own words after the last problem
    (下一步…); and the closing paragraphs that name the receiving bodies."""
    outline = Outline()
    after: list[str] = []
    closing: list[Paragraph] = []
    last = max((i for i, p in enumerate(body) if _is_problem_line(p.text)), default=-1)
    table: list[Paragraph] = []
    for index, paragraph in enumerate(body):
        if index > last and markers.DATE_LINE.match(paragraph.text):
            break  # signed off: what follows is the page around the notice
        if index > last and _is_signature(body, index):
            continue
        if "\t" in paragraph.text and not closing:
            table.append(paragraph)
            continue
        if table:
            outline.add_table(tables.read(table, outline.findings))
            table = []
        if closing or (
            index > last
            and (markers.CLOSING_START.match(paragraph.text) or _gives_contacts(paragraph.text))
        ):
            closing.append(paragraph)
        elif after or (index > last and markers.NEXT_STEP.match(paragraph.text)):
            if not after:
                outline.findings.append(
                    Finding("next_steps", {"line": paragraph.line, "start": paragraph.text[:12]})
                )
            after.append(paragraph.text)
        else:
            outline.add(paragraph)
    if table:
        outline.add_table(tables.read(table, outline.findings))
    return outline, after, closing


def _is_signature(body: list[Paragraph], index: int) -> bool:
    """The issuing unit above the date that signs the notice off: 中共某某局党组 / 2023年6月1日."""
    text = body[index].text
    following = body[index + 1].text if index + 1 < len(body) else ""
    return (
        len(text) <= 30
        and not any(sign in text for sign in "。，,：:")
        and bool(markers.DATE_LINE.match(following))
    )


def _is_problem_line(text: str) -> bool:
    """A heading, a table row or a rectification: the problems reach at least this far."""
    found = heading(text)
    return (
        (found is not None and (found[0].strong or "整改" in text))
        or "\t" in text
        or markers.intro(text) is not None
    )


def _gives_contacts(paragraph: str) -> bool:
    """A paragraph that gives a body's phone number belongs to the closing invitation."""
    matchable = markers.for_matching(paragraph)
    return any(
        phone.start() >= 2 and "电话" in matchable[max(0, phone.start() - 8) : phone.start()]
        for phone in markers.PHONE.finditer(matchable)
    )


# The outline read as a catalog ----------------------------------------------------------------


def _sections(root: Node, findings: list[Finding]) -> tuple[list[Node], list[str]]:
    """The aspects of the notice, and the text of everything else (where totals are stated).

    A top-level section holds problems when something below it says what was done. When no
    section does (a notice that gives its measures without 整改情况：), the sections named after
    the problems (反馈问题…) hold them if any is, else every section but those named as work
    (开展情况, 下一步…).
    """
    sections = root.children
    if any(node.says_what_was_done() for node in sections):
        holding = [node for node in sections if node.says_what_was_done()]
    elif named := [node for node in sections if markers.NAMES_PROBLEMS.search(node.title)]:
        holding = named
    else:
        holding = [node for node in sections if not _names_work(node.title)]
    for node in sections:
        if node not in holding and not _names_work(node.title) and node.children:
            findings.append(Finding("not_problems", {"line": node.line, "title": node.title}))
    only_part = len(holding) == 1 and len(sections) > 1
    aspects: list[Node] = []
    own: list[str] = []
    for node in holding:
        if node.children and (
            only_part or _is_container(node.title) or node.depth() >= CONTAINER_DEPTH
        ):
            aspects.extend(node.children)
            own.extend([node.title, *node.text])
        else:
            aspects.append(node)
    if aspects and not any(node.children for node in aspects):
        # A flat list of problems: one aspect, named after the section that holds it.
        container = holding[0] if len(holding) == 1 and holding[0].children else None
        aspects = [Node(title=container.title if container else FLAT_ASPECT, children=aspects)]
    rest = [node for node in sections if node not in holding]
    return aspects, [*root.text, *own, *_all_text(rest)]


def _names_work(title: str) -> bool:
    return any(cue in title for cue in markers.NOT_PROBLEMS)


def _is_container(title: str) -> bool:
    return (
        bool(markers.CONTAINER.search(title))
        and not title.startswith(("关于", "在"))
        and not any(q in title for q in markers.QUOTES)
    )


def _all_text(nodes: list[Node]) -> list[str]:
    texts: list[str] = []
    for node in nodes:
        texts.extend([node.title, *node.text])
        texts.extend(_all_text(node.children))
    return texts


def _catalog(nodes: list[Node], findings: list[Finding]) -> list[ParsedAspect]:
    codes: set[str] = set()
    aspects = []
    for index, node in enumerate(nodes, 1):
        if not node.children:
            if not node.says_what_was_done():
                findings.append(
                    Finding("empty_aspect", {"line": node.line, "title": node.title[:20]})
                )
                continue
            node = Node(title=node.title, line=node.line, children=[node])  # an aspect, one item
        aspects.append(_aspect(node, _number(node) or markers.cn_numeral(index), codes, findings))
    return aspects


def _aspect(node: Node, number: str, codes: set[str], findings: list[Finding]) -> ParsedAspect:
    aspect = ParsedAspect(number, node.title)
    for position, category_node in enumerate(node.children, 1):
        category = ParsedCategory(_number(category_node) or str(position), category_node.title)
        if category_node.children:
            for item_node in category_node.children:
                code = f"{aspect.number}.{category.number}.{_item_number(item_node)}"
                if item_node.children:
                    findings.append(Finding("deep_numbering", {"line": item_node.children[0].line}))
                category.items.append(_item(code, item_node.title, text_of(item_node)))
        else:
            code = f"{aspect.number}.{category.number}"
            category.items.append(_item(code, category.title, category_node.text))
            category.is_item = True
        for item, item_line in zip(category.items, _item_lines(category_node), strict=True):
            if item.code in codes:
                findings.append(Finding("duplicate_code", {"line": item_line, "code": item.code}))
                item.code = _unique(item.code, codes)
            codes.add(item.code)
            if not item.rectification:
                findings.append(Finding("no_rectification", {"line": item_line, "code": item.code}))
        aspect.categories.append(category)
    return aspect


def _item_lines(category: Node) -> list[int]:
    return [child.line for child in category.children] or [category.line]


def _item(code: str, title: str, paragraphs: list[str]) -> ParsedItem:
    text = _rectification(paragraphs)
    item_status, cue = status.infer(text)
    return ParsedItem(code, title, text, item_status, cue)


def _number(node: Node) -> str:
    return markers.for_reading(node.number)


def _item_number(node: Node) -> str:
    assert node.marker is not None
    return node.marker.code.format(n=_number(node))


def _rectification(paragraphs: list[str]) -> str:
    """The text as stored: what was done first, a generic 整改情况： dropped, a telling 整改进展：
    kept; the problem's own description, written before what was done, follows as 问题表现：."""
    text = "\n".join(paragraphs)
    if (
        begins := markers.RECTIFICATION_BEGINS.search(markers.for_matching(text))
    ) and begins.start():
        description = text[: begins.start()].strip()
        paragraphs = [*text[begins.start() :].split("\n"), f"{markers.DESCRIPTION}{description}"]
    kept = []
    for paragraph in paragraphs:
        matchable = markers.for_matching(paragraph)
        for intro in markers.INTROS:
            if (match := intro.pattern.match(matchable)) and not intro.keep:
                paragraph = paragraph[match.end() :].strip()
                break
        if paragraph:
            kept.append(markers.for_reading(paragraph))
    return "\n".join(kept)


def _unique(code: str, taken: set[str]) -> str:
    n = 2
    while f"{code}-{n}" in taken:
        n += 1
    return f"{code}-{n}"
