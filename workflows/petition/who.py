"""Who may take a petition decision: pure predicates over (petition, actor) that say why not.

Like `workflows.who` for 六单, they read only the petition and the actor, so a handler rechecking
them after waiting for the lock gets the answer its validator got.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workflows.petition.types import PetitionSnapshot, PetitionStage
from workflows.types import Actor, Role

Who = Callable[[PetitionSnapshot, Actor], str | None]

OPEN_STAGES = tuple(s for s in PetitionStage if s != PetitionStage.CLOSED)
# Roles that work for a handling unit (a department, a street, the discipline body, or the bureau
# itself for a matter within its own remit).
UNIT_ROLES = (
    Role.DEPARTMENT,
    Role.STREET,
    Role.DISCIPLINE,
    Role.PETITION_CLERK,
    Role.PETITION_HEAD,
    Role.UNIT_HEAD,
)
BUREAU_ROLES = (Role.PETITION_CLERK, Role.PETITION_HEAD)


@dataclass(frozen=True)
class Rule:
    stages: tuple[PetitionStage, ...]
    who: Who


def bureau(p: PetitionSnapshot, actor: Actor) -> str | None:
    """The desk that registered the petition: its clerks and its head."""
    if actor.role not in BUREAU_ROLES:
        return "只有信访部门登记受理人员可以办理此操作"
    if actor.org_id != p.registration.bureau_org_id:
        return "此信访事项不是在您所在的信访部门登记的"
    return None


def bureau_head(p: PetitionSnapshot, actor: Actor) -> str | None:
    if actor.role != Role.PETITION_HEAD:
        return "只有信访部门负责人可以办理此操作"
    return bureau(p, actor)


def handling_unit(p: PetitionSnapshot, actor: Actor) -> str | None:
    """An officer of the unit the petition was transferred to (or of the bureau, when it accepted
    the matter itself)."""
    if actor.role not in UNIT_ROLES:
        return "只有有权处理的机关工作人员可以办理此操作"
    if actor.org_id != p.handling_org_id:
        return "此信访事项不由您所在的单位办理"
    return None


def holder(p: PetitionSnapshot, actor: Actor) -> str | None:
    """受理: the bureau while the petition is on its desk, the competent unit once transferred."""
    return bureau(p, actor) if p.stage == PetitionStage.REGISTERED else handling_unit(p, actor)


def unit_head(p: PetitionSnapshot, actor: Actor) -> str | None:
    """The handling unit's own head (负责人) approves its extension (第三十三条)."""
    if actor.role != Role.UNIT_HEAD and not (
        actor.role == Role.PETITION_HEAD and p.handling_org_id == p.registration.bureau_org_id
    ):
        return "只有办理单位负责人可以批准延期"
    if actor.org_id != p.handling_org_id:
        return "只有办理单位本单位的负责人可以批准延期"
    return None


def deliverer(p: PetitionSnapshot, actor: Actor) -> str | None:
    """Who issued the opinion waiting for delivery records its 送达 (or the bureau's desk for them)."""
    issuer = p.documents[-1].issuer_org_id if p.documents else ""
    if actor.org_id == issuer and actor.role not in (Role.RESIDENT, Role.SYSTEM):
        return None
    return bureau(p, actor)


def _of_body(org_id: str, what: str) -> Who:
    def check(p: PetitionSnapshot, actor: Actor) -> str | None:
        if actor.role != Role.REVIEWER:
            return f"只有{what}机关的工作人员可以办理此操作"
        if actor.org_id != getattr(p, org_id):
            return f"此信访事项的{what}不由您所在的机关办理"
        return None

    return check


reviewer = _of_body("review_org_id", "复查")
rechecker = _of_body("recheck_org_id", "复核")


def petitioner_or_desk(p: PetitionSnapshot, actor: Actor) -> str | None:
    """The petitioner asks (on the tracking page), or the bureau's desk records a written request."""
    if actor.role == Role.RESIDENT:
        return None
    return bureau(p, actor)
