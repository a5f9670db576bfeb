"""The catalog as the citizen reads it: published notices, their items and their bodies.

Every public page needs it and it changes a few times a year, so each worker keeps the published
notices in memory as frozen snapshots (plain dataclasses, no ORM objects): the public pages read
them, and a submission takes the ids it needs from them. The stamp row (catalog_stamps) is
renewed by every flush that changes a notice, an item or a body, in any worker or command
(feedback/models/catalog.py); a request reads it (`database.request_read`) when the worker last
did more than CATALOG_CHECK_SECONDS ago, or when this process has renewed it since, and reloads
on a difference.
"""

import time
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from flask import current_app
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, joinedload, selectinload

from feedback import models
from feedback.extensions import DbSession
from feedback.models import BodyRole, CatalogStamp, ItemStatus, Notice, NoticeBody, window_state
from feedback.models.catalog import renewals
from feedback.storage.database import request_read

EXTENSION_KEY = "feedback.catalog"
CHECKED_KEY = (
    "feedback.catalog_checked"  # until when the held stamp is trusted, and after which renewal
)


@dataclass(frozen=True)
class Body:
    """A receiving body as the public pages name it and the receipt states its time limits."""

    id: int
    slug: str
    name: str
    short_name: str
    name_en: str
    phone: str
    address: str
    postcode: str
    email: str
    accept_days: int
    close_days: int
    max_extension_days: int


@dataclass(frozen=True)
class Role:
    """The body that plays a role for a notice."""

    role: BodyRole
    body: Body


@dataclass(frozen=True)
class Item:
    id: int
    notice_id: int
    code: str
    title: str
    rectification: str
    status: ItemStatus
    group: str  # its aspect and category, as the form's list of items groups them

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}"


@dataclass(frozen=True)
class Category:
    id: int
    number: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Aspect:
    id: int
    number: str
    title: str
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class PublishedNotice:
    """A published notice down to its items, and the body in each of its roles."""

    id: int
    slug: str
    unit: str
    title: str
    preamble: str
    information: str  # hotlines and websites for anyone, one a line
    opens_on: date | None
    closes_on: date | None
    aspects: tuple[Aspect, ...]
    body_links: tuple[Role, ...]  # ordered by role, as the notice's ORM links are

    @property
    def bodies(self) -> list[Body]:
        return [link.body for link in self.body_links]

    @cached_property
    def items(self) -> list[Item]:
        """The items in the order the notice lists them."""
        return [item for aspect in self.aspects for c in aspect.categories for item in c.items]

    @cached_property
    def items_by_id(self) -> dict[int, Item]:
        return {item.id: item for item in self.items}

    def body_for(self, role: str) -> Body | None:
        return next((link.body for link in self.body_links if link.role == role), None)

    def window(self, today: date) -> str:
        """Where today falls in the feedback window: "open", "not_yet" or "closed"."""
        return window_state(self.opens_on, self.closes_on, today)


@dataclass(frozen=True)
class Catalog:
    """The published notices as one worker holds them, oldest first, down to their items."""

    stamp: str
    notices: tuple[PublishedNotice, ...]
    slugs: dict[str, PublishedNotice]
    item_notices: dict[int, PublishedNotice]

    def open_on(self, today: date) -> list[PublishedNotice]:
        """The notices that take comments today."""
        return [notice for notice in self.notices if notice.window(today) == "open"]

    def by_slug(self, slug: str) -> PublishedNotice | None:
        return self.slugs.get(slug)

    def notice_of_item(self, item_id: str) -> PublishedNotice | None:
        """The published notice an item belongs to, from an item id as typed in an address."""
        if not item_id.isdigit() or len(item_id) > 12:
            return None
        return self.item_notices.get(int(item_id))


def current() -> Catalog:
    """The published catalog, reloaded only when its stamp has changed since the last load.

    The stamp is read at most once every CATALOG_CHECK_SECONDS, and at once after this process
    has changed the catalog itself: another worker's edit shows within that time.
    """
    held: Catalog | None = current_app.extensions.get(EXTENSION_KEY)
    checked: tuple[float, int] = current_app.extensions.get(CHECKED_KEY, (0.0, -1))
    now = time.monotonic()
    if held is not None and now < checked[0] and checked[1] == renewals.count:
        return held
    seen = renewals.count
    with request_read() as connection:
        stamp = connection.scalar(select(CatalogStamp.stamp)) or ""
        if held is None or held.stamp != stamp:
            held = _load(connection, stamp)
            current_app.extensions[EXTENSION_KEY] = held
    current_app.extensions[CHECKED_KEY] = (now + current_app.config["CATALOG_CHECK_SECONDS"], seen)
    return held


def all_bodies(session: DbSession) -> list[models.Body]:
    """Every receiving body, published or not, in order: for the staff's pages."""
    return list(session.execute(select(models.Body).order_by(models.Body.id)).scalars())


def _load(connection: Connection, stamp: str) -> Catalog:
    """Every published notice down to its items, read in the stamp's transaction."""
    with Session(bind=connection) as session:
        notices = tuple(
            _snapshot(notice)
            for notice in session.scalars(
                select(Notice)
                .where(Notice.published_at.is_not(None))
                .order_by(Notice.id)
                .options(
                    joinedload(Notice.body_links).joinedload(NoticeBody.body),
                    selectinload(Notice.aspects)
                    .selectinload(models.Aspect.categories)
                    .selectinload(models.Category.items),
                )
            ).unique()
        )
    return Catalog(
        stamp=stamp,
        notices=notices,
        slugs={notice.slug: notice for notice in notices},
        item_notices={item.id: notice for notice in notices for item in notice.items},
    )


def _snapshot(notice: Notice) -> PublishedNotice:
    return PublishedNotice(
        id=notice.id,
        slug=notice.slug,
        unit=notice.unit,
        title=notice.title,
        preamble=notice.preamble,
        information=notice.information,
        opens_on=notice.opens_on,
        closes_on=notice.closes_on,
        aspects=tuple(
            Aspect(
                id=aspect.id,
                number=aspect.number,
                title=aspect.title,
                categories=tuple(_category(aspect, category) for category in aspect.categories),
            )
            for aspect in notice.aspects
        ),
        body_links=tuple(Role(link.role, _body(link.body)) for link in notice.body_links),
    )


def _category(aspect: models.Aspect, category: models.Category) -> Category:
    group = f"{aspect.number}.{category.number} {category.title}"
    return Category(
        id=category.id,
        number=category.number,
        title=category.title,
        items=tuple(
            Item(
                id=item.id,
                notice_id=item.notice_id,
                code=item.code,
                title=item.title,
                rectification=item.rectification,
                status=item.status,
                group=group,
            )
            for item in category.items
        ),
    )


def _body(body: models.Body) -> Body:
    return Body(
        id=body.id,
        slug=body.slug,
        name=body.name,
        short_name=body.short_name,
        name_en=body.name_en,
        phone=body.phone,
        address=body.address,
        postcode=body.postcode,
        email=body.email,
        accept_days=body.accept_days,
        close_days=body.close_days,
        max_extension_days=body.max_extension_days,
    )
