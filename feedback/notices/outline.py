"""Structural edits of a draft notice's tree: add, delete, split, merge, move and re-level rows.

The tree is handled as a flat list of rows in reading order, each with a level: 1 an aspect,
2 a category, 3 an item. A row's children are the deeper rows that follow it. A category row
without children is itself an item (code 二.3), with a text and a status; one with children
holds items (二.4.(1)) and has no text of its own, nor has an aspect. Each operation works on a
copy of the list, checks it, and only then stores it: the draft's aspects, categories and items
are replaced and renumbered in the numbering style the notice used at each level.

Only a draft is changed so: a published notice's items are named by cases (editing.py).
These functions flush; the caller commits.
"""

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from feedback.extensions import DbSession
from feedback.models import Aspect, AuditAction, Case, Category, Item, ItemStatus, Notice, User
from feedback.notices.errors import NoticeError
from feedback.notices.parser import ParsedNotice
from feedback.staff import audit

ASPECT, CATEGORY, ITEM = 1, 2, 3
TITLE_MAX = 300
TEXT_MAX = 20_000


@dataclass(frozen=True)
class Row:
    """One aspect, category or item of the tree, with what the administrator may have set."""

    level: int
    title: str
    text: str = ""
    status: ItemStatus = ItemStatus.DONE
    status_cue: str = ""
    status_by_hand: bool = False


@dataclass(frozen=True)
class Styles:
    """How the notice numbers each level: "cn" 一, "arabic" 1, "circled" ①; items may be (1)."""

    aspect: str = "cn"
    category: str = "arabic"
    item: str = "arabic"
    item_paren: bool = True


# Reading the tree -------------------------------------------------------------------------


def rows_of(notice: Notice) -> list[Row]:
    """The notice's tree as rows in reading order."""
    return [row for row, _code in numbered(notice)]


def numbered(notice: Notice) -> list[tuple[Row, str]]:
    """The rows with the numbers citizens see: 二, 二.4, 二.4.(1)."""
    rows = []
    for aspect in notice.aspects:
        rows.append((Row(ASPECT, aspect.title), aspect.number))
        for category in aspect.categories:
            if _is_item(category):
                item = category.items[0]
                rows.append((_item_row(CATEGORY, item), item.code))
                continue
            rows.append((Row(CATEGORY, category.title), f"{aspect.number}.{category.number}"))
            rows.extend((_item_row(ITEM, item), item.code) for item in category.items)
    return rows


def rows_parsed(parsed: ParsedNotice) -> list[Row]:
    """The rows a parsed notice would be stored as."""
    rows = []
    for aspect in parsed.aspects:
        rows.append(Row(ASPECT, aspect.title))
        for category in aspect.categories:
            if category.is_item:
                item = category.items[0]
                rows.append(
                    Row(CATEGORY, item.title, item.rectification, item.status, item.status_cue)
                )
                continue
            rows.append(Row(CATEGORY, category.title))
            rows.extend(
                Row(ITEM, i.title, i.rectification, i.status, i.status_cue) for i in category.items
            )
    return rows


def edited_rows(notice: Notice, parsed: ParsedNotice) -> int:
    """How many of the draft's rows differ from those its stored text gives: edited by hand,
    or made by these operations. Reading the text again would replace them."""
    given = Counter((r.level, r.title, r.text) for r in rows_parsed(parsed))
    now = Counter((r.level, r.title, r.text) for r in rows_of(notice))
    return (now - given).total()


def _is_item(category: Category) -> bool:
    """A category whose one item is itself: its code has two parts, such as 二.3."""
    return len(category.items) == 1 and category.items[0].code.count(".") == 1


def _item_row(level: int, item: Item) -> Row:
    return Row(
        level, item.title, item.rectification, item.status, item.status_cue, item.status_by_hand
    )


def version(notice: Notice) -> str:
    """A fingerprint of the tree and the source text: a form drawn from another one is stale."""
    digest = hashlib.sha256(notice.source_text.encode())
    for row in rows_of(notice):
        fields = (row.level, row.title, row.text, row.status.value, row.status_by_hand)
        digest.update(repr(fields).encode())
    return digest.hexdigest()[:16]


def check_version(notice: Notice, seen: str) -> None:
    if seen != version(notice):
        raise NoticeError(
            "version",
            _l(
                "The notice changed after this page was opened (in another tab, perhaps). "
                "Nothing was done: look at the notice as it is now and try again."
            ),
        )


def children_end(rows: list[Row], index: int) -> int:
    """The index after the row's last descendant."""
    end = index + 1
    while end < len(rows) and rows[end].level > rows[index].level:
        end += 1
    return end


def has_children(rows: list[Row], index: int) -> bool:
    return children_end(rows, index) > index + 1


def paragraphs(row: Row) -> list[str]:
    return [line for line in row.text.split("\n") if line.strip()]


# The operations: each returns a new list, checked ----------------------------------------


def change(
    session: DbSession,
    actor: User | None,
    notice: Notice,
    seen: str,
    step: str,
    index: int,
    operation: Callable[[list[Row]], list[Row]],
) -> None:
    """Do one operation on the draft's rows as the page showed them, store it, and audit it."""
    check_draft(session, notice)
    check_version(notice, seen)
    lines = numbered(notice)
    styles = styles_of(notice)
    rows = operation([row for row, _code in lines])
    store(session, notice, rows, styles)
    row, code = lines[index]
    detail = f"{notice.slug}; {step} {code} {row.title}"
    audit.record(session, actor, AuditAction.NOTICE_CHANGED, detail=detail)


def add(rows: list[Row], index: int, row: Row, inside: bool = False) -> list[Row]:
    """A new row after the row and its children, at its level; or as its first child."""
    _at(rows, index)
    _title(row.title)
    if inside:
        return _checked(
            [*rows[: index + 1], replace(row, level=rows[index].level + 1), *rows[index + 1 :]]
        )
    end = children_end(rows, index)
    return _checked([*rows[:end], replace(row, level=rows[index].level), *rows[end:]])


def delete(rows: list[Row], index: int) -> list[Row]:
    """Remove a row without children; the notice keeps at least one problem.

    A category whose only item goes is left without rows below it: it is then a problem itself.
    """
    _at(rows, index)
    if has_children(rows, index):
        raise NoticeError(
            "row",
            _l(
                "“%(title)s” has rows below it: delete or move them first.", title=rows[index].title
            ),
        )
    problems = [i for i, row in enumerate(rows) if row.level > ASPECT and not has_children(rows, i)]
    if problems == [index]:
        raise NoticeError("row", _l("A notice keeps at least one problem: this is the last one."))
    return _checked([*rows[:index], *rows[index + 1 :]])


def split(rows: list[Row], index: int, at: int, title: str) -> list[Row]:
    """Cut the row's text before its paragraph `at` (counted from 1); the rest becomes a new row."""
    row = _at(rows, index)
    parts = paragraphs(row)
    if row.level == ASPECT or has_children(rows, index) or len(parts) < 2:
        raise NoticeError(
            "at", _l("Only a problem whose text has two paragraphs or more can be split.")
        )
    if not 2 <= at <= len(parts):
        raise NoticeError(
            "at",
            _l("Choose a paragraph from 2 to %(count)d to start the new row.", count=len(parts)),
        )
    first = replace(row, text="\n".join(parts[: at - 1]))
    second = replace(row, title=_title(title), text="\n".join(parts[at - 1 :]))
    return _checked([*rows[:index], first, second, *rows[index + 1 :]])


def merge(rows: list[Row], index: int) -> list[Row]:
    """Join the row with its next sibling: texts joined, the second title kept as a text line.

    The merged problem is ongoing if either was, and set by hand if either was. Two headings
    (rows with rows below them) merge their children under the first title.
    """
    row = _at(rows, index)
    following = _next_sibling(rows, index)
    if following is None:
        raise NoticeError(
            "row", _l("“%(title)s” has no next row at its level to merge with.", title=row.title)
        )
    other = rows[following]
    headings = row.level == ASPECT or has_children(rows, index) or has_children(rows, following)
    lines = [row.text] if row.text else []
    if other.title != row.title and not headings:
        lines.append(other.title)
    if other.text:
        lines.append(other.text)
    ongoing = ItemStatus.ONGOING in (row.status, other.status)
    merged = replace(
        row,
        text="\n".join(lines),
        status=ItemStatus.ONGOING if ongoing else ItemStatus.DONE,
        status_cue=row.status_cue or other.status_cue,
        status_by_hand=row.status_by_hand or other.status_by_hand,
    )
    return _checked([*rows[:index], merged, *rows[index + 1 : following], *rows[following + 1 :]])


def move(rows: list[Row], index: int, up: bool) -> list[Row]:
    """Move the row with its children past its sibling; at either end, into the next parent."""
    row = _at(rows, index)
    end = children_end(rows, index)
    block, rest = rows[index:end], [*rows[:index], *rows[end:]]
    if up:
        sibling = _previous_sibling(rows, index)
        if sibling is not None:
            place = sibling
        elif (parent := _parent(rows, index)) is not None and _previous_sibling(
            rows, parent
        ) is not None:
            place = parent  # last in the parent's previous sibling, which ends at the parent
        else:
            raise NoticeError("row", _l("“%(title)s” cannot move further up.", title=row.title))
    else:
        sibling = _next_sibling(rows, index)
        if sibling is not None:
            place = children_end(rows, sibling) - len(block)
        elif (parent := _parent(rows, index)) is not None and (
            uncle := _next_sibling(rows, parent)
        ) is not None:
            place = uncle + 1 - len(block)  # the first child of the parent's next sibling
        else:
            raise NoticeError("row", _l("“%(title)s” cannot move further down.", title=row.title))
    return _checked([*rest[:place], *block, *rest[place:]])


def indent(rows: list[Row], index: int) -> list[Row]:
    """The row, with its children, becomes the last child of the row before it at its level."""
    row = _at(rows, index)
    end = children_end(rows, index)
    if any(r.level >= ITEM for r in rows[index:end]):
        raise NoticeError("row", _l("A notice has three levels: aspect, category and item."))
    if _previous_sibling(rows, index) is None:
        raise NoticeError(
            "row",
            _l("“%(title)s” has no row before it at its level to go under.", title=row.title),
        )
    shifted = [replace(r, level=r.level + 1) for r in rows[index:end]]
    return _checked([*rows[:index], *shifted, *rows[end:]])


def outdent(rows: list[Row], index: int) -> list[Row]:
    """The row, with its children, leaves its parent and follows it, one level up."""
    _at(rows, index)
    parent = _parent(rows, index)
    if parent is None:
        raise NoticeError("row", _l("An aspect is already at the top level."))
    end = children_end(rows, index)
    block = [replace(r, level=r.level - 1) for r in rows[index:end]]
    rest = [*rows[:index], *rows[end:]]
    place = children_end(rest, parent)
    return _checked([*rest[:place], *block, *rest[place:]])


def _at(rows: list[Row], index: int) -> Row:
    if not 0 <= index < len(rows):
        raise NoticeError("row", _l("That row is not in the notice."))
    return rows[index]


def _title(title: str) -> str:
    title = title.strip()
    if not title:
        raise NoticeError("title", _l("Give the new row a title."))
    if len(title) > TITLE_MAX or "\n" in title:
        raise NoticeError(
            "title", _l("A title is one line of at most %(max)d characters.", max=TITLE_MAX)
        )
    return title


def _parent(rows: list[Row], index: int) -> int | None:
    level = rows[index].level
    for i in range(index - 1, -1, -1):
        if rows[i].level < level:
            return i
    return None


def _previous_sibling(rows: list[Row], index: int) -> int | None:
    level = rows[index].level
    for i in range(index - 1, -1, -1):
        if rows[i].level == level:
            return i
        if rows[i].level < level:
            return None
    return None


def _next_sibling(rows: list[Row], index: int) -> int | None:
    following = children_end(rows, index)
    if following < len(rows) and rows[following].level == rows[index].level:
        return following
    return None


def _checked(rows: list[Row]) -> list[Row]:
    """Refuse a list that is no tree, or that would lose a text."""
    if not rows or rows[0].level != ASPECT:
        raise NoticeError("row", _l("The first row must be an aspect."))
    previous = ASPECT
    for index, row in enumerate(rows):
        if not ASPECT <= row.level <= ITEM or row.level > previous + 1:
            raise NoticeError("row", _l("A notice has three levels: aspect, category and item."))
        previous = row.level
        if row.text and row.level == ASPECT:
            raise NoticeError("text", _l("An aspect has a title only, no text."))
        if row.text and has_children(rows, index):
            raise NoticeError(
                "row",
                _l(
                    "“%(title)s” would hold rows below it and lose its own text: "
                    "split or move the text first.",
                    title=row.title,
                ),
            )
        if len(row.text) > TEXT_MAX:
            raise NoticeError("row", _l("A text is at most %(max)d characters.", max=TEXT_MAX))
    return rows


def check_publishable(rows: list[Row]) -> None:
    """Every aspect lists at least one problem before the notice is published."""
    for index, row in enumerate(rows):
        if row.level == ASPECT and not has_children(rows, index):
            raise NoticeError(
                "notice",
                _l(
                    "The aspect “%(title)s” lists no problem: add one, or delete it.",
                    title=row.title,
                ),
            )


# Storing the tree --------------------------------------------------------------------------


CN = "一二三四五六七八九"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ITEM_PART = re.compile(r"^(\()?(.+?)\)?(?:-\d+)?$")


def styles_of(notice: Notice) -> Styles:
    """The numbering the notice uses at each level, read from its stored numbers and codes."""
    aspects = [a.number for a in notice.aspects]
    categories = [c.number for a in notice.aspects for c in a.categories]
    parts = [
        item.code.split(".", 2)[2]
        for a in notice.aspects
        for c in a.categories
        for item in c.items
        if item.code.count(".") >= 2
    ]
    matches = [m for part in parts if (m := _ITEM_PART.match(part))]
    base = Styles()
    return Styles(
        aspect=_style(aspects, base.aspect),
        category=_style(categories, base.category),
        item=_style([m[2] for m in matches], base.item),
        item_paren=bool(matches[0][1]) if matches else base.item_paren,
    )


def _style(numbers: list[str], default: str) -> str:
    for number in numbers:
        if number in CIRCLED:
            return "circled"
        if number.isdigit():
            return "arabic"
        if number and all(c in CN + "十" for c in number):
            return "cn"
    return default


def numeral(n: int, style: str) -> str:
    """n written in the style: 3 → 三, 12 → 十二, ③ or 3; a style that stops short uses digits."""
    if style == "circled" and n <= len(CIRCLED):
        return CIRCLED[n - 1]
    if style == "cn" and n < 100:
        tens, ones = divmod(n, 10)
        head = "" if tens == 0 else ("十" if tens == 1 else CN[tens - 1] + "十")
        return head + (CN[ones - 1] if ones else "")
    return str(n)


def store(session: DbSession, notice: Notice, rows: list[Row], styles: Styles) -> None:
    """Replace the draft's tree with the rows, numbered anew; refused if any case names it."""
    check_draft(session, notice)
    _checked(rows)
    notice.aspects.clear()
    session.flush()  # the old rows go first: the new ones take their codes and positions
    aspect: Aspect | None = None
    category: Category | None = None
    for row in rows:
        if row.level == ASPECT:
            aspect = Aspect(
                position=len(notice.aspects) + 1,
                number=numeral(len(notice.aspects) + 1, styles.aspect),
                title=row.title,
            )
            notice.aspects.append(aspect)
        elif row.level == CATEGORY:
            assert aspect is not None
            category = Category(
                position=len(aspect.categories) + 1,
                number=numeral(len(aspect.categories) + 1, styles.category),
                title=row.title,
            )
            aspect.categories.append(category)
            category.items.append(_item(notice, row, f"{aspect.number}.{category.number}", 1))
        else:
            assert aspect is not None and category is not None
            if len(category.items) == 1 and category.items[0].code.count(".") == 1:
                category.items.clear()  # the category holds items: it is no item itself
            n = len(category.items) + 1
            part = numeral(n, styles.item)
            part = f"({part})" if styles.item_paren else part
            code = f"{aspect.number}.{category.number}.{part}"
            category.items.append(_item(notice, row, code, n))
    session.flush()


def _item(notice: Notice, row: Row, code: str, position: int) -> Item:
    return Item(
        notice_id=notice.id,
        position=position,
        code=code,
        title=row.title,
        rectification=row.text,
        status=row.status,
        status_cue=row.status_cue,
        status_by_hand=row.status_by_hand,
    )


def check_draft(session: DbSession, notice: Notice) -> None:
    """Structural edits are for drafts that no case names: a case keeps its item's id."""
    if notice.published_at is not None:
        raise NoticeError(
            "notice",
            _l(
                "A published notice keeps its items: cases point at them. "
                "Correct titles, texts and statuses in place instead."
            ),
        )
    held = session.scalar(
        select(func.count())
        .select_from(Case)
        .outerjoin(Item, Case.item_id == Item.id)
        .where((Case.notice_id == notice.id) | (Item.notice_id == notice.id))
    )
    if held:
        raise NoticeError(
            "notice", _l("Cases already name this notice's items: its rows cannot be replaced.")
        )
