"""Load a parsed notice into the catalog, and the receiving bodies it names."""

from dataclasses import dataclass
from importlib.resources import files

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import Aspect, Body, Category, Item, Notice
from feedback.notices.parser import ParsedContact, parse

SEED_SLUG = "wufeng-court-2020"
SEED_UNIT = "五峰土家族自治县人民法院"
SEED_TITLE = "中共五峰土家族自治县人民法院党组关于巡察整改情况的通报"


@dataclass(frozen=True)
class BodyRole:
    """How one of the three receiving bodies is recognised in a notice's closing paragraph."""

    slug: str
    marker: str
    short_name: str
    name_en: str


BODY_ROLES = (
    BodyRole("court", "法院", "法院", "Wufeng Tujia Autonomous County People's Court"),
    BodyRole(
        "discipline",
        "纪检监察组",
        "第五纪检监察组",
        "Fifth Discipline Inspection and Supervision Group",
    ),
    BodyRole("inspection", "巡察办", "县委巡察办", "County Party Committee Inspection Office"),
)


def seed_text() -> str:
    return (files("feedback.notices") / "data" / "wufeng-court-2020-rectification.txt").read_text(
        encoding="utf-8"
    )


def load_seed(session: Session) -> Notice:
    """Load the Wufeng court notice and its three bodies; loading twice changes nothing."""
    notice = session.execute(select(Notice).where(Notice.slug == SEED_SLUG)).scalar_one_or_none()
    if notice is not None:
        return notice
    text = seed_text()
    parsed = parse(text)
    for role in BODY_ROLES:
        contact = next(c for c in parsed.contacts if role.marker in c.name)
        _save_body(session, role, contact)
    notice = Notice(
        slug=SEED_SLUG,
        unit=SEED_UNIT,
        title=SEED_TITLE,
        preamble=parsed.preamble,
        source_text=text,
    )
    session.add(notice)
    session.flush()
    for a_pos, parsed_aspect in enumerate(parsed.aspects, 1):
        aspect = Aspect(position=a_pos, number=parsed_aspect.number, title=parsed_aspect.title)
        notice.aspects.append(aspect)
        for c_pos, parsed_category in enumerate(parsed_aspect.categories, 1):
            category = Category(
                position=c_pos, number=parsed_category.number, title=parsed_category.title
            )
            aspect.categories.append(category)
            parsed_items = parsed_category.as_items(parsed_aspect.number)
            for i_pos, parsed_item in enumerate(parsed_items, 1):
                category.items.append(
                    Item(
                        notice_id=notice.id,
                        position=i_pos,
                        code=parsed_item.code,
                        title=parsed_item.title,
                        rectification=parsed_item.rectification,
                    )
                )
    session.flush()
    return notice


def _save_body(session: Session, role: BodyRole, contact: ParsedContact) -> None:
    body = session.execute(select(Body).where(Body.slug == role.slug)).scalar_one_or_none()
    if body is None:
        body = Body(slug=role.slug)
        session.add(body)
    body.name = contact.name
    body.short_name = role.short_name
    body.name_en = role.name_en
    body.phone = contact.phone
    body.address = contact.address
    body.postcode = contact.postcode
