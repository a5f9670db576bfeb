"""Parse the plain text of a rectification notice (整改情况通报) into its tree of problems.

A notice has numbered sections (一、二、三、); the one that lists problems holds aspects
((一) … 方面), categories (1. …) and items ((1) …), each followed by its rectification text
(整改情况：…). A category with no items is itself an item. The closing paragraph names the
receiving bodies with their phone numbers and, for some, an address and postcode.
"""

import re
import unicodedata
from dataclasses import dataclass, field

SECTION = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+)$")
ASPECT = re.compile(r"^\(([一二三四五六七八九十]+)\)\s*(.+)$")
CATEGORY = re.compile(r"^(\d+)[.、]\s*(.+)$")
ITEM = re.compile(r"^\((\d+)\)\s*(.+)$")
RECTIFICATION = re.compile(r"^整改(?:情况|措施|进展|结果):\s*(.*)$")
CONTACT = re.compile(r"^(?P<name>.+?)(?:联系)?电话:?(?P<phone>\d{3,4}-\d{7,8})")
ADDRESS = re.compile(r"联系地址:(?P<address>[^,。]+)")
POSTCODE = re.compile(r"邮政编码:(?P<postcode>\d{6})")


@dataclass
class ParsedItem:
    code: str
    title: str
    rectification: str = ""


@dataclass
class ParsedCategory:
    number: str
    title: str
    items: list[ParsedItem] = field(default_factory=list)
    rectification: str = ""  # only when the category has no items of its own

    def as_items(self, aspect_number: str) -> list[ParsedItem]:
        """The category's items; a category without items is itself the one item."""
        if self.items:
            return self.items
        return [ParsedItem(f"{aspect_number}.{self.number}", self.title, self.rectification)]


@dataclass
class ParsedAspect:
    number: str
    title: str
    categories: list[ParsedCategory] = field(default_factory=list)


@dataclass
class ParsedContact:
    name: str
    phone: str
    address: str = ""
    postcode: str = ""


@dataclass
class ParsedNotice:
    preamble: str
    aspects: list[ParsedAspect]
    contacts: list[ParsedContact]

    @property
    def items(self) -> list[ParsedItem]:
        """Every item in order, a category without items counting as one item."""
        return [
            item
            for aspect in self.aspects
            for category in aspect.categories
            for item in category.as_items(aspect.number)
        ]


def parse(text: str) -> ParsedNotice:
    """Read a notice; raise ValueError when it lists no problems at all."""
    lines = [unicodedata.normalize("NFKC", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    preamble = lines[0] if lines and not SECTION.match(lines[0]) else ""
    aspects: list[ParsedAspect] = []
    in_problems = False
    target: ParsedItem | ParsedCategory | None = None
    closing: list[str] = []

    for line in lines:
        if section := SECTION.match(line):
            in_problems = "问题" in section[2]
            target = None
            continue
        if not in_problems:
            if line.startswith("欢迎") or closing:
                closing.append(line)
            continue
        if line.startswith("欢迎"):
            closing.append(line)
            in_problems = False
        elif aspect := ASPECT.match(line):
            aspects.append(ParsedAspect(aspect[1], aspect[2]))
            target = None
        elif aspects and (category := CATEGORY.match(line)):
            aspects[-1].categories.append(ParsedCategory(category[1], category[2]))
            target = aspects[-1].categories[-1]
        elif aspects and aspects[-1].categories and (item := ITEM.match(line)):
            code = f"{aspects[-1].number}.{aspects[-1].categories[-1].number}.({item[1]})"
            aspects[-1].categories[-1].items.append(ParsedItem(code, item[2]))
            target = aspects[-1].categories[-1].items[-1]
        elif target is not None:
            rectification = RECTIFICATION.match(line)
            more = rectification[1] if rectification else line
            target.rectification = f"{target.rectification}\n{more}".strip()

    if not aspects:
        raise ValueError("no problems found")
    return ParsedNotice(preamble, aspects, _contacts(" ".join(closing)))


def _contacts(closing: str) -> list[ParsedContact]:
    contacts = []
    for sentence in re.split(r"[。;]", closing):
        sentence = sentence.strip()
        # The invitation sentence itself names bodies without numbers; skip to what follows it.
        sentence = sentence.split("反映。")[-1].split("反映")[-1].strip()
        if match := CONTACT.match(sentence):
            address = ADDRESS.search(sentence)
            postcode = POSTCODE.search(sentence)
            contacts.append(
                ParsedContact(
                    name=match["name"].strip(" ,"),
                    phone=match["phone"],
                    address=address["address"] if address else "",
                    postcode=postcode["postcode"] if postcode else "",
                )
            )
    return contacts
