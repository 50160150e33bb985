"""Who may take which decision on a case, at which stage, with what payload.

The table of decisions is `workflows.decisions` (the predicates it names are `workflows.who`). These
checks serve two callers: the workflow's Update validators (a refusal rejects the Update before
anything enters the history) and the web, which shows a user exactly the actions allowed now.
Refusals are sentences an officer can read.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from typing import Any

from workflows.decisions import DECISIONS
from workflows.directory import DirectoryView
from workflows.types import (
    AcceptDecision,
    Action,
    Actor,
    CallbackFailure,
    CaseSnapshot,
    DeadlineKind,
    DeadlineState,
    Difficulty,
    DispatchDecision,
    Escalation,
    ExtensionDecision,
    ExtensionRequest,
    LimitDecision,
    LimitRequest,
    LocalResolution,
    RatingChannel,
    RatingDecision,
    RatingValue,
    ResultSubmission,
    ReturnDecision,
    ReturnReview,
    ReviewDecision,
    Role,
    Stage,
    SupervisionDecision,
    TriageDecision,
    UnreasonableClosure,
    Urgency,
)

MAX_DEPARTMENTS = 6
MAX_TEXT = 4000
MAX_RESULT_ATTACHMENTS = 6  # photos and documents with one department's result
# Text a person typed may hold line breaks and tabs, but no other control characters (NUL, ANSI
# escapes) and no bidi overrides or isolates, which would hide or reorder what an officer reads.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# People who act without a directory account: residents (through their private tracking link).
UNLISTED_ROLES = (Role.RESIDENT, Role.SYSTEM)


STAGE_NAMES = {
    Stage.REPORT: "社区报单",
    Stage.SIGN: "街道签收",
    Stage.DISPATCH: "街道派单",
    Stage.ACCEPT: "部门接单",
    Stage.HANDLE: "部门办理",
    Stage.RATE: "群众评单",
    Stage.REVIEW: "领导复查",
    Stage.CLOSED: "已办结",
}


def _assignment_of(snap: CaseSnapshot, actor: Actor) -> Any:
    return next((a for a in snap.assignments if a.department_id == actor.org_id), None)


def _state_problem(action: Action, snap: CaseSnapshot, actor: Actor) -> str | None:
    """Conditions beyond role and stage: what this case's own state still allows."""
    mine = _assignment_of(snap, actor)
    if action == Action.REPORT_UP or (action == Action.RESOLVE_LOCALLY and snap.stage == Stage.REPORT):
        if snap.urgency is None:
            return "请先对诉求进行分类研判"
        if snap.urgency == Urgency.UNREASONABLE:
            return "诉求已研判为不合理，请以政策解释办结"
    if action == Action.CLOSE_UNREASONABLE and snap.urgency != Urgency.UNREASONABLE:
        return "只有研判为不合理的诉求可以解释办结"
    if action == Action.ACCEPT and mine is not None and mine.accepted_at is not None:
        return "您的部门已接单"
    if action == Action.RETURN_CASE:
        if mine is not None and mine.accepted_at is not None:
            return "已接单的案件不能退单"
        if mine is not None and getattr(mine, "return_requested_at", None) is not None:
            return "已申请退单，等待街道审核"
        if any(d.kind == DeadlineKind.OBJECTION and d.state == DeadlineState.OVERDUE for d in snap.deadlines):
            return "已超过退单（异议）期限"
    if action == Action.REQUEST_EXTENSION:
        if mine is None or not mine.lead:
            return "只有牵头单位可以申请延期"
        if snap.extension_pending_days:
            return "已有延期申请待审批"
        if snap.extensions_granted >= snap.policy.max_extensions:
            return "延期次数已用完"
    if action == Action.DECIDE_EXTENSION and not snap.extension_pending_days:
        return "没有待审批的延期申请"
    if action == Action.REQUEST_LIMIT:
        if mine is None or not mine.lead:
            return "只有牵头单位可以提请确定办结时限"
        if not getattr(snap, "limit_needed", False):
            return "此案件的办结时限已确定，无需提请"
        if snap.limit_requested_days:
            return "已提请，等待分管区领导确定"
    if action == Action.DECIDE_LIMIT and not getattr(snap, "limit_requested_days", 0):
        return "牵头单位尚未提请确定办结时限"
    if action == Action.DECIDE_RETURN and not any(a.return_requested_at for a in snap.assignments):
        return "没有待审核的退单申请"
    if action == Action.SUBMIT_RESULT and mine is not None:
        if mine.reported_at is not None:
            return "您的部门已报告办理结果"
        if mine.lead and any(a.reported_at is None for a in snap.assignments if not a.lead):
            return "请等待协办单位报告办理结果后再办结"
    if action == Action.SUPERVISE and not (snap.overdue or snap.escalated or snap.supervision_level):
        return "案件未超期也未申请督办"
    if action == Action.ESCALATE:
        if snap.escalated:
            return "已申请领导协调"
        if snap.overdue:
            return "案件已超期，已自动进入督办"
    if action == Action.TAKE_CHARGE and snap.leader_in_charge:
        return "已有领导包案"
    if action == Action.REOPEN and snap.reopened >= snap.policy.reopen_limit:
        return "案件已重办过一次，请复查后办结"
    if action == Action.WITHDRAW and any(a.accepted_at for a in snap.assignments):
        return "部门已接单，不能撤回"
    return None


def who_may(action: Action, snap: CaseSnapshot, actor: Actor) -> str | None:
    """A refusal if this actor may not take this action on this case now, else None."""
    rule = DECISIONS[action].rule
    if snap.stage not in rule.stages:
        return f"案件当前处于「{STAGE_NAMES[snap.stage]}」阶段，不能办理此操作"
    return rule.who(snap, actor) or _state_problem(action, snap, actor)


def allowed_actions(snap: CaseSnapshot, actor: Actor) -> list[Action]:
    return [a for a in DECISIONS if who_may(a, snap, actor) is None]


def text_field(value: str, what: str, *, required: bool = True) -> str | None:
    if required and not value.strip():
        return f"请填写{what}"
    if len(value) > MAX_TEXT:
        return f"{what}不能超过 {MAX_TEXT} 字"
    return None


def _future(when: datetime | None, now: datetime, what: str) -> str | None:
    if when is None:
        return f"请设定{what}"
    if when.tzinfo is None:
        return f"{what}缺少时区"
    return None if when > now else f"{what}必须晚于当前时间"


def deadline_bound_problem(d: Any, snap: CaseSnapshot, now: datetime) -> str | None:
    """A deadline a person sets is no further off than the case's policy allows (a year 9999 typo)."""
    limit = snap.policy.max_set_days
    for name in ("due_at", "new_due_at"):
        when = getattr(d, name, None)
        if isinstance(when, datetime) and when.tzinfo is not None and when > now + timedelta(days=limit):
            return f"设定的时限不能晚于 {limit} 天之后"
    return None


def text_problem(d: Any) -> str | None:
    """Control characters anywhere in a payload's text (any field, nested, in lists) are refused."""
    values: list[Any] = [d]
    while values:
        v = values.pop()
        if isinstance(v, str):
            if FORBIDDEN_CHARACTERS.search(v):
                return "内容含有不允许的控制字符，请删除后重新提交"
        elif isinstance(v, list | tuple):
            values.extend(v)
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            values.extend(getattr(v, f.name) for f in dataclasses.fields(v))
    return None


def named_orgs(d: Any) -> list[str]:
    """The departments a decision hands the case to (they must be active departments)."""
    if isinstance(d, DispatchDecision):
        return [*d.department_ids, *([d.lead_department_id] if d.lead_department_id else [])]
    return []


def directory_problem(d: Any, directory: DirectoryView | None) -> str | None:
    """Whoever acts and every org a decision names must exist in the directory, be active and be of
    the right kind. Only validators call this (see workflows.directory)."""
    problem = actor_problem(d.actor, directory)
    if problem or directory is None:
        return problem
    for org_id in named_orgs(d):
        org = directory.org(org_id)
        if org is None or not org.active:
            return f"单位「{org_id}」不存在或已停用"
        if org.kind != "department":
            return f"「{org_id}」不是区直部门，不能承办"
    return None


def actor_problem(actor: Actor, directory: DirectoryView | None) -> str | None:
    """The person acting exists in the directory, is active, and holds the role and org they claim."""
    if directory is None:
        return "单位和人员名录尚未加载，请稍后再试"
    if actor.role not in UNLISTED_ROLES:
        user = directory.user(actor.user_id)
        if user is None or not user.active:
            return "办理人账号不存在或已停用"
        if user.role != actor.role.value or user.org_id != actor.org_id:
            return "办理人的角色或所在单位与名录不符"
        if not set(actor.street_ids) <= user.street_ids:
            return "办理人的联点街道与名录不符"
        if not set(getattr(actor, "department_ids", ())) <= getattr(user, "department_ids", frozenset()):
            return "办理人的分管部门与名录不符"
    return None


def payload_problem(action: Action, d: Any, snap: CaseSnapshot, now: datetime) -> str | None:
    """A readable problem with the decision's own content, else None."""
    if isinstance(d, TriageDecision):
        return text_field(d.note, "研判意见", required=False)
    if isinstance(d, LocalResolution):
        return text_field(d.result, "办理结果")
    if isinstance(d, UnreasonableClosure):
        return text_field(d.explanation, "向群众的政策解释")
    if isinstance(d, DispatchDecision):
        return _dispatch_problem(d, snap, now)
    if isinstance(d, AcceptDecision):
        return text_field(d.response, "当日首次响应内容")
    if isinstance(d, ResultSubmission):
        if len(d.attachments) > MAX_RESULT_ATTACHMENTS:
            return f"附件最多 {MAX_RESULT_ATTACHMENTS} 个"
        mine = next((a for a in snap.assignments if a.department_id == d.actor.org_id), None)
        if mine is not None and not mine.lead and any(a.public for a in d.attachments):
            return "协办单位的附件只报送牵头单位，由牵头单位决定是否向群众公开"
        return text_field(d.result, "办理结果")
    if isinstance(d, ReturnDecision | Escalation):
        return text_field(d.reason, "理由")
    if isinstance(d, ExtensionRequest):
        if not 1 <= d.days <= snap.policy.max_extension:
            return f"延期天数须在 1 到 {snap.policy.max_extension} 之间"
        return text_field(d.reason, "延期理由")
    if isinstance(d, ExtensionDecision):
        return text_field(d.note, "审批意见", required=not d.approve)
    if isinstance(d, LimitRequest):
        return text_field(d.reason, "提请理由")
    if isinstance(d, LimitDecision):
        return text_field(d.note, "意见", required=False) or _future(d.due_at, now, "办结时限")
    if isinstance(d, ReturnReview):
        return text_field(d.note, "不同意退单的理由", required=not d.approve)
    if isinstance(d, SupervisionDecision):
        if d.lead_department_id and d.lead_department_id not in {a.department_id for a in snap.assignments}:
            return "牵头单位必须是承办部门之一"
        return text_field(d.note, "督办意见") or _future(d.new_due_at, now, "新的办结时限")
    if isinstance(d, RatingDecision):
        if d.actor.role == Role.RESIDENT and d.channel != RatingChannel.PORTAL:
            return "群众本人评价请使用评价页面"
        if d.actor.role != Role.RESIDENT and d.channel == RatingChannel.PORTAL:
            return "工作人员代为评价须注明电话询问或上门回访"
        return text_field(d.comment, "不满意的原因", required=d.value == RatingValue.DISSATISFIED)
    if isinstance(d, CallbackFailure):
        if d.channel == RatingChannel.PORTAL:
            return "请注明电话回访或上门回访"
        return text_field(d.note, "未联系上的情况", required=False)
    if isinstance(d, ReviewDecision):
        if action == Action.REOPEN:
            return text_field(d.note, "重办要求") or _future(d.new_due_at, now, "重办时限")
        return text_field(d.note, "复查意见")
    return None


def _dispatch_problem(d: DispatchDecision, snap: CaseSnapshot, now: datetime) -> str | None:
    ids = d.department_ids
    if not ids:
        return "请至少选择一个承办部门"
    if len(set(ids)) != len(ids):
        return "承办部门重复"
    if len(ids) > MAX_DEPARTMENTS:
        return f"一次最多派给 {MAX_DEPARTMENTS} 个部门"
    if len(ids) > 1 and d.lead_department_id not in ids:
        return "多个部门共同办理时，请从中指定牵头单位"
    if d.lead_department_id and d.lead_department_id not in ids:
        return "牵头单位必须是承办部门之一"
    note = text_field(d.note, "派单意见", required=False)
    if d.difficulty == Difficulty.VERY_HARD and d.due_at is not None:
        return _future(d.due_at, now, "特别难事项的办结时限") or note
    if d.due_at is not None and d.difficulty != Difficulty.VERY_HARD:
        return "一般、较难事项按政策时限办结，不能另设时限"
    return note


def refusal(action: Action, decision: Any, snap: CaseSnapshot, now: datetime) -> str | None:
    """What the case's own state and the decision's content refuse. Handlers recheck this after
    waiting for the lock, on replay too: a change to it needs `workflow.patched`."""
    return who_may(action, snap, decision.actor) or payload_problem(action, decision, snap, now)


def validation_refusal(
    action: Action, decision: Any, snap: CaseSnapshot, now: datetime, directory: DirectoryView | None
) -> str | None:
    """Everything an Update validator refuses: `refusal`, control characters, deadlines out of bounds
    and the directory. Validators never run on replay, so these checks may grow freely."""
    return (
        text_problem(decision)
        or refusal(action, decision, snap, now)
        or deadline_bound_problem(decision, snap, now)
        or portfolio_problem(decision, snap)
        or question_problem(decision)
        or directory_problem(decision, directory)
    )


def portfolio_problem(d: Any, snap: CaseSnapshot) -> str | None:
    """特别难 limits are the 分管区领导's (on the lead unit's 提请): a street sets none at dispatch, unless
    the policy has its own (the regulation's 60 days). Validators only: streets set them before."""
    very_hard = isinstance(d, DispatchDecision) and d.difficulty == Difficulty.VERY_HARD
    if very_hard and d.due_at is not None and snap.policy.completion_very_hard is None:
        return "特别难事项的办结时限由牵头单位提请分管区领导确定，派单时不设时限"
    return None


def question_problem(d: Any) -> str | None:
    """Questions every new decision must answer. Checked by validators only: decisions recorded before
    a question was asked replay without it."""
    if isinstance(d, RatingDecision) and d.solved is None:
        return "请选择群众反映的问题是否已解决（已解决 / 未解决）"
    return None
