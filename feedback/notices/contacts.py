"""The receiving bodies a notice's closing paragraph names, with their phones and addresses.

A notice ends like 「…请及时向A、B或直接向C反映。A联系电话：0717-5193251，联系地址：…，邮政编码：443413。
C联系电话：0717-5755079。」 Each phone number is read with the name written just before it; an
address or postcode belongs to the body named last. Each body is then given its role: the inspected
unit, the discipline group that supervises it, or the inspection office.
"""

import re
from dataclasses import dataclass

from feedback.models import BodyRole
from feedback.notices.markers import PHONE

CLAUSES = re.compile(r"[。；;，,、\n]")
LEADING_LABEL = re.compile(r"^.*?(?:电话|方式|热线)(?:号码)?[:：]\s*")
TRAILING_LABEL = re.compile(
    r"(?:的)?(?:联系|举报|监督|咨询|值班)?(?:电话|方式|热线)(?:号码)?[:：（(]*\s*$"
)
LEADING_WORDS = re.compile(r"^(?:另|其中|以及|及|和|与|或|直接向|向)")
ADDRESS = re.compile(r"(?:联系|通讯|通信|办公)?地址[:：]?\s*(?P<address>.+)")
POSTCODE = re.compile(r"邮(?:政)?(?:编|编码|政编码)[:：]?\s*(?P<postcode>\d{6})")

# How each role is recognised in a body's name; the inspected unit is recognised by its own name.
ROLE_CUES: dict[BodyRole, tuple[str, ...]] = {
    BodyRole.INSPECTION: ("巡察办", "巡察工作领导小组办公室", "巡视办", "巡察组", "巡视组"),
    BodyRole.DISCIPLINE: ("纪检监察组", "纪检组", "纪委监委", "纪委", "监委", "纪检监察"),
}


@dataclass
class ParsedContact:
    name: str
    phone: str
    address: str = ""
    postcode: str = ""


def parse_contacts(closing: str) -> list[ParsedContact]:
    """Every body named with a phone number in the closing text, in the order written."""
    contacts: list[ParsedContact] = []
    previous = ""  # a clause without a number may name the body whose number follows
    for clause in CLAUSES.split(closing):
        clause = clause.strip()
        if not clause:
            continue
        if postcode := POSTCODE.search(clause):
            if contacts:
                contacts[-1].postcode = postcode["postcode"]
            continue
        if (address := ADDRESS.match(clause)) and not PHONE.search(clause):
            if contacts:
                contacts[-1].address = address["address"].strip()
            continue
        start = 0
        for phone in PHONE.finditer(clause):
            name = _name(clause[start : phone.start()]) or _name(previous)
            if name:
                contacts.append(ParsedContact(name, _phone(phone[0])))
            start = phone.end()
        previous = "" if start else clause
    return contacts


def roles(contacts: list[ParsedContact], unit: str) -> dict[BodyRole, ParsedContact]:
    """Give each contact its role; a contact that fits no role is left out."""
    found: dict[BodyRole, ParsedContact] = {}
    rest = []
    for contact in contacts:
        role = next(
            (r for r, cues in ROLE_CUES.items() if any(cue in contact.name for cue in cues)), None
        )
        if role is None and _same_unit(contact.name, unit):
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


def _name(text: str) -> str:
    text = text.strip()
    text = (
        LEADING_LABEL.sub("", text)
        if re.search(r"(?:电话|方式|热线)(?:号码)?[:：]\s*\S", text)
        else text
    )
    text = TRAILING_LABEL.sub("", text)
    text = LEADING_WORDS.sub("", text)
    text = text.strip(" :：（()）")
    if len(text) < 2 or "反映" in text or "欢迎" in text:
        return ""
    return text[:100]


def _phone(text: str) -> str:
    """A landline as 0717-5193251, whatever separator the notice used."""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0") and len(digits) >= 10:
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-{digits[area:]}"
    return digits
