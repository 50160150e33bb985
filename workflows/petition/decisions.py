"""Every decision a petition accepts, declared once: payload, who may take it at which stage, what it
does, and what it is called. The workflow's named Updates and validators, the web's forms and the
actions offered to each officer all follow from this table, as `workflows.decisions` does for 六单.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.petition import transitions as t
from workflows.petition import who
from workflows.petition.transitions import PetitionEffects
from workflows.petition.types import (
    DeliveryRecord,
    HearingEnd,
    HearingStart,
    ObjectionDecision,
    PetitionAccept,
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
    PetitionWithdrawal,
    ReviewOpinion,
    ReviewRequest,
)
from workflows.petition.who import OPEN_STAGES, Rule

S = PetitionStage
Transition = Callable[[PetitionSnapshot, Any, datetime], PetitionEffects]


@dataclass(frozen=True)
class PetitionDecision:
    action: PetitionAction
    payload: type[Any]
    rule: Rule
    transition: Transition
    label: str  # zh-CN, as officers and the timeline read it


_BEFORE_ANSWER = (S.REGISTERED, S.UNIT_ACCEPT, S.OBJECTION, S.HANDLING)

PETITION_DECISIONS: dict[PetitionAction, PetitionDecision] = {
    d.action: d
    for d in (
        PetitionDecision(
            PetitionAction.ACCEPT,
            PetitionAccept,
            Rule((S.REGISTERED, S.UNIT_ACCEPT), who.holder),
            t.accept,
            "受理",
        ),
        PetitionDecision(
            PetitionAction.DECLINE,
            PetitionDecline,
            Rule((S.REGISTERED, S.UNIT_ACCEPT), who.holder),
            t.decline,
            "不予受理",
        ),
        PetitionDecision(
            PetitionAction.REFER_OUT,
            PetitionReferral,
            Rule((S.REGISTERED,), who.bureau),
            t.refer_out,
            "诉访分离",
        ),
        PetitionDecision(
            PetitionAction.TRANSFER,
            PetitionTransfer,
            Rule((S.REGISTERED,), who.bureau),
            t.transfer,
            "转送交办",
        ),
        PetitionDecision(
            PetitionAction.OBJECT,
            PetitionObjection,
            Rule((S.UNIT_ACCEPT,), who.handling_unit),
            t.object_to,
            "提出异议",
        ),
        PetitionDecision(
            PetitionAction.DECIDE_OBJECTION,
            ObjectionDecision,
            Rule((S.OBJECTION,), who.bureau_head),
            t.decide_objection,
            "审核异议",
        ),
        PetitionDecision(
            PetitionAction.REQUEST_EXTENSION,
            PetitionExtensionRequest,
            Rule((S.HANDLING,), who.handling_unit),
            t.request_extension,
            "申请延期",
        ),
        PetitionDecision(
            PetitionAction.DECIDE_EXTENSION,
            PetitionExtensionDecision,
            Rule((S.HANDLING,), who.unit_head),
            t.decide_extension,
            "审批延期",
        ),
        PetitionDecision(
            PetitionAction.ANSWER,
            PetitionAnswer,
            Rule((S.HANDLING,), who.handling_unit),
            t.answer,
            "出具处理意见书",
        ),
        PetitionDecision(
            PetitionAction.DELIVER, DeliveryRecord, Rule((S.DELIVERY,), who.deliverer), t.deliver, "登记送达"
        ),
        PetitionDecision(
            PetitionAction.REQUEST_REVIEW,
            ReviewRequest,
            Rule((S.REVIEW_WINDOW,), who.petitioner_or_desk),
            t.request_review,
            "申请复查",
        ),
        PetitionDecision(
            PetitionAction.DECIDE_REVIEW,
            ReviewOpinion,
            Rule((S.REVIEW,), who.reviewer),
            t.decide_review,
            "出具复查意见书",
        ),
        PetitionDecision(
            PetitionAction.REQUEST_RECHECK,
            ReviewRequest,
            Rule((S.RECHECK_WINDOW,), who.petitioner_or_desk),
            t.request_recheck,
            "申请复核",
        ),
        PetitionDecision(
            PetitionAction.START_HEARING,
            HearingStart,
            Rule((S.RECHECK,), who.rechecker),
            t.start_hearing,
            "举行听证",
        ),
        PetitionDecision(
            PetitionAction.END_HEARING,
            HearingEnd,
            Rule((S.RECHECK,), who.rechecker),
            t.end_hearing,
            "听证结束",
        ),
        PetitionDecision(
            PetitionAction.DECIDE_RECHECK,
            ReviewOpinion,
            Rule((S.RECHECK,), who.rechecker),
            t.decide_recheck,
            "出具复核意见书",
        ),
        PetitionDecision(
            PetitionAction.PRESS, PetitionPress, Rule(OPEN_STAGES, who.bureau_head), t.press, "督办"
        ),
        PetitionDecision(
            PetitionAction.WITHDRAW,
            PetitionWithdrawal,
            Rule(_BEFORE_ANSWER, who.petitioner_or_desk),
            t.withdraw,
            "撤回信访事项",
        ),
        PetitionDecision(PetitionAction.MERGE, PetitionMerge, Rule(OPEN_STAGES, who.bureau), t.merge, "并案"),
    )
}
