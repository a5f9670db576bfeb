"""A notice's paragraphs nested under its numbered headings, as the notice nests them.

A heading of a style already open is a sibling when its number follows on; a heading of a new style
opens a deeper level when it starts at 1. Plain paragraphs are the text of the heading above them.
Two guards keep a rectification's own numbered points in its text: once a heading's text has begun
with what was done (整改情况：…), a new numbering style below it is text; and the weak 一是 style is a
heading only where no rectification has begun.
"""

from dataclasses import dataclass, field

from feedback.notices import markers
from feedback.notices.markers import Marker
from feedback.notices.paragraphs import Paragraph
from feedback.notices.totals import Finding

TITLE_MAX = 60  # a longer title probably swallowed the start of its text


@dataclass
class Node:
    """A numbered heading with the paragraphs below it, or the root of the outline."""

    marker: Marker | None = None
    number: str = ""
    value: int = 0
    title: str = ""
    heading: str = ""  # the heading's paragraph as written, kept when a node is folded into text
    line: int = 0
    text: list[str] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)
    rectifying: bool = False  # its text has begun to say what was done
    problem: bool = False  # titled as one problem: 关于……的问题
    inline: int = 0  # 1 when its first text was written on the heading's own line

    def add_text(self, text: str) -> None:
        self.text.append(text)
        if markers.intro(text) is not None:
            self.rectifying = True

    def depth(self) -> int:
        """Levels of headings below this one."""
        return 1 + max((child.depth() for child in self.children), default=0)

    def nodes(self) -> list["Node"]:
        """This node's descendants, in reading order."""
        return [n for child in self.children for n in (child, *child.nodes())]

    def fold_measures(self) -> None:
        """Under a heading titled as one problem, points that never say 整改情况： are its measures
        (关于……的问题 / 1.强化理论武装… / 2.…): they become its text."""
        if self.problem and self.children and not self.says_what_was_done():
            self.text = text_of(self)
            self.children = []
            self.rectifying = True
        for child in self.children:
            child.fold_measures()

    def says_what_was_done(self) -> bool:
        """The node or one below it gives a rectification: a problem, not a work section."""
        return self.rectifying or any(child.says_what_was_done() for child in self.children)


def text_of(node: Node) -> list[str]:
    """A node's paragraphs, with any deeper numbered points kept inside them as written."""
    paragraphs = list(node.text)
    for child in node.children:
        paragraphs.append(child.heading)
        paragraphs.extend(text_of(child)[child.inline :])
    return paragraphs


class Outline:
    """The numbered headings, nested as the notice nests them, and the text under each."""

    def __init__(self) -> None:
        self.root = Node()
        self.path: list[Node] = [self.root]
        self.last: dict[str, int] = {}  # the last number seen of each style, across parents
        self.findings: list[Finding] = []

    def add(self, paragraph: Paragraph) -> None:
        if not self._add_heading(paragraph):
            self.add_text(paragraph.text)

    def add_text(self, text: str) -> None:
        self.path[-1].add_text(text)

    def add_table(self, rows: list[Node]) -> None:
        """A table's problems go below the heading they stand under."""
        self.path[-1].children.extend(rows)

    def _add_heading(self, paragraph: Paragraph) -> bool:
        """Place a numbered heading in the outline; False when the paragraph is no heading."""
        found = heading(paragraph.text)
        if found is None:
            return False
        marker, number, rest = found
        value = markers.number_value(number)
        depth = self._depth_for(marker, value, paragraph.line)
        if depth is None:
            if marker.strong and not self.path[-1].rectifying:
                self.findings.append(
                    Finding("read_as_text", {"line": paragraph.line, "start": paragraph.text[:12]})
                )
            return False
        title, text = split_heading(rest)
        node = Node(marker, number, value, title, paragraph.text, paragraph.line)
        node.problem = bool(markers.PROBLEM_TITLE.match(markers.for_matching(rest)))
        self.path = self.path[:depth]
        self.path[-1].children.append(node)
        self.path.append(node)
        self.last[marker.kind] = value
        if text:
            self.add_text(text)
            node.inline = 1
        if len(title) > TITLE_MAX:
            self.findings.append(
                Finding("long_title", {"line": paragraph.line, "heading": paragraph.text[:20]})
            )
        return True

    def _depth_for(self, marker: Marker, value: int, line: int) -> int | None:
        """Where a heading goes: the depth of its parent's children, or None if it fits nowhere."""
        for depth in range(len(self.path) - 1, 0, -1):
            open_node = self.path[depth]
            if open_node.marker is not None and open_node.marker.kind == marker.kind:
                previous = open_node.value
                if not previous < value <= previous + 3:
                    return None  # 1. inside an item's text under category 1., say
                if value > previous + 1:
                    self.findings.append(
                        Finding(
                            "numbering_gap",
                            {"line": line, "previous": open_node.number, "number": value},
                        )
                    )
                return depth
        parent = self.path[-1]
        if parent.rectifying or (not marker.strong and parent.text):
            return None  # points of what was done, or 一是 inside a paragraph's run of text
        if value == 1 or value == self.last.get(marker.kind, 0) + 1 or not parent.children:
            return len(self.path)
        return None


def heading(text: str) -> tuple[Marker, str, str] | None:
    """The heading's style, number and the rest of the paragraph, if it starts with a number."""
    matchable = markers.for_matching(text)
    for marker in markers.MARKERS:
        if match := marker.pattern.match(matchable):
            return marker, match[1], text[match.end() :].strip()
    return None


def split_heading(rest: str) -> tuple[str, str]:
    """Split a heading into its title and any text written on the same line."""
    end = markers.title_end(markers.for_matching(rest))
    if end is None:
        return clean_title(rest), ""
    start, stop = end
    title = rest[:start]
    text = rest[stop:]
    return clean_title(title), text.strip()


def clean_title(title: str) -> str:
    title = markers.TITLE_LABEL.sub("", markers.for_reading(title).strip())
    title = title.rstrip(markers.TITLE_TRAILING)
    for wrapper, plain in markers.TITLE_WRAPPERS:
        if match := wrapper.match(title):
            return plain.format(inner=match["inner"].strip())
    return title
