"""The catalog as the citizen reads it: published notices, their items and their bodies.

Every public page needs it and it changes a few times a year, so each worker keeps the published
notices in memory, loaded once down to their items and then detached from any session: they are
read-only, and must never be added to a session (store their ids instead). The stamp row
(catalog_stamps) is renewed by every flush that changes a notice, an item or a body, in any
worker or command; each request reads it (`database.request_read`) and reloads on a difference.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any
from uuid import uuid4

from flask import current_app
from sqlalchemy import Connection, event, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from feedback.models import (
    Aspect,
    Body,
    CatalogStamp,
    Category,
    Item,
    Notice,
    NoticeBody,
)
from feedback.storage.database import request_read

CATALOG_MODELS = (Notice, NoticeBody, Aspect, Category, Item, Body)
EXTENSION_KEY = "feedback.catalog"


@dataclass(frozen=True)
class Catalog:
    """The published notices as one worker holds them, oldest first, down to their items."""

    stamp: str
    notices: tuple[Notice, ...]
    slugs: dict[str, Notice]
    item_notices: dict[int, Notice]

    def open_on(self, today: date) -> list[Notice]:
        """The notices that take comments today."""
        return [notice for notice in self.notices if notice.window(today) == "open"]

    def by_slug(self, slug: str) -> Notice | None:
        return self.slugs.get(slug)

    def notice_of_item(self, item_id: str) -> Notice | None:
        """The published notice an item belongs to, from an item id as typed in an address."""
        if not item_id.isdigit() or len(item_id) > 12:
            return None
        return self.item_notices.get(int(item_id))


def current() -> Catalog:
    """The published catalog, reloaded only when its stamp has changed since the last load."""
    held: Catalog | None = current_app.extensions.get(EXTENSION_KEY)
    with request_read() as connection:
        stamp = connection.scalar(select(CatalogStamp.stamp)) or ""
        if held is None or held.stamp != stamp:
            held = _load(connection, stamp)
            current_app.extensions[EXTENSION_KEY] = held
    return held


def all_bodies(session: Session) -> list[Body]:
    """Every receiving body, published or not, in order: for the staff's pages."""
    return list(session.execute(select(Body).order_by(Body.id)).scalars())


def items(notice: Notice) -> list[Item]:
    """The items of a loaded notice, in the order the notice lists them."""
    return [
        item
        for aspect in notice.aspects
        for category in aspect.categories
        for item in category.items
    ]


def _load(connection: Connection, stamp: str) -> Catalog:
    """Every published notice down to its items, in the stamp's transaction, then detached."""
    with Session(bind=connection) as session:
        notices = tuple(
            session.scalars(
                select(Notice)
                .where(Notice.published_at.is_not(None))
                .order_by(Notice.id)
                .options(
                    joinedload(Notice.body_links).joinedload(NoticeBody.body),
                    selectinload(Notice.aspects)
                    .selectinload(Aspect.categories)
                    .selectinload(Category.items),
                )
            ).unique()
        )
        item_notices: dict[int, Notice] = {}
        for notice in notices:
            for item in items(notice):
                # Many-to-one links come from the identity map, without SQL, while attached.
                item.category.aspect.notice  # noqa: B018
                item.notice  # noqa: B018
                item_notices[item.id] = notice
    return Catalog(
        stamp=stamp,
        notices=notices,
        slugs={notice.slug: notice for notice in notices},
        item_notices=item_notices,
    )


@event.listens_for(Session, "after_flush")
def _renew_stamp(session: Session, _flush_context: Any) -> None:
    """A flush that changed a notice, its items or a body gives the catalog a new stamp."""
    dirty: Iterable[object] = (o for o in session.dirty if session.is_modified(o))
    if any(isinstance(o, CATALOG_MODELS) for o in chain(session.new, session.deleted, dirty)):
        session.connection().execute(update(CatalogStamp).values(stamp=uuid4().hex))
