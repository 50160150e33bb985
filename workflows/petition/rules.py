"""Who may take which petition decision at which stage, with what content, checked against what.

Two callers, as for 六单 (`workflows.rules`): the workflow's Update validators (a refusal writes
nothing to the history) and the web, which offers an officer exactly the allowed actions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from workflows.directory import DirectoryView
from workflows.petition.decisions import PETITION_DECISIONS
from workflows.petition.transitions import accused_problem
from workflows.petition.types import (
    DeclineGround,
    DeliveryRecord,
    DocumentKind,
    HearingEnd,
    ObjectionDecision,
    PetitionAction,
    PetitionAnswer,
    PetitionDecline,
    PetitionExtensionDecision,
    PetitionExtensionRequest,
    PetitionMerge,
    PetitionObjection,
    PetitionPress,
    PetitionReferral,
    PetitionSnapshot,
    PetitionStage,
    PetitionTransfer,
    ReviewOpinion,
    ReviewRequest,
)
from workflows.rules import actor_problem, text_field, text_problem
from workflows.types import Actor, DeadlineKind

STAGE_NAMES = {
    PetitionStage.REGISTERED: "登记待受理",
    PetitionStage.UNIT_ACCEPT: "转送待受理",
    PetitionStage.OBJECTION: "异议待审核",
    PetitionStage.HANDLING: "办理中",
    PetitionStage.DELIVERY: "意见书待送达",
    PetitionStage.REVIEW_WINDOW: "复查申请期",
    PetitionStage.REVIEW: "复查中",
    PetitionStage.RECHECK_WINDOW: "复核申请期",
    PetitionStage.RECHECK: "复核中",
    PetitionStage.CLOSED: "已结束",
}
CHINA = timezone(timedelta(hours=8))  # no daylight saving: Asia/Shanghai without a tz database
# Orgs a petition may be transferred to: they handle matters (the bureau handles its own by 受理).
HANDLING_KINDS = ("department", "street", "discipline", "district")


def who_may(action: PetitionAction, p: PetitionSnapshot, actor: Actor) -> str | None:
    rule = PETITION_DECISIONS[action].rule
    if p.stage not in rule.stages:
        return f"信访事项当前处于「{STAGE_NAMES[p.stage]}」阶段，不能办理此操作"
    return rule.who(p, actor) or _state_problem(action, p)


def allowed_actions(p: PetitionSnapshot, actor: Actor) -> list[PetitionAction]:
    return [a for a in PETITION_DECISIONS if who_may(a, p, actor) is None]


def _running(p: PetitionSnapshot, kind: DeadlineKind) -> bool:
    return any(d.kind == kind and d.closed_at is None for d in p.deadlines)


def _state_problem(action: PetitionAction, p: PetitionSnapshot) -> str | None:
    if action == PetitionAction.OBJECT and not _running(p, DeadlineKind.UNIT_OBJECTION):
        return "异议期限（收到之日起5个工作日）已过，请依法受理"
    if action == PetitionAction.REQUEST_EXTENSION:
        if p.extension_pending_days:
            return "延期申请正在审批中"
        if p.extensions_granted:
            return "办理期限只能延长一次"
    if action == PetitionAction.DECIDE_EXTENSION and not p.extension_pending_days:
        return "没有待审批的延期申请"
    if action == PetitionAction.ANSWER and p.extension_pending_days:
        return "延期申请正在审批中，请待审批后再出具意见"
    if action == PetitionAction.START_HEARING and p.hearing_started_at is not None:
        return "听证正在进行中"
    if action == PetitionAction.END_HEARING and p.hearing_started_at is None:
        return "没有正在进行的听证"
    if action == PetitionAction.DECIDE_RECHECK and p.hearing_started_at is not None:
        return "请先结束听证"
    return None


def payload_problem(action: PetitionAction, d: Any, p: PetitionSnapshot, now: datetime) -> str | None:
    if isinstance(d, PetitionDecline):
        reg = p.registration
        if d.ground == DeclineGround.CONCLUDED and not (reg.repeat_of and reg.repeat_of_concluded):
            return "只有已终结事项的重复信访可以「不再受理」"
        return text_field(d.explanation, "不予受理的理由")
    if isinstance(d, PetitionReferral):
        return text_field(d.body, "应当受理的机关或途径") or text_field(d.explanation, "告知内容")
    if isinstance(d, PetitionTransfer):
        if not d.org_id:
            return "请选择有权处理的机关"
        if d.org_id == p.registration.bureau_org_id:
            return "本部门有权处理的事项请直接受理"
        return accused_problem(p, d.org_id, None) or text_field(d.note, "转送意见", required=False)
    if isinstance(d, PetitionObjection):
        return text_field(d.reason, "异议理由")
    if isinstance(d, ObjectionDecision):
        return text_field(d.note, "审核意见", required=False)
    if isinstance(d, PetitionExtensionRequest):
        if not 1 <= d.days <= p.policy.max_extension_days:
            return f"延长期限须在 1 到 {p.policy.max_extension_days} 日之间"
        return text_field(d.reason, "延期理由（将告知信访人）")
    if isinstance(d, PetitionExtensionDecision):
        return text_field(d.note, "审批意见", required=not d.approve)
    if isinstance(d, PetitionAnswer):
        return (
            text_field(d.facts, "查明的事实")
            or text_field(d.reasons, "处理理由和依据")
            or text_field(d.decision, "处理意见")
        )
    if isinstance(d, DeliveryRecord):
        return _delivery_problem(d, p, now)
    if isinstance(d, ReviewRequest):
        return text_field(d.reasons, "申请理由") or (None if d.org_id else "没有可以受理此申请的上一级机关")
    if isinstance(d, ReviewOpinion):
        return text_field(d.reasons, "理由和依据") or text_field(d.decision, "意见")
    if isinstance(d, HearingEnd):
        return text_field(d.summary, "听证情况")
    if isinstance(d, PetitionPress):
        return text_field(d.note, "督办意见")
    if isinstance(d, PetitionMerge):
        # That the other petition exists and is open is the read model's to say (the web checks it).
        if not d.into.strip():
            return "请填写并入的信访事项编号"
        if d.into.strip() == p.code:
            return "信访事项不能并入它自己"
        return text_field(d.reason, "并案理由")
    return None


def _delivery_problem(d: DeliveryRecord, p: PetitionSnapshot, now: datetime) -> str | None:
    doc = p.documents[-1] if p.documents else None
    if doc is None or doc.kind not in (DocumentKind.OPINION, DocumentKind.REVIEW, DocumentKind.RECHECK):
        return "没有待送达的意见书"
    if d.received_at.tzinfo is None:
        return "送达时间缺少时区"
    if d.received_at > now + timedelta(minutes=5):
        return "送达时间不能晚于现在"
    # Officers record the receipt to the minute (or the day): only a day before the issue is wrong.
    if _day(d.received_at) < _day(doc.issued_at):
        return "送达时间不能早于意见书出具日期"
    return None


def _day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def refusal(action: PetitionAction, d: Any, p: PetitionSnapshot, now: datetime) -> str | None:
    """What the petition's state and the decision's content refuse; rechecked by the handler after it
    waited for the lock, on replay too: a change here needs `workflow.patched`."""
    return who_may(action, p, d.actor) or payload_problem(action, d, p, now)


def directory_problem(
    action: PetitionAction, d: Any, p: PetitionSnapshot, directory: DirectoryView | None
) -> str | None:
    """The acting officer, and every org the decision names, checked against the directory (validators
    only): a transfer goes to an active handling unit, never the accused one; 复查 goes to the level
    above the handling unit and 复核 to the level above that."""
    problem = actor_problem(d.actor, directory)
    if problem or directory is None:
        return problem
    if isinstance(d, PetitionTransfer):
        org = directory.org(d.org_id)
        if org is None or not org.active:
            return f"单位「{d.org_id}」不存在或已停用"
        if org.kind not in HANDLING_KINDS:
            return f"「{d.org_id}」不是有权处理信访事项的机关"
        return accused_problem(p, d.org_id, org.kind)
    if isinstance(d, ReviewRequest):
        below = p.handling_org_id if action == PetitionAction.REQUEST_REVIEW else p.review_org_id
        above = directory.parent(below)
        if above is None or not above.active:
            return "名录中没有此机关的上一级机关，无法申请"
        if d.org_id != above.id:
            what = "复查" if action == PetitionAction.REQUEST_REVIEW else "复核"
            return f"{what}应当由原办理机关的上一级机关（{above.id}）办理"
    return None


def validation_refusal(
    action: PetitionAction, d: Any, p: PetitionSnapshot, now: datetime, directory: DirectoryView | None
) -> str | None:
    return text_problem(d) or refusal(action, d, p, now) or directory_problem(action, d, p, directory)
