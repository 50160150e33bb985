"""Who may take a decision: a case's stage and a predicate over (case, actor) that says why not.

The predicates are pure and read only the case and the actor, so a handler rechecking them after it
waited for the lock gets the answer its validator got. The table of which decision uses which is
`workflows.decisions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workflows.types import Actor, CaseSnapshot, Role, Stage

OPEN_STAGES = (Stage.REPORT, Stage.SIGN, Stage.DISPATCH, Stage.ACCEPT, Stage.HANDLE)


@dataclass(frozen=True)
class Rule:
    stages: tuple[Stage, ...]
    # Returns a refusal, or None when this actor may take the action on this case now.
    who: Callable[[CaseSnapshot, Actor], str | None]


def of_role(
    role: Role, org: Callable[[CaseSnapshot], str], what: str
) -> Callable[[CaseSnapshot, Actor], str | None]:
    def check(snap: CaseSnapshot, actor: Actor) -> str | None:
        if actor.role != role:
            return f"只有{what}可以办理此操作"
        if actor.org_id != org(snap):
            return "此案件不属于您所在的单位"
        return None

    return check


community = of_role(Role.COMMUNITY, lambda s: s.registration.community_org_id, "本社区工作人员")
street = of_role(Role.STREET, lambda s: s.registration.street_org_id, "所属街道工作人员")


def leader(snap: CaseSnapshot, actor: Actor) -> str | None:
    if actor.role != Role.LEADER:
        return "只有联点区领导可以办理此操作"
    if snap.registration.street_org_id not in actor.street_ids:
        return "此案件不在您联系的街道"
    return None


def portfolio_leader(snap: CaseSnapshot, actor: Actor) -> str | None:
    """The district leader in charge of the lead unit's portfolio (分管区领导)."""
    if actor.role != Role.LEADER:
        return "只有分管区领导可以确定特别难事项的办结时限"
    lead = next((a.department_id for a in snap.assignments if a.lead), "")
    return None if lead in actor.department_ids else "牵头单位不在您分管的部门之内"


def leader_or_office(snap: CaseSnapshot, actor: Actor) -> str | None:
    # The supervision office (督查室) supervises and decides extensions district-wide; taking
    # charge of a case (包案) and reviewing a dissatisfied rating remain the linked leader's.
    if actor.role in (Role.SUPERVISION, Role.LEADER):
        return None if actor.role == Role.SUPERVISION else leader(snap, actor)
    return "只有联点区领导或督查室可以办理此操作"


def assigned(snap: CaseSnapshot, actor: Actor) -> str | None:
    if actor.role != Role.DEPARTMENT:
        return "只有承办部门可以办理此操作"
    if not any(a.department_id == actor.org_id for a in snap.assignments):
        return "此案件未派给您的部门"
    return None


def street_or_department(snap: CaseSnapshot, actor: Actor) -> str | None:
    if snap.stage in (Stage.SIGN, Stage.DISPATCH):
        return street(snap, actor)
    return assigned(snap, actor)


def street_or_leader(snap: CaseSnapshot, actor: Actor) -> str | None:
    if actor.role == Role.STREET:
        return street(snap, actor)
    return leader_or_office(snap, actor)


def local_resolver(snap: CaseSnapshot, actor: Actor) -> str | None:
    return community(snap, actor) if snap.stage == Stage.REPORT else street(snap, actor)


def supervisor(snap: CaseSnapshot, actor: Actor) -> str | None:
    """督办: the linked leader or the supervision office at any open stage; the discipline commission
    once the case is referred to it; and, where the source sends a missed clock, the street over its
    community's report and the street's own head (单位负责人 of the street) over its sign and dispatch."""
    if actor.role == Role.DISCIPLINE:
        return None if snap.supervision_level >= 2 else "案件尚未移交纪工委"
    if actor.role == Role.STREET and snap.stage == Stage.REPORT:
        return street(snap, actor)
    if actor.role == Role.UNIT_HEAD:
        if snap.stage not in (Stage.SIGN, Stage.DISPATCH):
            return "街道主要负责人督办本街道尚未签收或派单的案件"
        return None if actor.org_id == snap.registration.street_org_id else "此案件不属于您所在的单位"
    return leader_or_office(snap, actor)


def callback_officer(snap: CaseSnapshot, actor: Actor) -> str | None:
    """回访 is the community's (or the street's) call or visit; the resident rates on the page."""
    if actor.role == Role.RESIDENT:
        return "群众本人请直接在评价页面评价"
    return rater(snap, actor)


def rater(snap: CaseSnapshot, actor: Actor) -> str | None:
    if actor.role == Role.RESIDENT:
        return None
    if actor.role == Role.COMMUNITY:
        return community(snap, actor)
    return (
        street(snap, actor) if actor.role == Role.STREET else "只有群众本人或回访的街道、社区工作人员可以评价"
    )


def resident(snap: CaseSnapshot, actor: Actor) -> str | None:
    return None if actor.role == Role.RESIDENT else "只有群众本人可以撤回诉求"


def admin(snap: CaseSnapshot, actor: Actor) -> str | None:
    return None if actor.role == Role.ADMIN else "只有系统管理员可以重算时限"
