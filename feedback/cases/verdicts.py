"""属实 / 不属实 / 不了解: a citizen's one-tap answer whether an item's rectification is real.

Anonymous and counted once per browser and item. The browser carries a random key in an HttpOnly
cookie (ANSWER_COOKIE); the database keeps only a keyed hash of that key and the item, so it
holds no address, cannot tell which answers came from one browser, and without SECRET_KEY cannot
match a cookie to its answers. Answering again changes the browser's answer, still counted once.
"""

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from feedback.cases import suppression
from feedback.extensions import DbSession
from feedback.models import ItemVerdict, Verdict
from feedback.notices import catalog

ANSWER_COOKIE = "answer_key"
COOKIE_AGE = 365 * 24 * 3600
KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 random bytes, URL-safe base64, unpadded


def new_browser_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def is_browser_key(text: str) -> bool:
    """Whether a cookie's value is a key `new_browser_key` could have made."""
    return KEY_SHAPE.fullmatch(text) is not None


def browser_hash(item_id: int, browser_key: str) -> str:
    """The keyed hash an answer keeps of the browser that gave it, different for every item."""
    server = hashlib.sha256(b"item-verdict:" + current_app.config["SECRET_KEY"].encode()).digest()
    message = f"{item_id}:{browser_key}".encode()
    return hmac.new(server, message, hashlib.sha256).hexdigest()


def given(session: DbSession, item_id: int, browser_key: str) -> Verdict | None:
    """The answer this browser gave about this item, if any."""
    return session.scalar(
        select(ItemVerdict.verdict).where(
            ItemVerdict.item_id == item_id,
            ItemVerdict.browser_hash == browser_hash(item_id, browser_key),
        )
    )


def record(
    session: DbSession, item_id: int, browser_key: str, verdict: Verdict, month: str
) -> Verdict | None:
    """Store this browser's answer about the item, or change it; return the one it replaced.

    Commits: the unique constraint decides between two taps of one browser sent at once.
    """
    hashed = browser_hash(item_id, browser_key)
    query = select(ItemVerdict).where(
        ItemVerdict.item_id == item_id, ItemVerdict.browser_hash == hashed
    )
    for _attempt in range(2):
        held = session.scalar(query)
        if held is not None:
            previous = held.verdict
            held.verdict, held.month = verdict, month
            session.commit()
            return previous
        session.add(ItemVerdict(item_id=item_id, browser_hash=hashed, verdict=verdict, month=month))
        try:
            session.commit()
            return None
        except IntegrityError:  # the other tap stored its answer first: change that one
            session.rollback()
    raise RuntimeError("the answer could be neither stored nor changed")


@dataclass(frozen=True)
class ItemAnswers:
    """How many answered 属实, 不属实 and 不了解 about one item, and in all; None means "少于5"."""

    item_id: int
    true: int | None
    untrue: int | None
    unknown: int | None
    total: int | None


def answers_per_item(session: DbSession, item_ids: Iterable[int]) -> dict[int, ItemAnswers]:
    """The answers about each item (of one notice, in its order), with small counts hidden.

    Each item's three counts add up to its total, and each answer's counts over the items add up
    to the notice's total of that answer (shown as the key 0): both kinds of line are guarded
    (feedback/cases/suppression.py), so no hidden count can be worked out from the others.
    """
    ids = list(item_ids)
    counts: dict[tuple[int, str], int] = {}
    for item in [*ids, 0]:
        for column in (*Verdict, "total"):
            counts[(item, column)] = 0
    rows = session.execute(
        select(ItemVerdict.item_id, ItemVerdict.verdict, func.count())
        .where(ItemVerdict.item_id.in_(ids))
        .group_by(ItemVerdict.item_id, ItemVerdict.verdict)
    )
    for item_id, verdict, count in rows:
        for item in (item_id, 0):
            counts[(item, verdict)] += count
            counts[(item, "total")] += count
    lines = [
        suppression.Line([(item, v) for v in Verdict], (item, "total")) for item in [*ids, 0]
    ] + [
        suppression.Line([(item, column) for item in ids], (0, column))
        for column in (*Verdict, "total")
    ]
    hidden = suppression.hidden_cells(counts, lines)

    def shown(item: int, column: str) -> int | None:
        return None if (item, column) in hidden else counts[(item, column)]

    return {
        item: ItemAnswers(
            item_id=item,
            true=shown(item, Verdict.TRUE),
            untrue=shown(item, Verdict.UNTRUE),
            unknown=shown(item, Verdict.UNKNOWN),
            total=shown(item, "total"),
        )
        for item in [*ids, 0]
    }


def answers_per_notice(
    session: DbSession, notice_ids: Iterable[int]
) -> list[tuple[catalog.PublishedNotice, dict[int, ItemAnswers]]]:
    """The answers per item of each published notice named, once each, for the staff's pages."""
    published = {notice.id: notice for notice in catalog.current().notices}
    wanted = [published[i] for i in dict.fromkeys(notice_ids) if i in published]
    return [
        (notice, answers_per_item(session, [item.id for item in notice.items])) for notice in wanted
    ]
