"""Store a notice: the one way a parsed notice becomes a catalog, with its receiving bodies.

`import_notice` parses the text, checks the slug and the feedback window, finds each role's body
(one the administrator chose, an existing body of the same name, or a new body made from the
contacts in the closing paragraph) and stores the tree. `load_seed` imports the Wufeng notice.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from importlib.resources import files

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from feedback.extensions import DbSession
from feedback.models import (
    Aspect,
    Body,
    BodyRole,
    Category,
    Item,
    Notice,
    NoticeBody,
    utcnow,
)
from feedback.notices import window
from feedback.notices.contacts import ParsedContact, roles
from feedback.notices.errors import NoticeError
from feedback.notices.parser import NoProblemsFound, ParsedNotice, parse
from feedback.web.labels import BODY_ROLE

SEED_SLUG = "wufeng-court-2020"
SEED_UNIT = "五峰土家族自治县人民法院"
SEED_TITLE = "中共五峰土家族自治县人民法院党组关于巡察整改情况的通报"

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
UNIT_MAX = 100
TITLE_MAX = 200
BODY_SLUG_MAX = 32
PHONES_SEPARATOR = "、"  # a body the notice gives two numbers for keeps both


@dataclass(frozen=True)
class SeedBody:
    """How one of the seed notice's three bodies is named, in Chinese and English."""

    role: BodyRole
    short_name: str
    name_en: str


SEED_BODIES = (
    SeedBody(BodyRole.COURT, "法院", "Wufeng Tujia Autonomous County People's Court"),
    SeedBody(
        BodyRole.DISCIPLINE, "第五纪检监察组", "Fifth Discipline Inspection and Supervision Group"
    ),
    SeedBody(BodyRole.INSPECTION, "县委巡察办", "County Party Committee Inspection Office"),
)


@dataclass(frozen=True)
class BodyPlan:
    """The body that will play a role: chosen, matched by name, new from a contact, or none yet."""

    role: BodyRole
    contact: ParsedContact | None
    body: Body | None  # an existing body; None with a contact means a new one
    how: str  # "chosen", "matched", "new" or "missing"


@dataclass(frozen=True)
class Imported:
    notice: Notice
    parsed: ParsedNotice
    plans: list[BodyPlan]


def seed_text() -> str:
    return (files("feedback.notices") / "data" / "wufeng-court-2020-rectification.txt").read_text(
        encoding="utf-8"
    )


def read(text: str) -> ParsedNotice:
    """Parse a notice's text, or say in the user's words why it cannot be read."""
    if not text.strip():
        raise NoticeError("text", _l("The notice is empty."))
    try:
        return parse(text)
    except NoProblemsFound:
        raise NoticeError(
            "text",
            _l(
                "No problems were found in this text: no numbered headings such as （一） 1. (1), "
                "no labelled problems such as 问题一：, and no table with a column of problems. "
                "Paste the whole notice, or upload its file."
            ),
        ) from None


def plan_bodies(
    session: DbSession,
    parsed: ParsedNotice,
    unit: str,
    chosen: dict[BodyRole, Body] | None = None,
) -> list[BodyPlan]:
    """Decide which body plays each role, without storing anything."""
    # A number the notice gives under no office's name is the issuing unit's own.
    contacts = {
        role: replace(contact, name=contact.name or unit)
        for role, contact in roles(parsed.contacts, unit).items()
    }
    plans = []
    for role in BodyRole:
        contact = contacts.get(role)
        if chosen and role in chosen:
            plans.append(BodyPlan(role, contact, chosen[role], "chosen"))
        elif contact is None:
            plans.append(BodyPlan(role, None, None, "missing"))
        elif existing := session.scalars(
            select(Body).where(Body.name == contact.name).order_by(Body.id).limit(1)
        ).first():
            plans.append(BodyPlan(role, contact, existing, "matched"))
        else:
            plans.append(BodyPlan(role, contact, None, "new"))
    check_one_role_each({plan.role: plan.body for plan in plans if plan.body is not None})
    return plans


def check_one_role_each(bodies: Mapping[BodyRole, Body]) -> None:
    """Refuse a body named for two roles of one notice: the unit would receive reports about itself."""
    seen: dict[int, BodyRole] = {}
    for role in BodyRole:
        body = bodies.get(role)
        if body is None:
            continue
        if body.id in seen:
            raise NoticeError(
                "bodies",
                _l(
                    "%(body)s cannot be both %(first)s and %(second)s: one body plays one role "
                    "in a notice, or reports about the inspected unit would reach the unit itself.",
                    body=body.name,
                    first=BODY_ROLE[seen[body.id]],
                    second=BODY_ROLE[role],
                ),
            )
        seen[body.id] = role


def check_slug(session: DbSession, slug: str) -> None:
    if not SLUG.match(slug):
        raise NoticeError(
            "slug",
            _l("Use lower-case letters, digits and dashes, such as wufeng-court-2020."),
        )
    if session.scalar(select(Notice.id).where(Notice.slug == slug)) is not None:
        raise NoticeError(
            "slug", _l("The address name %(slug)s is taken by another notice.", slug=slug)
        )


def free_slug(session: DbSession) -> str:
    """An unused slug such as notice-2026-3."""
    year = window.today().year
    n = 1
    while session.scalar(select(Notice.id).where(Notice.slug == f"notice-{year}-{n}")):
        n += 1
    return f"notice-{year}-{n}"


def import_notice(
    session: DbSession,
    text: str,
    unit: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    opens_on: date | None = None,
    closes_on: date | None = None,
    bodies: dict[BodyRole, Body] | None = None,
    publish: bool = True,
) -> Imported:
    """Parse and store a notice; published at once, or a draft for the administrator to check."""
    unit = unit.strip()
    if not unit or len(unit) > UNIT_MAX:
        raise NoticeError("unit", _l("Give the inspected unit's name, at most 100 characters."))
    window.check(opens_on, closes_on)
    if slug:
        check_slug(session, slug)
    parsed = read(text)
    plans = plan_bodies(session, parsed, unit, bodies)
    missing = [plan.role for plan in plans if plan.how == "missing"]
    if publish and missing:
        raise NoticeError("bodies", missing_bodies_message(missing))
    notice = Notice(
        slug=slug or free_slug(session),
        unit=unit,
        title=(title or parsed.title or f"{unit}关于巡察整改情况的通报")[:TITLE_MAX],
        opens_on=opens_on,
        closes_on=closes_on,
        published_at=utcnow() if publish else None,
    )
    session.add(notice)
    store_reading(session, notice, text, parsed)
    for plan in plans:
        body = plan.body or (
            plan.contact and new_body(session, notice.slug, plan.role, plan.contact)
        )
        if body is not None:
            notice.body_links.append(NoticeBody(role=plan.role, body=body))
    session.flush()
    return Imported(notice, parsed, plans)


def missing_bodies_message(missing: list[BodyRole]) -> str:
    names = "、".join(str(BODY_ROLE[role]) for role in missing)
    return str(
        _l(
            "Choose a receiving body for: %(roles)s. The notice gives no phone number for it.",
            roles=names,
        )
    )


def load_seed(session: DbSession) -> Notice:
    """Load the Wufeng court notice and its three bodies; loading twice changes nothing."""
    notice = session.scalars(select(Notice).where(Notice.slug == SEED_SLUG)).first()
    if notice is not None:
        return notice
    text = seed_text()
    contacts = roles(parse(text).contacts, SEED_UNIT)
    for seed in SEED_BODIES:
        _save_seed_body(session, seed, contacts[seed.role])
    session.flush()
    return import_notice(session, text, SEED_UNIT, slug=SEED_SLUG, title=SEED_TITLE).notice


def store_reading(session: DbSession, notice: Notice, text: str, parsed: ParsedNotice) -> None:
    """Keep what was read of a notice's text: the text itself, its preamble, the channels it gives
    for anyone, and its tree of aspects, categories and items."""
    notice.source_text = text
    notice.preamble = parsed.preamble
    notice.information = "\n".join(parsed.information)
    session.flush()  # the items name their notice by its id
    _store_tree(notice, parsed)


def _store_tree(notice: Notice, parsed: ParsedNotice) -> None:
    for a_pos, parsed_aspect in enumerate(parsed.aspects, 1):
        aspect = Aspect(position=a_pos, number=parsed_aspect.number, title=parsed_aspect.title)
        notice.aspects.append(aspect)
        for c_pos, parsed_category in enumerate(parsed_aspect.categories, 1):
            category = Category(
                position=c_pos, number=parsed_category.number, title=parsed_category.title
            )
            aspect.categories.append(category)
            for i_pos, parsed_item in enumerate(parsed_category.items, 1):
                category.items.append(
                    Item(
                        notice_id=notice.id,
                        position=i_pos,
                        code=parsed_item.code,
                        title=parsed_item.title,
                        rectification=parsed_item.rectification,
                        status=parsed_item.status,
                        status_cue=parsed_item.status_cue,
                        status_by_hand=False,
                    )
                )


def body_slug_stem(notice_slug: str, role: BodyRole) -> str:
    """The slug of a body made for a notice: <notice>-court, cut to leave room for a -2."""
    return f"{notice_slug[: BODY_SLUG_MAX - len(role) - 4]}-{role.value}"


def new_body(
    session: DbSession,
    notice_slug: str,
    role: BodyRole,
    contact: ParsedContact,
    short_name: str | None = None,
) -> Body:
    """A body made from the contacts the notice gives, with a slug such as <notice>-court."""
    stem = body_slug_stem(notice_slug, role)
    slug, n = stem, 2
    while session.scalar(select(Body.id).where(Body.slug == slug)):
        slug, n = f"{stem}-{n}", n + 1
    body = Body(
        slug=slug,
        name=contact.name[:100],
        short_name=(short_name or contact.name)[:40],
        name_en=contact.name[:120],
        phone=PHONES_SEPARATOR.join(contact.phones)[:40],
        address=contact.address[:200],
        postcode=contact.postcode[:10],
        email=contact.email[:120],
    )
    session.add(body)
    return body


def _save_seed_body(session: DbSession, seed: SeedBody, contact: ParsedContact) -> None:
    body = session.scalars(select(Body).where(Body.slug == seed.role.value)).first()
    if body is None:
        body = Body(slug=seed.role.value)
        session.add(body)
    body.name = contact.name
    body.short_name = seed.short_name
    body.name_en = seed.name_en
    body.phone = contact.phone
    body.address = contact.address
    body.postcode = contact.postcode
    body.email = contact.email
