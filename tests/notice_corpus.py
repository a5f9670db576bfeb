"""Score the notice parser against a corpus of real-world notice layouts (tests/notices/corpus/).

Each notice `<name>.txt` (or `<name>.csv`, a table saved from Excel) comes with `<name>.json`: the
reading a careful person gives it, written by hand. It holds the tree of problems (aspects →
categories → items; a category without sub-problems is itself an item), each problem's title, the
first words of what was done and its status, the totals the notice states about itself, the bodies
its closing paragraph names and the hotlines or websites it gives for information only. A JSON file
may name its text elsewhere in the repository with "source" (the seed notice lives in the package).

The scorer parses each notice and compares it field by field; a notice the parser cannot read
scores nothing.

    python tests/notice_corpus.py            the table: format, fields right / total
    python tests/notice_corpus.py -v [name]  and each mismatch: field, expected, got
"""

import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from feedback.notices.contacts import roles
from feedback.notices.parser import parse

CORPUS = Path(__file__).resolve().parent / "notices" / "corpus"
ROOT = Path(__file__).resolve().parent.parent
TOTALS = ("aspects", "categories", "items", "done", "ongoing", "tasks")
# A label in front of what was done says nothing about it: 整改情况：, 整改措施：, 整改结果：…
LABEL = re.compile(r"^\s*整改(?:落实)?(?:情况|措施|结果|进展|成效)\s*[:：]\s*")
_FULL_WIDTH_ALNUM = {
    code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if chr(code - 0xFEE0).isalnum()
}


@dataclass(frozen=True)
class Mismatch:
    field: str
    expected: Any
    got: Any


@dataclass
class Score:
    name: str
    format: str
    right: int = 0
    total: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    def check(self, name: str, expected: Any, got: Any, ok: bool | None = None) -> None:
        """Count one field; it is right when `ok` says so, else when the values are equal."""
        self.total += 1
        if expected == got if ok is None else ok:
            self.right += 1
        else:
            self.mismatches.append(Mismatch(name, expected, got))


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    expected: dict[str, Any]

    @property
    def format(self) -> str:
        return str(self.expected["format"])


def names() -> list[str]:
    return sorted(path.stem for path in CORPUS.glob("*.json"))


def load(name: str) -> Case:
    expected = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
    if source := expected.get("source"):
        return Case(name, (ROOT / source).read_text(encoding="utf-8"), expected)
    table = CORPUS / f"{name}.csv"
    if table.exists():
        return Case(name, table_text(table.read_text(encoding="utf-8-sig")), expected)
    return Case(name, (CORPUS / f"{name}.txt").read_text(encoding="utf-8"), expected)


def table_text(data: str) -> str:
    """A CSV table as the import reads a table: one line per row, cells joined by a TAB."""
    rows = csv.reader(io.StringIO(data, newline=""))
    return "\n".join("\t".join(" ".join(cell.split()) for cell in row) for row in rows)


def score(case: Case) -> Score:
    """Parse the notice and hold each field against what the reader expects."""
    result = Score(case.name, case.format)
    expected = case.expected
    try:
        parsed: Any = parse(case.text)
        result.check("parse", "parsed", "parsed")
    except Exception as error:  # a notice the parser cannot read scores nothing
        parsed = SimpleNamespace(
            title=None, aspects=[], contacts=[], stated=SimpleNamespace(), information=[]
        )
        result.check("parse", "parsed", repr(error))
    _text(result, "title", expected["title"] or "", parsed.title)
    _tree(result, expected["tree"], parsed)
    for total in TOTALS:
        got = getattr(parsed.stated, total, None)
        result.check(f"stated.{total}", expected["stated"].get(total), got)
    _contacts(result, expected, parsed)
    _information(result, expected["information"], parsed)
    return result


def plain(text: Any) -> Any:
    """Text compared as read: full-width letters and digits made half-width, ends trimmed."""
    return text.translate(_FULL_WIDTH_ALNUM).strip() if isinstance(text, str) else text


def _tree(result: Score, aspects: list[dict[str, Any]], parsed: Any) -> None:
    categories = [category for aspect in aspects for category in aspect["categories"]]
    items = sum(len(category.get("items", [category])) for category in categories)
    got_categories = [category for aspect in parsed.aspects for category in aspect.categories]
    result.check("count.aspects", len(aspects), len(parsed.aspects))
    result.check("count.categories", len(categories), len(got_categories))
    result.check("count.items", items, sum(len(c.items) for c in got_categories))
    for a, aspect in enumerate(aspects):
        got_aspect = _at(parsed.aspects, a)
        if aspect["title"] is not None:
            _text(result, f"tree[{a}].title", aspect["title"], got_aspect and got_aspect.title)
        for c, category in enumerate(aspect["categories"]):
            got_category = _at(got_aspect.categories if got_aspect else [], c)
            path = f"tree[{a}][{c}]"
            _text(result, f"{path}.title", category["title"], got_category and got_category.title)
            sub_items = category.get("items")
            got_items = got_category.items if got_category else []
            for i, item in enumerate(sub_items or [category]):
                got_item = _at(got_items, i)
                item_path = f"{path}[{i}]" if sub_items else path
                if sub_items:
                    _text(result, f"{item_path}.title", item["title"], got_item and got_item.title)
                _item(result, item_path, item, got_item)


def _text(result: Score, path: str, expected: str, got: Any) -> None:
    result.check(path, expected, got, plain(expected) == plain(got))


def _item(result: Score, path: str, item: dict[str, Any], got: Any) -> None:
    text = plain(LABEL.sub("", got.rectification).replace("\n", "")) if got else None
    ok = text is not None and text.startswith(plain(item["text"]))
    result.check(f"{path}.text", item["text"], text and text[:30], ok)
    if item["status"] is not None:
        result.check(f"{path}.status", item["status"], got and str(got.status.value))


def _at(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


def _contacts(result: Score, expected: dict[str, Any], parsed: Any) -> None:
    role_of = {id(c): role.value for role, c in roles(parsed.contacts, expected["unit"]).items()}
    left = list(parsed.contacts)
    for n, contact in enumerate(expected["contacts"]):
        got = next((c for c in left if plain(c.name) == plain(contact["name"])), None) or next(
            (c for c in left if set(c.phones) & set(contact["phones"])), None
        )
        if got is not None:
            left.remove(got)
        path = f"contacts[{n}]({contact['name'] or 'no office named'})"
        _text(result, f"{path}.name", contact["name"], got and got.name)
        result.check(f"{path}.phones", contact["phones"], got and got.phones)
        for part in ("address", "postcode"):
            _text(result, f"{path}.{part}", contact[part], got and getattr(got, part))
        result.check(f"{path}.email", contact["email"], got and got.email)
        result.check(f"{path}.role", contact["role"], got and role_of.get(id(got)))
    for extra in left:
        result.check("contacts.extra", None, f"{extra.name} {', '.join(extra.phones)}")


def _information(result: Score, tokens: list[str], parsed: Any) -> None:
    information = parsed.information
    phones = [phone for contact in parsed.contacts for phone in contact.phones]
    for token in tokens:
        listed = any(token in entry for entry in information)
        as_phone = [phone for phone in phones if token in phone]
        got = information if not listed else f"also a contact's phone: {as_phone}"
        result.check(f"information.{token}", token, got, listed and not as_phone)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    wanted = [arg for arg in argv if not arg.startswith("-")] or names()
    right = total = 0
    print(f"{'notice':26} {'right / total':>15}  format")
    for name in wanted:
        result = score(load(name))
        right, total = right + result.right, total + result.total
        share = f"{result.right} / {result.total}"
        print(f"{name:26} {share:>15}  {result.format}")
        if verbose:
            for mismatch in result.mismatches:
                print(f"    {mismatch.field}: expected {mismatch.expected!r}, got {mismatch.got!r}")
    print(f"{'all':26} {f'{right} / {total}':>15}  ({right / max(total, 1):.0%} of the fields)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
