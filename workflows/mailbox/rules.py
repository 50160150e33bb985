"""The director's mailbox (局长信箱), declared once: who may take which decision at which stage, what it
does, and what its content must be. The workflow turns this table into its Updates and validators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflows.directory import DirectoryView
from workflows.mailbox.types import (
    Approval,
    LetterAction,
    LetterPress,
    LetterRating,
    LetterSnapshot,
    LetterStage,
    Proposal,
    Reply,
    Satisfaction,
    SendBack,
)
from workflows.rules import actor_problem, text_field, text_problem
from workflows.transitions import Effects, OpenClock
from workflows.types import Actor, Role
from workflows.types import DeadlineKind as K

S = LetterStage
KINDS = (K.MAILBOX_REVIEW, K.MAILBOX_APPROVAL, K.MAILBOX_REPLY, K.RATING)
OVERDUE_KINDS = (K.MAILBOX_REVIEW, K.MAILBOX_APPROVAL, K.MAILBOX_REPLY)
STAGE_NAMES = {
    S.REVIEW: "副局长审阅",
    S.APPROVAL: "局长审批",
    S.ASSIGNED: "承办单位办理",
    S.ANSWERED: "已答复待评价",
    S.CLOSED: "已办结",
}
UNIT_ROLES = (Role.DEPARTMENT, Role.STREET, Role.UNIT_HEAD, Role.PETITION_CLERK)


def _of(role: Role, what: str) -> Callable[[LetterSnapshot, Actor], str | None]:
    def check(m: LetterSnapshot, actor: Actor) -> str | None:
        if actor.role != role or actor.org_id != m.registration.mailbox_org_id:
            return f"只有{what}可以办理此操作"
        return None

    return check


deputy = _of(Role.PETITION_DEPUTY, "分管副局长")
director = _of(Role.PETITION_HEAD, "局长")


def unit(m: LetterSnapshot, actor: Actor) -> str | None:
    if actor.role not in UNIT_ROLES or actor.org_id != m.assigned_org_id:
        return "此来信未交办给您的单位"
    return None


def writer(m: LetterSnapshot, actor: Actor) -> str | None:
    return None if actor.role == Role.RESIDENT else "只有来信人可以评价"


def _move(m: LetterSnapshot, stage: LetterStage, orgs: list[str], role: Role | None) -> None:
    m.stage, m.holder_org_ids, m.holder_role = stage, orgs, role


def propose(m: LetterSnapshot, d: Proposal, now: datetime) -> Effects:
    m.proposed_org_id, m.proposal = d.org_id, d.opinion
    _move(m, S.APPROVAL, [m.registration.mailbox_org_id], Role.PETITION_HEAD)
    return Effects(note=d.opinion, public=False, close=(K.MAILBOX_REVIEW,),
                   open=[OpenClock(K.MAILBOX_APPROVAL, m.policy.approval)])  # fmt: skip


def approve(m: LetterSnapshot, d: Approval, now: datetime) -> Effects:
    """批示交办: the unit answers by the director's deadline."""
    m.assigned_org_id, m.instruction, m.due_at = d.org_id, d.instruction, d.due_at
    _move(m, S.ASSIGNED, [d.org_id], Role.DEPARTMENT)
    return Effects(note=d.instruction or "同意拟办意见", public=False, close=(K.MAILBOX_APPROVAL,),
                   open=[OpenClock(K.MAILBOX_REPLY, due_at=d.due_at, org_id=d.org_id)])  # fmt: skip


def send_back(m: LetterSnapshot, d: SendBack, now: datetime) -> Effects:
    _move(m, S.REVIEW, [m.registration.mailbox_org_id], Role.PETITION_DEPUTY)
    return Effects(note=d.reason, public=False, close=(K.MAILBOX_APPROVAL,),
                   open=[OpenClock(K.MAILBOX_REVIEW, m.policy.review)])  # fmt: skip


def reply(m: LetterSnapshot, d: Reply, now: datetime) -> Effects:
    """The answer goes back to the writer, who may rate it within the window."""
    m.answer, m.answered_at = d.answer, now
    m.answered_on_time = m.due_at is None or now <= m.due_at
    _move(m, S.ANSWERED, [], None)
    return Effects(
        note=d.answer, close=(K.MAILBOX_REPLY,), open=[OpenClock(K.RATING, m.policy.rating, cutoff=False)]
    )


def rate(m: LetterSnapshot, d: LetterRating, now: datetime) -> Effects:
    m.rating = d.value
    _close(m, now)
    return Effects(note=d.comment, close=(K.RATING,))


def press(m: LetterSnapshot, d: LetterPress, now: datetime) -> Effects:
    m.presses += 1
    return Effects(note=d.note, public=False)


def _close(m: LetterSnapshot, now: datetime) -> None:
    _move(m, S.CLOSED, [], None)
    m.closed_at, m.overdue = now, False


def on_expiry(m: LetterSnapshot, kind: K, now: datetime) -> tuple[str, Effects]:
    """Rule: a review, approval or answer past its time is overdue, for the director to press; the
    writer's rating window passing closes the letter unrated."""
    if kind == K.RATING:
        _close(m, now)
        return "not_rated", Effects(note="评价期满未评价")
    m.ever_overdue = True
    return "overdue", Effects(public=False)


@dataclass(frozen=True)
class LetterDecision:
    action: LetterAction
    payload: type[Any]
    stages: tuple[LetterStage, ...]
    who: Callable[[LetterSnapshot, Actor], str | None]
    transition: Callable[[LetterSnapshot, Any, datetime], Effects]
    label: str


LETTER_DECISIONS: dict[LetterAction, LetterDecision] = {
    d.action: d
    for d in (
        LetterDecision(LetterAction.PROPOSE, Proposal, (S.REVIEW,), deputy, propose, "拟办"),
        LetterDecision(LetterAction.APPROVE, Approval, (S.APPROVAL,), director, approve, "批示交办"),
        LetterDecision(LetterAction.SEND_BACK, SendBack, (S.APPROVAL,), director, send_back, "退回重拟"),
        LetterDecision(LetterAction.REPLY, Reply, (S.ASSIGNED,), unit, reply, "答复来信人"),
        LetterDecision(LetterAction.RATE, LetterRating, (S.ANSWERED,), writer, rate, "评价"),
        LetterDecision(
            LetterAction.PRESS, LetterPress, (S.REVIEW, S.APPROVAL, S.ASSIGNED), director, press, "督办"
        ),
    )
}


def who_may(action: LetterAction, m: LetterSnapshot, actor: Actor) -> str | None:
    d = LETTER_DECISIONS[action]
    if m.stage not in d.stages:
        return f"来信当前处于「{STAGE_NAMES[m.stage]}」阶段，不能办理此操作"
    return d.who(m, actor)


def allowed_actions(m: LetterSnapshot, actor: Actor) -> list[LetterAction]:
    return [a for a in LETTER_DECISIONS if who_may(a, m, actor) is None]


def refusal(action: LetterAction, d: Any, m: LetterSnapshot, now: datetime) -> str | None:
    problem = who_may(action, m, d.actor)
    if problem:
        return problem
    if isinstance(d, Proposal):
        return (None if d.org_id else "请选择承办单位") or text_field(d.opinion, "拟办意见")
    if isinstance(d, Approval):
        if not d.org_id:
            return "请选择承办单位"
        if d.due_at.tzinfo is None or d.due_at <= now:
            return "答复期限必须晚于当前时间"
        if d.due_at > now + timedelta(days=m.policy.max_reply_days):
            return f"答复期限不能晚于 {m.policy.max_reply_days} 天之后"
        return text_field(d.instruction, "批示", required=False)
    if isinstance(d, SendBack):
        return text_field(d.reason, "退回理由")
    if isinstance(d, Reply):
        return text_field(d.answer, "答复内容")
    if isinstance(d, LetterRating):
        return text_field(d.comment, "不满意的原因", required=d.value == Satisfaction.DISSATISFIED)
    if isinstance(d, LetterPress):
        return text_field(d.note, "督办意见")
    return None


def validation_refusal(
    action: LetterAction, d: Any, m: LetterSnapshot, now: datetime, directory: DirectoryView | None
) -> str | None:
    problem = text_problem(d) or refusal(action, d, m, now) or actor_problem(d.actor, directory)
    if problem or directory is None:
        return problem
    org_id = getattr(d, "org_id", "")
    if org_id:
        org = directory.org(org_id)
        if org is None or not org.active or org.kind not in ("department", "street"):
            return f"「{org_id}」不能承办来信"
    return None
