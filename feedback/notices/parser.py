"""Parse the plain text of a rectification notice (整改情况通报) into its tree of problems.

One pass over the notice's paragraphs builds an outline from the heading numbers (markers.py
lists the styles): a heading of a style already open is a sibling when its number follows on, a
heading of a new style opens a deeper level when it starts at 1. Plain paragraphs are the text of
the heading above them. The outline is then read as a catalog: top-level sections are either the
section that holds the problems (具体问题整改情况), sections that are not problems (整改工作开展情况,
下一步工作措施), or aspects themselves; below an aspect come categories, and below a category its
items, each with its rectification text. A category with no items is itself an item. The closing
paragraph names the receiving bodies (contacts.py); the totals a notice states are checked
(totals.py); each item's status is read from its words (status.py).
"""

from dataclasses import dataclass, field

from feedback.models import ItemStatus
from feedback.notices import markers, status
from feedback.notices.contacts import ParsedContact, parse_contacts
from feedback.notices.markers import Marker
from feedback.notices.totals import Finding, Totals, compare, stated

TITLE_MAX = 60  # a longer title probably swallowed the start of its text
NOTICE_TITLE = ("通报", "情况", "公告", "公示")


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


@dataclass
class Node:
    """A numbered heading with the paragraphs below it, or the root of the outline."""

    marker: Marker | None = None
    number: str = ""
    value: int = 0
    title: str = ""
    heading: str = ""  # the heading as written, kept when a node is folded into text
    text: list[str] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)


def parse(text: str) -> ParsedNotice:
    """Read a notice; raise NoProblemsFound when it lists no problems at all."""
    paragraphs = _paragraphs(text)
    title = ""
    if paragraphs and _is_notice_title(paragraphs[0]):
        title = paragraphs.pop(0)
    outline = _Outline()
    closing: list[str] = []
    # A phone number inside a problem's text (公布举报电话…) is no closing: only after the last heading.
    last_heading = max((i for i, p in enumerate(paragraphs) if _heading(p)), default=-1)
    for index, paragraph in enumerate(paragraphs):
        if (
            closing
            or markers.CLOSING_START.match(paragraph)
            or (index > last_heading and _gives_contacts(paragraph))
        ):
            closing.append(paragraph)
        elif not outline.add_heading(paragraph):
            outline.add_text(paragraph)

    problems, other = _sections(outline.root)
    findings = outline.findings
    aspects = [_aspect(node, findings) for node in problems]
    aspects = [aspect for aspect in aspects if aspect.categories]
    if not aspects:
        raise NoProblemsFound("no problems found")
    notice = ParsedNotice(
        title=markers.for_reading(title),
        preamble=markers.for_reading("\n".join(outline.root.text)),
        aspects=aspects,
        contacts=parse_contacts(markers.for_reading(" ".join(closing))),
        stated=stated(markers.for_matching("\n".join([title, *other]))),
        findings=findings,
    )
    findings.extend(compare(notice.stated, notice.found))
    if not notice.contacts:
        findings.append(Finding("no_contacts"))
    return notice


# Lines into paragraphs ------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    """Clean lines, joining the lines of a paragraph that a PDF or e-mail broke at a fixed width."""
    lines: list[tuple[str, int, bool]] = []  # (line, width on the page, after a blank line)
    blank = False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = markers.clean_line(raw)
        if line:
            lines.append((line, markers.display_width(raw.strip()), blank))
        blank = not line
    width = _wrap_width([line_width for _, line_width, _ in lines])
    paragraphs: list[str] = []
    previous_width = 0
    for line, line_width, after_blank in lines:
        if (
            paragraphs
            and width
            and not after_blank
            and previous_width >= width - 3
            and paragraphs[-1][-1] not in markers.SENTENCE_END
            and not _starts_block(line)
        ):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        previous_width = line_width
    return paragraphs


def _wrap_width(widths: list[int]) -> int | None:
    """The width the text was wrapped at, if it was: several lines as wide as the widest."""
    if not widths:
        return None
    widest = max(widths)
    full = sum(w >= widest - 3 for w in widths)
    return widest if full >= 3 and full >= len(widths) // 5 else None


def _starts_block(line: str) -> bool:
    """A line that begins a heading or a rectification text never continues the line above."""
    matchable = markers.for_matching(line)
    return any(m.pattern.match(matchable) for m in markers.MARKERS) or any(
        i.pattern.match(matchable) for i in markers.INTROS
    )


def _is_notice_title(paragraph: str) -> bool:
    return (
        len(paragraph) <= 80
        and paragraph.endswith(NOTICE_TITLE)
        and "。" not in paragraph
        and not _starts_block(paragraph)
    )


def _gives_contacts(paragraph: str) -> bool:
    """A paragraph that gives a body's phone number belongs to the closing invitation."""
    matchable = markers.for_matching(paragraph)
    return any(
        phone.start() >= 2 and "电话" in matchable[max(0, phone.start() - 8) : phone.start()]
        for phone in markers.PHONE.finditer(matchable)
    )


# Paragraphs into an outline -------------------------------------------------------------------


class _Outline:
    """The numbered headings, nested as the notice nests them, and the text under each."""

    def __init__(self) -> None:
        self.root = Node()
        self.path: list[Node] = [self.root]
        self.last: dict[str, int] = {}  # the last number seen of each style, across parents
        self.findings: list[Finding] = []

    def add_heading(self, paragraph: str) -> bool:
        """Place a numbered heading in the outline; False when the paragraph is no heading."""
        heading = _heading(paragraph)
        if heading is None:
            return False
        marker, number, rest = heading
        value = markers.number_value(number)
        depth = self._depth_for(marker, value)
        if depth is None:
            return False
        title, text = _split_heading(rest)
        node = Node(marker, number, value, title, paragraph, [text] if text else [])
        self.path = self.path[:depth]
        self.path[-1].children.append(node)
        self.path.append(node)
        self.last[marker.kind] = value
        if len(title) > TITLE_MAX:
            self.findings.append(Finding("long_title", {"heading": paragraph[:20]}))
        return True

    def add_text(self, paragraph: str) -> None:
        self.path[-1].text.append(paragraph)

    def _depth_for(self, marker: Marker, value: int) -> int | None:
        """Where a heading goes: the depth of its parent's children, or None if it fits nowhere."""
        for depth in range(len(self.path) - 1, 0, -1):
            open_node = self.path[depth]
            if open_node.marker is not None and open_node.marker.kind == marker.kind:
                previous = open_node.value
                if not previous < value <= previous + 3:
                    return None  # 1. inside an item's text under category 1., say
                if value > previous + 1:
                    self.findings.append(
                        Finding("numbering_gap", {"previous": open_node.number, "number": value})
                    )
                return depth
        parent = self.path[-1]
        if value == 1 or value == self.last.get(marker.kind, 0) + 1 or not parent.children:
            return len(self.path)
        return None


def _heading(paragraph: str) -> tuple[Marker, str, str] | None:
    """The heading's style, number and the rest of the paragraph, if it starts with a number."""
    matchable = markers.for_matching(paragraph)
    for marker in markers.MARKERS:
        if match := marker.pattern.match(matchable):
            return marker, match[1], paragraph[match.end() :].strip()
    return None


def _split_heading(rest: str) -> tuple[str, str]:
    """Split a heading into its title and any text written on the same line."""
    title, text = rest, ""
    if end := markers.TITLE_END.search(markers.for_matching(rest)):
        title = rest[: end.start()]
        text = rest[end.start() :] if end[0] not in "。;；" else rest[end.end() :]
    return _clean_title(title), text.strip()


def _clean_title(title: str) -> str:
    title = markers.for_reading(title).strip().rstrip(markers.TITLE_TRAILING)
    for wrapper, plain in markers.TITLE_WRAPPERS:
        if match := wrapper.match(title):
            return plain.format(inner=match["inner"].strip())
    return title


# The outline read as a catalog ----------------------------------------------------------------


def _sections(root: Node) -> tuple[list[Node], list[str]]:
    """The aspects of the notice, and the text of everything else (where totals are stated)."""
    containers = [node for node in root.children if _is_container(node.title)]
    if containers:
        aspects = [child for node in containers for child in node.children]
        if not any(aspect.children for aspect in aspects):
            aspects = containers  # a flat list of problems: the section is the one aspect
        rest = [node for node in root.children if node not in containers]
        own = [text for node in containers for text in (node.title, *node.text)]
        return aspects, [*root.text, *own, *_all_text(rest)]
    aspects = [node for node in root.children if not _is_not_problems(node.title)]
    rest = [node for node in root.children if node not in aspects]
    return aspects, [*root.text, *_all_text(rest)]


def _is_container(title: str) -> bool:
    return (
        bool(markers.CONTAINER.search(title))
        and not title.startswith(("关于", "在"))
        and not any(q in title for q in markers.QUOTES)
    )


def _is_not_problems(title: str) -> bool:
    return any(cue in title for cue in markers.NOT_PROBLEMS)


def _all_text(nodes: list[Node]) -> list[str]:
    texts: list[str] = []
    for node in nodes:
        texts.extend([node.title, *node.text])
        texts.extend(_all_text(node.children))
    return texts


def _aspect(node: Node, findings: list[Finding]) -> ParsedAspect:
    aspect = ParsedAspect(_number(node), node.title)
    codes: set[str] = set()
    for category_node in node.children:
        category = ParsedCategory(_number(category_node), category_node.title)
        if category_node.children:
            for item_node in category_node.children:
                code = f"{aspect.number}.{category.number}.{_item_number(item_node)}"
                text = _rectification(_text_of(item_node))
                category.items.append(_item(code, item_node.title, text))
        else:
            code = f"{aspect.number}.{category.number}"
            category.items.append(_item(code, category.title, _rectification(category_node.text)))
            category.is_item = True
        for item in category.items:
            if item.code in codes:
                findings.append(Finding("duplicate_code", {"code": item.code}))
                item.code = _unique(item.code, codes)
            codes.add(item.code)
            if not item.rectification:
                findings.append(Finding("no_rectification", {"code": item.code}))
        aspect.categories.append(category)
    if not node.children:
        findings.append(Finding("empty_aspect", {"number": aspect.number, "title": node.title}))
    return aspect


def _item(code: str, title: str, rectification: str) -> ParsedItem:
    item_status, cue = status.infer(rectification)
    return ParsedItem(code, title, rectification, item_status, cue)


def _number(node: Node) -> str:
    return markers.for_reading(node.number)


def _item_number(node: Node) -> str:
    assert node.marker is not None
    return node.marker.code.format(n=_number(node))


def _text_of(node: Node) -> list[str]:
    """A node's paragraphs, with any deeper numbered points kept inside them as written."""
    paragraphs = list(node.text)
    for child in node.children:
        paragraphs.append(child.heading)
        paragraphs.extend(_text_of(child))
    return paragraphs


def _rectification(paragraphs: list[str]) -> str:
    """The text as stored: a generic 整改情况： dropped, a telling 整改进展： kept."""
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
