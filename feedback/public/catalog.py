"""The catalog as the citizen reads it: published notices, their items and their bodies."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from feedback.models import Aspect, Category, Item, Notice, NoticeBody


def published(session: Session) -> list[Notice]:
    """Every published notice with its receiving bodies, in one query, oldest first."""
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.published_at.is_not(None))
            .order_by(Notice.id)
            .options(joinedload(Notice.body_links).joinedload(NoticeBody.body))
        ).unique()
    )


def open_on(notices: list[Notice], today: date) -> list[Notice]:
    """The notices that take comments today."""
    return [notice for notice in notices if notice.window(today) == "open"]


def with_items(session: Session, notice_id: int) -> Notice | None:
    """A published notice down to its items, in a constant number of queries."""
    return (
        session.scalars(
            select(Notice)
            .where(Notice.id == notice_id, Notice.published_at.is_not(None))
            .options(
                joinedload(Notice.body_links).joinedload(NoticeBody.body),
                selectinload(Notice.aspects)
                .selectinload(Aspect.categories)
                .selectinload(Category.items),
            )
        )
        .unique()
        .first()
    )


def by_slug(session: Session, slug: str) -> Notice | None:
    notice_id = session.scalar(select(Notice.id).where(Notice.slug == slug))
    return with_items(session, notice_id) if notice_id is not None else None


def notice_of_item(session: Session, item_id: str) -> Notice | None:
    """The published notice an item belongs to, from an item id as typed in an address."""
    if not item_id.isdigit() or len(item_id) > 12:
        return None
    notice_id = session.scalar(select(Item.notice_id).where(Item.id == int(item_id)))
    return with_items(session, notice_id) if notice_id is not None else None


def items(notice: Notice) -> list[Item]:
    """The items of a loaded notice, in the order the notice lists them."""
    return [
        item
        for aspect in notice.aspects
        for category in aspect.categories
        for item in category.items
    ]
