"""The receiving bodies a notice's closing paragraph names, with their phones, mailboxes and addresses.

A notice ends like 「…请及时向A、B或直接向C反映。A联系电话：0717-5193251，联系地址：…，邮政编码：443413。
C联系电话：0717-5755079。」 The closing is read from left to right: each phone number belongs to the
body named just before it in the same sentence, or, when none is named there, to the body of the
phone before it (a second number) or to the issuing unit itself (如有意见，请向我们反映。联系电话：…);
a mailbox, an address or a postcode belongs to the body named last. National hotlines and websites
(12388, www.12388.gov.cn) are kept as information and never become a body. Each body is then given
its role: the inspected unit, the discipline group that supervises it, or the inspection office.
"""

import re
from dataclasses import dataclass, field

from feedback.models import BodyRole
from feedback.notices.markers import PHONE

# What the closing gives, in the order the reader meets it; a hotline is a phone of no one body.
ENTITIES = re.compile(
    rf"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{{2,}})"
    rf"|(?P<website>(?:https?://)?(?:www\.)?(?:[A-Za-z0-9-]+\.)+(?:cn|com|net|org|gov)(?:/[\w./?=&%-]*)?)"
    rf"|(?P<phone>{PHONE.pattern})"
    rf"|(?<!\d)(?P<hotline>12\d{{3}})(?!\d)"
    rf"|(?P<postcode>邮(?:政)?(?:编|编码|政编码)[:：]?\s*(?P<code>\d{{6}}))"
    rf"|(?P<address>(?:联系|通讯|通信|办公|来信|邮寄|邮政)?地址[:：]?\s*(?P<place>[^，,；;。\s]+))"
    rf"|(?P<mailbox>(?:来信请?寄(?:至|到)?[:：]?\s*)(?P<box>[^，,；;。\s]+))"
)
SENTENCE_END = re.compile(r"[。！？!?\n]")
CLAUSES = re.compile(r"[，,；;、：:]")
LABEL = re.compile(
    r"(?:的)?(?:联系|举报|监督|咨询|值班|信访|受理)?(?:电话|方式|热线|号码|邮箱|电子邮箱|信箱)"
    r"(?:号码)?(?:分别)?(?:为|是)?\s*$"
)
LEAD_IN = re.compile(
    r"^(?:另|其中|以及|及|和|与|或者?|也可(?:以)?(?:直接)?向|直接向|请(?:直接)?向|请|向|联系单位|受理单位|单位)+"
)
REPORT_TO = re.compile(
    r"(?:向(?P<to>[^，,；;。]+?)(?:反映|提出|举报|反馈)|与(?P<with>[^，,；;。]+?)联系)"
)
PERSON = re.compile(r"^联系人")  # 联系人：张某某 names a person, not the body
OURSELVES = re.compile(r"^(?:我们|我单位|本单位|我局|我院|我委|我办|本局|本院)$")
NOT_A_NAME = ("反映", "欢迎", "意见", "建议", "监督", "登录", "拨打", "如有", "如对")

# How each role is recognised in a body's name; the inspected unit is recognised by its own name.
ROLE_CUES: dict[BodyRole, tuple[str, ...]] = {
    BodyRole.INSPECTION: ("巡察办", "巡察工作领导小组办公室", "巡视办", "巡察组", "巡视组"),
    BodyRole.DISCIPLINE: ("纪检监察组", "纪检组", "纪委监委", "纪委", "监委", "纪检监察", "纪工委"),
}


@dataclass
class ParsedContact:
    name: str  # "" when the notice names no office: the issuing unit's own contact
    phones: list[str] = field(default_factory=list)
    address: str = ""
    postcode: str = ""
    email: str = ""

    @property
    def phone(self) -> str:
        return self.phones[0] if self.phones else ""


@dataclass
class Closing:
    contacts: list[ParsedContact]
    information: list[str]  # hotlines and websites for anyone, never a receiving body


def read_closing(closing: str) -> Closing:
    """Every body named with its contacts in the closing text, in the order written."""
    contacts: list[ParsedContact] = []
    information: list[str] = []
    start = 0  # where the words before the next entity begin
    for match in ENTITIES.finditer(closing):
        gap = closing[start : match.start()]
        start = match.end()
        kind = match.lastgroup
        if kind in ("hotline", "website"):
            information.append(match[0])
            start = _clause_end(closing, match.end())  # its clause names no body
            continue
        name = _name_in(gap)
        contact = _contact_for(contacts, name, gap, kind == "phone")
        if kind == "phone":
            contact.phones.append(_phone(match["phone"]))
        elif kind == "email" and not contact.email:
            contact.email = match["email"]
        elif kind == "postcode":
            contact.postcode = match["code"]
        elif kind == "address":
            contact.address = contact.address or match["place"]
        elif kind == "mailbox":
            contact.address = contact.address or match["box"]
    return Closing([c for c in contacts if c.phones or c.email or c.address], information)


def _contact_for(
    contacts: list[ParsedContact], name: str | None, gap: str, is_phone: bool
) -> ParsedContact:
    """The body an entity belongs to: the one named in the gap before it, or the last one."""
    current = contacts[-1] if contacts else None
    if name is not None:
        same = next((c for c in contacts if c.name == name), None)
        if same is not None:
            return same
    elif current is not None and not (is_phone and current.phones and SENTENCE_END.search(gap)):
        return current  # a second number, or the address of the body just named
    else:
        name = ""  # a number in a sentence of its own: the issuing unit's
        unnamed = next((c for c in contacts if not c.name), None)
        if unnamed is not None:
            return unnamed
    contact = ParsedContact(name)
    contacts.append(contact)
    return contact


def _name_in(gap: str) -> str | None:
    """The body the words before an entity name; "" for the unit itself (我们); None for none.

    Only the sentence the entity stands in is read, from its last clause backwards.
    """
    sentence = SENTENCE_END.split(gap)[-1]
    for clause in reversed(CLAUSES.split(sentence)):
        clause = clause.strip(" （(）)")
        if not clause or LABEL.fullmatch(clause) or _is_label_only(clause) or PERSON.match(clause):
            continue
        return _clean_name(clause)
    return None


def _is_label_only(clause: str) -> bool:
    return not LABEL.sub("", clause).strip()


def _clean_name(clause: str) -> str | None:
    if report := REPORT_TO.search(clause):
        clause = report["to"] or report["with"]
    name = LEAD_IN.sub("", LABEL.sub("", clause)).strip(" （()）")
    if OURSELVES.match(name):
        return ""
    if len(name) < 2 or any(word in name for word in NOT_A_NAME):
        return None
    return name[:100]


def _clause_end(text: str, position: int) -> int:
    found = re.compile(r"[，,；;。]").search(text, position)
    return found.end() if found else len(text)


def roles(contacts: list[ParsedContact], unit: str) -> dict[BodyRole, ParsedContact]:
    """Give each contact its role; a contact that fits no role is left out."""
    found: dict[BodyRole, ParsedContact] = {}
    rest = []
    for contact in contacts:
        role = next(
            (r for r, cues in ROLE_CUES.items() if any(cue in contact.name for cue in cues)), None
        )
        if role is None and (not contact.name or _same_unit(contact.name, unit)):
            role = BodyRole.COURT
        if role is None or role in found:
            rest.append(contact)
        else:
            found[role] = contact
    # The one contact left, when the unit's own is missing, is the unit under another name.
    unnamed = [
        c for c in rest if not any(cue in c.name for cues in ROLE_CUES.values() for cue in cues)
    ]
    if BodyRole.COURT not in found and len(unnamed) == 1:
        found[BodyRole.COURT] = unnamed[0]
    return {role: found[role] for role in BodyRole if role in found}


def _same_unit(name: str, unit: str) -> bool:
    return bool(unit) and (unit in name or name in unit)


def _phone(text: str) -> str:
    """A landline as 0717-5193251, whatever separator the notice used."""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0") and len(digits) >= 10:
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-{digits[area:]}"
    return digits
