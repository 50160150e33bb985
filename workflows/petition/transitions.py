"""What each petition decision does: pure functions from (petition, decision, now) to the new state,
the clocks to open or close, and the document it issues (numbered by the workflow afterwards).

Every clock is the regulation's (`workflows.petition.policy`); the docstrings say what starts it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from workflows.petition.types import (
    DeliveryRecord,
    DocumentKind,
    HearingEnd,
    HearingStart,
    MatterType,
    ObjectionDecision,
    PetitionAccept,
    PetitionAnswer,
    PetitionDecline,
    PetitionDocument,
    PetitionExtensionDecision,
    PetitionExtensionRequest,
    PetitionMerge,
    PetitionObjection,
    PetitionOutcome,
    PetitionPress,
    PetitionReferral,
    PetitionSnapshot,
    PetitionStage,
    PetitionTransfer,
    PetitionWithdrawal,
    ReviewOpinion,
    ReviewRequest,
)
from workflows.transitions import Effects, OpenClock
from workflows.types import DeadlineKind as K
from workflows.types import Role, Span, SpanUnit

# Clocks whose expiry makes a petition overdue (超期): work somebody owes. The request windows and
# the objection window are the petitioner's and the unit's rights running out, not lateness.
OVERDUE_KINDS = (
    K.PETITION_INTAKE,
    K.THREE_DAY,
    K.HANDED_DOWN,
    K.UNIT_ACCEPT,
    K.HANDLING,
    K.REVIEW_DECISION,
    K.RECHECK_DECISION,
)
PETITION_KINDS = (*OVERDUE_KINDS, K.UNIT_OBJECTION, K.REVIEW_REQUEST, K.RECHECK_REQUEST)
# The clocks of the bureau's own decision on a registered petition.
INTAKE_KINDS = (K.PETITION_INTAKE, K.THREE_DAY)


@dataclass
class PetitionEffects(Effects):
    # A document this decision issues; the workflow gives it its number (文号) and id.
    issue: PetitionDocument | None = None


def _move(p: PetitionSnapshot, stage: PetitionStage, holders: list[str], role: Role | None) -> None:
    p.stage, p.holder_org_ids, p.holder_role = stage, holders, role


def _doc(kind: DocumentKind, issuer: str, now: datetime, **fields: object) -> PetitionDocument:
    return PetitionDocument(id="", kind=kind, number="", issued_at=now, issuer_org_id=issuer, **fields)  # type: ignore[arg-type]


def _close(p: PetitionSnapshot, outcome: PetitionOutcome, now: datetime) -> None:
    _move(p, PetitionStage.CLOSED, [], None)
    p.outcome, p.closed_at, p.overdue = outcome, now, False


def _unit_role(p: PetitionSnapshot) -> Role:
    return Role.PETITION_CLERK if p.handling_org_id == p.registration.bureau_org_id else Role.DEPARTMENT


# --- the bureau's decision on a registered petition (15 days from receipt) ----------------------


def accept(p: PetitionSnapshot, d: PetitionAccept, now: datetime) -> PetitionEffects:
    """受理: the 60-day handling clock starts now (第三十三条), by the bureau itself for a matter within
    its own remit, or by the competent unit it was transferred to."""
    if p.stage == PetitionStage.REGISTERED:
        p.handling_org_id = d.actor.org_id
    p.accepted_at = now
    _move(p, PetitionStage.HANDLING, [p.handling_org_id], _unit_role(p))
    return PetitionEffects(
        note=d.notice or "已受理，将在60日内书面答复",
        close=(*INTAKE_KINDS, K.UNIT_ACCEPT),
        cancel=(K.UNIT_OBJECTION,),
        open=[OpenClock(K.HANDLING, p.policy.handling, org_id=p.handling_org_id)],
        issue=_doc(DocumentKind.ACCEPTANCE, d.actor.org_id, now, body=d.notice, delivery=d.delivery),
    )


def decline(p: PetitionSnapshot, d: PetitionDecline, now: datetime) -> PetitionEffects:
    """不予受理 (or 不再受理 for a concluded matter), with the notice and its ground."""
    _close(p, PetitionOutcome.DECLINED, now)
    doc = _doc(
        DocumentKind.DECLINE, d.actor.org_id, now,
        body=d.explanation, detail=d.ground.value, delivery=d.delivery,
    )  # fmt: skip
    return PetitionEffects(note=d.explanation, close=PETITION_KINDS, issue=doc)


def refer_out(p: PetitionSnapshot, d: PetitionReferral, now: datetime) -> PetitionEffects:
    """诉访分离: a matter for the courts, arbitration or administrative review is referred there."""
    _close(p, PetitionOutcome.REFERRED, now)
    doc = _doc(
        DocumentKind.REFERRAL, d.actor.org_id, now, body=d.explanation,
        detail=d.channel.value, referral_body=d.body, delivery=d.delivery,
    )  # fmt: skip
    return PetitionEffects(note=f"{d.body}：{d.explanation}", close=PETITION_KINDS, issue=doc)


def transfer(p: PetitionSnapshot, d: PetitionTransfer, now: datetime) -> PetitionEffects:
    """转送 / 交办: the competent unit must accept within 15 days of receiving it, and may object only
    within 5 working days (第三十一条); the petitioner is told where the matter went."""
    p.handling_org_id, p.transfer_mode, p.transferred_at = d.org_id, d.mode, now
    _move(p, PetitionStage.UNIT_ACCEPT, [d.org_id], Role.DEPARTMENT)
    doc = _doc(
        DocumentKind.TRANSFER, d.actor.org_id, now, body=d.note,
        detail=d.mode.value, org_id=d.org_id, delivery=d.delivery,
    )  # fmt: skip
    return PetitionEffects(
        note=d.note,
        close=INTAKE_KINDS,
        open=[
            OpenClock(K.UNIT_ACCEPT, p.policy.unit_accept, org_id=d.org_id),
            OpenClock(K.UNIT_OBJECTION, p.policy.objection, org_id=d.org_id, cutoff=False),
        ],
        issue=doc,
    )


def object_to(p: PetitionSnapshot, d: PetitionObjection, now: datetime) -> PetitionEffects:
    """The unit objects with reasons; the transferring bureau verifies it. Its acceptance clock keeps
    running meanwhile: a refused objection does not buy time."""
    p.objection_reason = d.reason
    p.objections += 1
    _move(p, PetitionStage.OBJECTION, [p.registration.bureau_org_id], Role.PETITION_HEAD)
    note = d.reason + (f"（建议转交：{d.suggested_org_id}）" if d.suggested_org_id else "")
    return PetitionEffects(note=note, public=False, close=(K.UNIT_OBJECTION,))


def decide_objection(p: PetitionSnapshot, d: ObjectionDecision, now: datetime) -> PetitionEffects:
    """Agreed: the matter comes back to the bureau, which transfers it afresh within 15 days of the
    agreement. Refused: the unit must accept it, on its original clock."""
    if not d.agree:
        _move(p, PetitionStage.UNIT_ACCEPT, [p.handling_org_id], Role.DEPARTMENT)
        return PetitionEffects(note=d.note or "异议不成立，请依法受理", public=False)
    p.handling_org_id, p.transfer_mode, p.transferred_at = "", None, None
    _move(p, PetitionStage.REGISTERED, [p.registration.bureau_org_id], Role.PETITION_CLERK)
    # The bureau's new clock counts from the agreement, not from the original receipt.
    again = Span(p.policy.intake.amount, p.policy.intake.unit)
    return PetitionEffects(
        note=d.note or "同意异议，重新转送",
        public=False,
        cancel=(K.UNIT_ACCEPT,),
        open=[OpenClock(K.PETITION_INTAKE, again, org_id=p.registration.bureau_org_id, label="重新转送期限")],
    )


# --- handling (60 days from 受理) -----------------------------------------------------------------


def request_extension(p: PetitionSnapshot, d: PetitionExtensionRequest, now: datetime) -> PetitionEffects:
    p.extension_pending_days, p.extension_reason = d.days, d.reason
    return PetitionEffects(note=f"申请延期 {d.days} 日：{d.reason}", public=False)


def decide_extension(p: PetitionSnapshot, d: PetitionExtensionDecision, now: datetime) -> PetitionEffects:
    """The unit's head approves (the reason is told to the petitioner in a 延期告知书) or refuses.
    An approved extension runs on from the old deadline, at most 30 days, once (第三十三条)."""
    days, reason = p.extension_pending_days, p.extension_reason
    p.extension_pending_days, p.extension_reason = 0, ""
    _move(p, PetitionStage.HANDLING, [p.handling_org_id], _unit_role(p))
    if not d.approve:
        return PetitionEffects(note=d.note or "不同意延期", public=False)
    p.extensions_granted += 1
    current = next((x for x in reversed(p.deadlines) if x.kind == K.HANDLING and x.closed_at is None), None)
    base = current.due_at if current else now
    clock = OpenClock(
        K.HANDLING, Span(days, SpanUnit.CALENDAR_DAYS if p.policy.handling.unit != SpanUnit.SECONDS
                         else SpanUnit.SECONDS),
        org_id=p.handling_org_id, label="延期后办理期限", start=base, cutoff=False,
    )  # fmt: skip
    doc = _doc(
        DocumentKind.EXTENSION, d.actor.org_id, now, body=reason, detail=str(days), delivery=d.delivery
    )
    return PetitionEffects(note=f"延期 {days} 日：{reason}", cancel=(K.HANDLING,), open=[clock], issue=doc)


def answer(p: PetitionSnapshot, d: PetitionAnswer, now: datetime) -> PetitionEffects:
    """处理意见书: handling ends; the petitioner's 复查 window opens when its delivery is recorded."""
    p.answered_at = now
    _to_delivery(p)
    doc = _doc(
        DocumentKind.OPINION, d.actor.org_id, now, outcome=d.outcome.value,
        facts=d.facts, reasons=d.reasons, decision=d.decision,
    )  # fmt: skip
    return PetitionEffects(note="出具信访事项处理意见书", close=(K.HANDLING, K.HANDED_DOWN), issue=doc)


def _to_delivery(p: PetitionSnapshot) -> None:
    _move(p, PetitionStage.DELIVERY, [p.registration.bureau_org_id], Role.PETITION_CLERK)


def deliver(p: PetitionSnapshot, d: DeliveryRecord, now: datetime) -> PetitionEffects:
    """送达 recorded: the window for the next step counts from the day the petitioner received it
    (第三十五条). After the 复核意见 there is no next step: the matter is concluded (终结)."""
    doc = p.documents[-1]
    doc.delivery, doc.delivered_at = d.method, d.received_at
    if doc.kind == DocumentKind.RECHECK:
        _close(p, PetitionOutcome.CONCLUDED, now)
        return PetitionEffects(note="复核意见书已送达，信访事项终结", close=PETITION_KINDS)
    if doc.kind == DocumentKind.REVIEW:
        _move(p, PetitionStage.RECHECK_WINDOW, [], None)
        window = OpenClock(K.RECHECK_REQUEST, p.policy.recheck_request, start=d.received_at, cutoff=False)
    else:
        _move(p, PetitionStage.REVIEW_WINDOW, [], None)
        window = OpenClock(K.REVIEW_REQUEST, p.policy.review_request, start=d.received_at, cutoff=False)
    return PetitionEffects(note=f"{_DOC_NAMES[doc.kind]}已送达", open=[window])


_DOC_NAMES = {
    DocumentKind.OPINION: "处理意见书",
    DocumentKind.REVIEW: "复查意见书",
    DocumentKind.RECHECK: "复核意见书",
}


# --- 复查 and 复核 ----------------------------------------------------------------------------------


def request_review(p: PetitionSnapshot, d: ReviewRequest, now: datetime) -> PetitionEffects:
    """复查 requested within 30 days: the level above the handling unit decides within 30 days."""
    p.review_org_id, p.review_requested_at = d.org_id, now
    _move(p, PetitionStage.REVIEW, [d.org_id], Role.REVIEWER)
    return PetitionEffects(
        note=d.reasons,
        close=(K.REVIEW_REQUEST,),
        open=[OpenClock(K.REVIEW_DECISION, p.policy.review, org_id=d.org_id)],
    )


def decide_review(p: PetitionSnapshot, d: ReviewOpinion, now: datetime) -> PetitionEffects:
    _to_delivery(p)
    doc = _doc(
        DocumentKind.REVIEW, d.actor.org_id, now, outcome=d.outcome.value,
        reasons=d.reasons, decision=d.decision,
    )  # fmt: skip
    return PetitionEffects(note="出具复查意见书", close=(K.REVIEW_DECISION,), issue=doc)


def request_recheck(p: PetitionSnapshot, d: ReviewRequest, now: datetime) -> PetitionEffects:
    """复核 requested within 30 days of receiving the 复查意见: the next level decides within 30."""
    p.recheck_org_id, p.recheck_requested_at = d.org_id, now
    _move(p, PetitionStage.RECHECK, [d.org_id], Role.REVIEWER)
    return PetitionEffects(
        note=d.reasons,
        close=(K.RECHECK_REQUEST,),
        open=[OpenClock(K.RECHECK_DECISION, p.policy.recheck, org_id=d.org_id)],
    )


def start_hearing(p: PetitionSnapshot, d: HearingStart, now: datetime) -> PetitionEffects:
    """听证: the 复核 clock stops; its time does not count (第三十五条)."""
    p.hearing_started_at = now
    return PetitionEffects(note=d.note or "举行听证，复核期限中止计算", cancel=(K.RECHECK_DECISION,))


def end_hearing(p: PetitionSnapshot, d: HearingEnd, now: datetime) -> PetitionEffects:
    """The hearing ended: the 复核 clock runs again, its deadline moved by the days the hearing took
    (a day begun counts whole, so the petitioner never loses time)."""
    started = p.hearing_started_at or now
    paused = now - started
    # A minute's grace, so a hearing of exactly two days is two days and not three.
    days = max(1, math.ceil((paused - timedelta(minutes=1)) / timedelta(days=1)))
    p.hearing_started_at = None
    p.hearing_days += days
    stopped = next((x for x in reversed(p.deadlines) if x.kind == K.RECHECK_DECISION), None)
    seconds = p.policy.recheck.unit == SpanUnit.SECONDS
    due = (stopped.due_at if stopped else now) + (paused if seconds else timedelta(days=days))
    clock = OpenClock(K.RECHECK_DECISION, due_at=due, org_id=p.recheck_org_id, label="复核期限（听证后）")
    return PetitionEffects(note=f"听证结束（不计入复核期限 {days} 日）：{d.summary}", open=[clock])


def decide_recheck(p: PetitionSnapshot, d: ReviewOpinion, now: datetime) -> PetitionEffects:
    _to_delivery(p)
    doc = _doc(
        DocumentKind.RECHECK, d.actor.org_id, now, outcome=d.outcome.value,
        reasons=d.reasons, decision=d.decision,
    )  # fmt: skip
    return PetitionEffects(note="出具复核意见书", close=(K.RECHECK_DECISION,), issue=doc)


# --- anytime ------------------------------------------------------------------------------------


def press(p: PetitionSnapshot, d: PetitionPress, now: datetime) -> PetitionEffects:
    p.presses += 1
    return PetitionEffects(note=d.note, public=False)


def withdraw(p: PetitionSnapshot, d: PetitionWithdrawal, now: datetime) -> PetitionEffects:
    _close(p, PetitionOutcome.WITHDRAWN, now)
    return PetitionEffects(note=d.reason or "信访人撤回", close=PETITION_KINDS)


def merge(p: PetitionSnapshot, d: PetitionMerge, now: datetime) -> PetitionEffects:
    """并案: the matter is handled as the other open petition; this one closes as merged and every clock
    it had running is cancelled (the work is owed on the other petition, not late here)."""
    _close(p, PetitionOutcome.MERGED, now)
    p.merged_into = d.into
    return PetitionEffects(note=f"并入 {d.into}：{d.reason}", cancel=PETITION_KINDS)


def on_expiry(p: PetitionSnapshot, kind: K, now: datetime) -> tuple[str, PetitionEffects]:
    """The rule at each clock's end: a request window that passes makes the last opinion final (the
    petition closes); the objection window's end only means the unit can no longer object; any
    other clock makes the petition overdue, for the bureau's head to press (督办)."""
    if kind == K.REVIEW_REQUEST:
        _close(p, PetitionOutcome.ANSWERED, now)
        return "window_passed", PetitionEffects(note="未在期限内申请复查，处理意见生效", close=PETITION_KINDS)
    if kind == K.RECHECK_REQUEST:
        _close(p, PetitionOutcome.REVIEWED, now)
        return "window_passed", PetitionEffects(note="未在期限内申请复核，复查意见生效", close=PETITION_KINDS)
    if kind == K.UNIT_OBJECTION:
        return "objection_window_passed", PetitionEffects(note="异议期限已过", public=False)
    p.ever_overdue = True
    return "overdue", PetitionEffects(public=False)


def accused_problem(p: PetitionSnapshot, org_id: str, org_kind: str | None) -> str | None:
    """检举控告: never to the accused unit; about officials, only to the discipline body (纪检监察)."""
    reg = p.registration
    if reg.matter_type != MatterType.ACCUSATION:
        return None
    if reg.accused_org_id and org_id == reg.accused_org_id:
        return "检举控告事项不得转交被检举控告的单位办理"
    if reg.about_officials and org_kind is not None and org_kind != "discipline":
        return "检举控告公职人员的事项应当转交纪检监察机关"
    return None
