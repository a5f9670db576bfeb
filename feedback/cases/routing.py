"""Who receives what (受理分工): every routing rule, as data, and the one function that applies them.

A citizen names a body or says 不确定 (unsure). An explicit choice is respected unless the
conflict-of-interest rule forbids it: a 检举控告 (report of misconduct) is never delivered or
transferred to the inspected unit (a court in the first notice), whose own staff it may concern;
it goes to the discipline group that supervises the unit (cf. 《纪检监察机关处理检举控告工作规则》).

The rules speak in roles, not bodies: "court" is the inspected unit of a notice (a court in the
first notice), "discipline" its discipline group, "inspection" the inspection office. Each notice
names the body that plays each role; cases.py resolves a role to the notice's body. The conflict
rule is then held by the body's identity (`body_may_hold`): the body in a forbidden role of the
case's notice holds no such case, whatever other role it is given there. A body that is the
inspected unit of one notice may be the discipline group of another: the rule is per notice.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from feedback.models import Kind

UNSURE = "unsure"


@dataclass(frozen=True)
class Rule:
    """Propose `body` when the kind matches and, if `about_item`, the citizen named an item."""

    reason: str
    body: str
    kinds: frozenset[Kind]
    about_item: bool = False


# For 不确定, the first rule that matches decides.
PROPOSALS: tuple[Rule, ...] = (
    Rule("report_to_discipline", "discipline", frozenset({Kind.REPORT})),
    Rule("complaint_about_item", "inspection", frozenset({Kind.COMPLAINT}), about_item=True),
    Rule("default_to_court", "court", frozenset(Kind)),
)

# Bodies that may never hold a kind, and where such a case goes instead.
FORBIDDEN: dict[Kind, dict[str, str]] = {Kind.REPORT: {"court": "discipline"}}

CHOSEN = "chosen"  # the reason when the citizen's own choice stands
CONFLICT = "conflict_of_interest"


@dataclass(frozen=True)
class Routing:
    body: str
    reason: str  # CHOSEN, CONFLICT or the reason of a proposal rule

    @property
    def decided_by_rules(self) -> bool:
        """True when the service, not the citizen, chose the body: the citizen is told why."""
        return self.reason != CHOSEN


def route(kind: Kind, chosen: str, about_item: bool) -> Routing:
    """Decide which body receives a new submission, and why."""
    if chosen == UNSURE:
        rule = next(r for r in PROPOSALS if kind in r.kinds and (about_item or not r.about_item))
        return Routing(rule.body, rule.reason)
    redirect = FORBIDDEN.get(kind, {}).get(chosen)
    if redirect:
        return Routing(redirect, CONFLICT)
    return Routing(chosen, CHOSEN)


def may_hold(kind: Kind, role: str | None) -> bool:
    """Tell whether a body in this role may hold a case of this kind (cases use `body_may_hold`).

    A body with no role for the case's notice (None) is another unit's: no rule forbids it.
    """
    return role not in FORBIDDEN.get(kind, {})


def body_may_hold(
    kind: Kind, body_id: int, bodies: Mapping[str, int], reviewing: int | None = None
) -> bool:
    """Tell whether a body may hold a case of this kind, given the body id of each of its notice's roles.

    Checked by identity, on submission, on every transfer and on a review request: a body that
    plays a forbidden role is refused even when a mapping also names it for an allowed one. A
    review (复查) also names, in `reviewing`, the body whose decision it reviews: that body never
    holds it.
    """
    if reviewing is not None and body_id == reviewing:
        return False
    return all(bodies.get(role) != body_id for role in FORBIDDEN.get(kind, {}))


# 复查 (review, 《信访工作条例》): who reviews the decisions of the body in each role, unless the
# notice sets otherwise. The inspection office reviews the inspected unit; the discipline group
# and the inspection office review each other.
REVIEWERS: dict[str, str] = {
    "court": "inspection",
    "discipline": "inspection",
    "inspection": "discipline",
}
REVIEW = "review"  # the routing reason of a review request


def may_review(decider: str, reviewer: str) -> bool:
    """Tell whether the body in role `reviewer` may review the decisions of the one in `decider`.

    Never its own decisions, and never a case it may not hold: the reviewer of a role that
    holds reports of misconduct can never be the inspected unit.
    """
    if reviewer == decider:
        return False
    held = [kind for kind in Kind if may_hold(kind, decider)]
    return all(may_hold(kind, reviewer) for kind in held)


def reviewer(decider: str, chosen: Mapping[str, str]) -> str:
    """The role that reviews the decisions of `decider`: the notice's choice, else the default."""
    return chosen.get(decider, REVIEWERS[decider])


# 监督 (supervision): which role watches the timeliness of each role and receives its overdue
# cases when escalated (督办), unless the notice sets otherwise. The discipline group supervises
# the inspected unit; the inspection office supervises the discipline group and itself answers to
# no body of the notice. The inspection office also sees every unit of its notices (supervised).
SUPERVISORS: dict[str, str | None] = {
    "court": "discipline",
    "discipline": "inspection",
    "inspection": None,
}


def supervisor(role: str, chosen: Mapping[str, str]) -> str | None:
    """The role that supervises `role`: the notice's choice, else the default; None for none."""
    return chosen.get(role, SUPERVISORS[role])


def supervised(viewer: str, chosen: Mapping[str, str]) -> list[str]:
    """The roles whose timeliness the body in role `viewer` sees: those it supervises, and every
    other role when it is the inspection office."""
    return [
        role
        for role in SUPERVISORS
        if role != viewer and (viewer == "inspection" or supervisor(role, chosen) == viewer)
    ]
