"""Who may take which backlog decision, declared once (payload, stages, who, transition, label), and what
the content must be. Validators check the directory as well (leaders and team orgs that exist)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.backlog import transitions as t
from workflows.backlog.types import (
    BacklogAction,
    BacklogAssignment,
    BacklogPress,
    BacklogResolution,
    BacklogSnapshot,
    BacklogStage,
    ProgressReport,
)
from workflows.directory import DirectoryView
from workflows.rules import actor_problem, text_field, text_problem
from workflows.transitions import Effects
from workflows.types import Actor, Role

S = BacklogStage
MAX_LEADERS = 5
MAX_TEAM = 6
STAGE_NAMES = {S.AWAITING: "待落实包案", S.IN_CHARGE: "包案化解中", S.CLOSED: "已办结"}


def bureau_head(b: BacklogSnapshot, actor: Actor) -> str | None:
    if actor.role != Role.PETITION_HEAD or actor.org_id != b.registration.bureau_org_id:
        return "只有认定积案的信访部门负责人可以办理此操作"
    return None


def owner(b: BacklogSnapshot, actor: Actor) -> str | None:
    """A leader who owns the case, or an officer of its working team."""
    if actor.role == Role.LEADER and actor.user_id in b.leader_ids:
        return None
    if actor.role in (Role.DEPARTMENT, Role.STREET, Role.UNIT_HEAD) and actor.org_id in b.team_org_ids:
        return None
    return "只有包案领导或工作专班成员可以办理此操作"


def owner_or_head(b: BacklogSnapshot, actor: Actor) -> str | None:
    """The result is recorded by an owning leader, or by the bureau's head."""
    if actor.role == Role.LEADER and actor.user_id in b.leader_ids:
        return None
    return None if bureau_head(b, actor) is None else "只有包案领导或信访部门负责人可以办理此操作"


def supervision(b: BacklogSnapshot, actor: Actor) -> str | None:
    if actor.role != Role.SUPERVISION:
        return "只有督查室可以督办包案"
    return None if b.overdue else "包案没有逾期事项"


@dataclass(frozen=True)
class BacklogDecision:
    action: BacklogAction
    payload: type[Any]
    stages: tuple[BacklogStage, ...]
    who: Callable[[BacklogSnapshot, Actor], str | None]
    transition: Callable[[BacklogSnapshot, Any, datetime], Effects]
    label: str


BACKLOG_DECISIONS: dict[BacklogAction, BacklogDecision] = {
    d.action: d
    for d in (
        BacklogDecision(
            BacklogAction.ASSIGN,
            BacklogAssignment,
            (S.AWAITING, S.IN_CHARGE),
            bureau_head,
            t.assign,
            "落实包案",
        ),
        BacklogDecision(BacklogAction.REPORT, ProgressReport, (S.IN_CHARGE,), owner, t.report, "报告进展"),
        BacklogDecision(
            BacklogAction.RESOLVE, BacklogResolution, (S.IN_CHARGE,), owner_or_head, t.resolve, "化解办结"
        ),
        BacklogDecision(
            BacklogAction.PRESS, BacklogPress, (S.AWAITING, S.IN_CHARGE), supervision, t.press, "督办"
        ),
    )
}


def who_may(action: BacklogAction, b: BacklogSnapshot, actor: Actor) -> str | None:
    d = BACKLOG_DECISIONS[action]
    if b.stage not in d.stages:
        return f"积案当前处于「{STAGE_NAMES[b.stage]}」阶段，不能办理此操作"
    return d.who(b, actor)


def allowed_actions(b: BacklogSnapshot, actor: Actor) -> list[BacklogAction]:
    return [a for a in BACKLOG_DECISIONS if who_may(a, b, actor) is None]


def payload_problem(d: Any) -> str | None:
    if isinstance(d, BacklogAssignment):
        if not d.leader_ids:
            return "请至少指定一名包案领导"
        if len(set(d.leader_ids)) > MAX_LEADERS or len(set(d.team_org_ids)) > MAX_TEAM:
            return f"包案领导最多 {MAX_LEADERS} 名，工作专班最多 {MAX_TEAM} 个单位"
        return text_field(d.note, "包案要求", required=False)
    if isinstance(d, ProgressReport):
        return text_field(d.progress, "本周进展")
    if isinstance(d, BacklogResolution):
        return text_field(d.evidence, "化解情况和依据")
    if isinstance(d, BacklogPress):
        return text_field(d.note, "督办意见")
    return None


def refusal(action: BacklogAction, d: Any, b: BacklogSnapshot) -> str | None:
    return who_may(action, b, d.actor) or payload_problem(d)


def directory_problem(d: Any, directory: DirectoryView | None) -> str | None:
    problem = actor_problem(d.actor, directory)
    if problem or directory is None or not isinstance(d, BacklogAssignment):
        return problem
    for user_id in d.leader_ids:
        user = directory.user(user_id)
        if user is None or not user.active or user.role != Role.LEADER.value:
            return f"「{user_id}」不是在职的区领导"
    for org_id in d.team_org_ids:
        org = directory.org(org_id)
        if org is None or not org.active or org.kind not in ("department", "street"):
            return f"「{org_id}」不能作为工作专班单位"
    return None


def validation_refusal(
    action: BacklogAction, d: Any, b: BacklogSnapshot, directory: DirectoryView | None
) -> str | None:
    return text_problem(d) or refusal(action, d, b) or directory_problem(d, directory)
