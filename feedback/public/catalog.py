"""The catalog as the citizen reads it: notices with their aspects, categories and items, and bodies."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from feedback.models import Aspect, Body, Category, Item, Notice


def notices(session: Session) -> Sequence[Notice]:
    """Load every notice down to its items in a constant number of queries."""
    return (
        session.execute(
            select(Notice)
            .order_by(Notice.id)
            .options(
                selectinload(Notice.aspects)
                .selectinload(Aspect.categories)
                .selectinload(Category.items)
            )
        )
        .scalars()
        .all()
    )


def items(loaded: Sequence[Notice]) -> list[Item]:
    """The items of loaded notices, in the order the notices list them."""
    return [
        item
        for notice in loaded
        for aspect in notice.aspects
        for category in aspect.categories
        for item in category.items
    ]


def bodies(session: Session) -> Sequence[Body]:
    return session.execute(select(Body).order_by(Body.id)).scalars().all()
