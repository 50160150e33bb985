"""What each decision does to a case: pure functions from (state, decision, now) to a new state
and the deadline clocks to open or close.

The workflow runs these inside its lock and then carries out the clock effects (computing new
deadlines needs the calendar activity). Keeping them pure keeps the business rules in one
readable place, testable without a server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflows.patches import patched
from workflows.types import (
    AcceptDecision,
    Action,
    Actor,
    Assignment,
    CallbackFailure,
    CaseSnapshot,
    DeadlineKind,
    Difficulty,
    DispatchDecision,
    Escalation,
    EscalationTarget,
    ExtensionDecision,
    ExtensionRequest,
    LimitDecision,
    LimitRequest,
    LocalResolution,
    Outcome,
    RatingChannel,
    RatingDecision,
    RatingRecord,
    RatingValue,
    Reminder,
    ReportUp,
    ResultSubmission,
    ReturnDecision,
    ReturnReview,
    ReviewDecision,
    Role,
    SignDecision,
    Span,
    Stage,
    SupervisionDecision,
    TakeCharge,
    TriageDecision,
    UnreasonableClosure,
    Urgency,
    Withdrawal,
)

# Since this patch a case the leader closes after a dissatisfied rating is 不满意结案, not 已解决.
PATCH_DISSATISFIED_CLOSE = "dissatisfied-close-outcome-2026-11"
# Since this patch 退单 is a request the street agrees to or refuses (`return_case`, `decide_return`).
PATCH_RETURN_REQUEST = "return-request-2026-12"
RETURN_REQUESTED = "return_requested"  # the request's timeline entry; the return itself stays `return_case`
# Since this patch a clock that runs out sends the case where the source sends it (`escalation_target`)
# rather than always to the linked leader.
PATCH_ESCALATION_BY_STAGE = "escalation-by-stage-2026-12"
ESCALATION_NAMES = {
    EscalationTarget.STREET: "街道",
    EscalationTarget.STREET_HEAD: "街道主要负责人",
    EscalationTarget.LEADER: "联点区领导",
    EscalationTarget.DISCIPLINE: "纪工委",
}
# Supervision set by these roles answers to the linked leader when it runs out; a leader's (or the
# supervision office's) to the discipline commission.
STREET_SUPERVISORS = (Role.STREET.value, Role.UNIT_HEAD.value)

# Clocks whose expiry makes the case overdue and sends it to the supervising leader (督单).
ESCALATING = (
    DeadlineKind.REPORT,
    DeadlineKind.SIGN,
    DeadlineKind.DISPATCH,
    DeadlineKind.RESPONSE,
    DeadlineKind.COMPLETION,
    DeadlineKind.SUPERVISION,
)
# A late leader's review (复查) counts as overdue too, though nobody above the leader supervises it
# but the discipline commission.
OVERDUE_KINDS = (*ESCALATING, DeadlineKind.REVIEW)
ALL_KINDS = tuple(DeadlineKind)


@dataclass
class OpenClock:
    """Start a deadline clock: from a policy span, or at an explicit time a person set."""

    kind: DeadlineKind
    span: Span | None = None
    due_at: datetime | None = None
    org_id: str = ""
    label: str = ""  # overrides the kind's label (e.g. 重办时限)
    start: datetime | None = None  # the span counts from here instead of now (an extension)
    # The office-hours cutoff moves a receipt to the next working day; an extension counts on from
    # the old deadline's own day (23:59:59 would otherwise cost it a working day).
    cutoff: bool = True


@dataclass
class Entry:
    """A further timeline entry a decision makes, in someone else's name (a return that takes effect
    is the department's 退单, though the street agreed to it)."""

    action: str
    actor: Actor
    note: str = ""


@dataclass
class Effects:
    note: str = ""  # what goes into the timeline entry for this decision
    public: bool = True  # whether the resident sees the timeline entry
    record_as: str = ""  # the entry's action when not the decision's own
    also: list[Entry] = field(default_factory=list)  # entries after the decision's own
    close: tuple[DeadlineKind, ...] = ()  # clocks whose work is done (met, or late if overdue)
    cancel: tuple[DeadlineKind, ...] = ()  # clocks superseded before their work was done
    open: list[OpenClock] = field(default_factory=list)


def _move(s: CaseSnapshot, stage: Stage, holders: list[str], role: Role | None) -> None:
    if stage != s.stage:
        s.escalated = False  # a request for the leader's help was about the stage now left behind
    s.stage = stage
    s.holder_org_ids = holders
    s.holder_role = role


def _close_case(s: CaseSnapshot, outcome: Outcome, now: datetime) -> Effects:
    _move(s, Stage.CLOSED, [], None)
    s.outcome = outcome
    s.closed_at = now
    s.overdue = False
    return Effects(close=ALL_KINDS)


def _to_rating(s: CaseSnapshot, result: str, now: datetime) -> Effects:
    s.result = result
    s.completed_at = now
    s.callback_failures = 0  # a new rating window: the callbacks start again
    # The community calls or visits the resident for a rating when they do not rate online.
    _move(s, Stage.RATE, [s.registration.community_org_id], Role.COMMUNITY)
    return Effects(close=ALL_KINDS, open=[OpenClock(DeadlineKind.RATING, s.policy.rating)])


def _to_dispatch(s: CaseSnapshot, clock: OpenClock) -> Effects:
    s.assignments = []
    s.difficulty = None
    street = s.registration.street_org_id
    _move(s, Stage.DISPATCH, [street], Role.STREET)
    clock.org_id = street
    return Effects(close=ALL_KINDS, open=[clock])


def triage(s: CaseSnapshot, d: TriageDecision, now: datetime) -> Effects:
    s.urgency, s.category = d.urgency, d.category
    return Effects(note=d.note, public=False)


def resolve_locally(s: CaseSnapshot, d: LocalResolution, now: datetime) -> Effects:
    who = f"（责任人：{d.responsible_person}）" if d.responsible_person else ""
    effects = _to_rating(s, d.result, now)
    effects.note = d.result + who
    return effects


def report_up(s: CaseSnapshot, d: ReportUp, now: datetime) -> Effects:
    s.reported_at = now
    street = s.registration.street_org_id
    _move(s, Stage.SIGN, [street], Role.STREET)
    return Effects(
        note=d.note, close=ALL_KINDS, open=[OpenClock(DeadlineKind.SIGN, s.policy.sign, org_id=street)]
    )


def close_unreasonable(s: CaseSnapshot, d: UnreasonableClosure, now: datetime) -> Effects:
    effects = _close_case(s, Outcome.UNREASONABLE, now)
    effects.note = d.explanation
    return effects


def _dispatch_span(s: CaseSnapshot) -> Span:
    # 合理急办 items are dispatched the same day, the first time and after a return alike.
    return s.policy.dispatch_urgent if s.urgency == Urgency.URGENT else s.policy.dispatch


def sign(s: CaseSnapshot, d: SignDecision, now: datetime) -> Effects:
    s.signed_at = now
    effects = _to_dispatch(s, OpenClock(DeadlineKind.DISPATCH, _dispatch_span(s)))
    effects.note = d.note
    return effects


def dispatch(s: CaseSnapshot, d: DispatchDecision, now: datetime) -> Effects:
    lead = d.lead_department_id or d.department_ids[0]
    s.assignments = [Assignment(department_id=i, lead=i == lead, dispatched_at=now) for i in d.department_ids]
    s.difficulty = d.difficulty
    s.dispatched_at = now
    _move(s, Stage.ACCEPT, list(d.department_ids), Role.DEPARTMENT)
    completion = {
        Difficulty.ORDINARY: s.policy.completion_ordinary,
        Difficulty.HARD: s.policy.completion_hard,
        Difficulty.VERY_HARD: s.policy.completion_very_hard,
    }[d.difficulty]
    clocks = [OpenClock(DeadlineKind.RESPONSE, s.policy.response, org_id=lead)]
    if completion is None and d.due_at is None:
        # 特别难 with no policy span: no clock until the 分管区领导 sets one on the lead unit's 提请.
        s.limit_needed = True
    else:
        clocks.append(
            OpenClock(DeadlineKind.COMPLETION, None if d.due_at else completion, due_at=d.due_at, org_id=lead)
        )
    if s.policy.objection is not None:
        clocks.append(OpenClock(DeadlineKind.OBJECTION, s.policy.objection, org_id=lead))
    return Effects(note=d.note, close=ALL_KINDS, open=clocks)


def accept(s: CaseSnapshot, d: AcceptDecision, now: datetime) -> Effects:
    mine = next(a for a in s.assignments if a.department_id == d.actor.org_id)
    mine.accepted_at, mine.response = now, d.response
    mine.return_requested_at, mine.return_reason = None, ""  # accepting withdraws a 退单 request
    if all(a.accepted_at for a in s.assignments):
        _move(s, Stage.HANDLE, [a.department_id for a in s.assignments], Role.DEPARTMENT)
        return Effects(note=d.response, close=(DeadlineKind.RESPONSE, DeadlineKind.OBJECTION))
    s.holder_org_ids = [a.department_id for a in s.assignments if not a.accepted_at]
    return Effects(note=d.response)


def return_case(s: CaseSnapshot, d: ReturnDecision, now: datetime) -> Effects:
    """退单: a department says the matter is not theirs. Since `PATCH_RETURN_REQUEST` it is a request:
    the street agrees or refuses (`decide_return`), and the department's clocks run meanwhile. Before,
    the return took effect at once."""
    mine = next(a for a in s.assignments if a.department_id == d.actor.org_id)
    if patched(PATCH_RETURN_REQUEST):
        mine.return_requested_at, mine.return_reason = now, d.reason
        return Effects(note=d.reason, public=False, record_as=RETURN_REQUESTED)
    return _returned(s, mine, d.reason)


def decide_return(s: CaseSnapshot, d: ReturnReview, now: datetime) -> Effects:
    """The street on the earliest 退单 request: agreed, the return takes effect (recorded as the
    department's 退单, for its figures); refused, the department carries on with the case."""
    mine = min(
        (a for a in s.assignments if a.return_requested_at),
        key=lambda a: a.return_requested_at or now,
    )
    reason, mine.return_requested_at, mine.return_reason = mine.return_reason, None, ""
    if not d.approve:
        return Effects(note=f"不同意退单：{d.note}", public=False)
    department = Actor(f"org:{mine.department_id}", Role.DEPARTMENT, mine.department_id)
    effects = _returned(s, mine, reason)
    effects.note = "同意退单" + (f"：{d.note}" if d.note else "")
    effects.also = [Entry(Action.RETURN_CASE.value, department, reason)]
    return effects


def _returned(s: CaseSnapshot, mine: Assignment, reason: str) -> Effects:
    """A return that takes effect. A co-department (not the lead unit) drops out and the others carry
    on. Otherwise the case goes back to the street for a new dispatch, whose clock starts again
    (re-armed, not resumed)."""
    s.returns += 1
    if not mine.lead:
        s.departed.append(mine)
        s.assignments.remove(mine)
        waiting = [a.department_id for a in s.assignments if not a.accepted_at]
        if waiting:
            s.holder_org_ids = waiting
            return Effects(note=reason, public=False)
        _move(s, Stage.HANDLE, [a.department_id for a in s.assignments], Role.DEPARTMENT)
        return Effects(note=reason, public=False, close=(DeadlineKind.RESPONSE, DeadlineKind.OBJECTION))
    s.departed.extend(s.assignments)
    effects = _to_dispatch(s, OpenClock(DeadlineKind.DISPATCH, _dispatch_span(s)))
    effects.note, effects.public = reason, False
    effects.cancel, effects.close = effects.close, ()
    return effects


def request_limit(s: CaseSnapshot, d: LimitRequest, now: datetime) -> Effects:
    """提请: the lead unit proposes a 特别难 limit to its 分管区领导."""
    s.limit_requested_days, s.limit_request_reason = d.days, d.reason
    return Effects(note=f"提请分管区领导确定办结时限（建议 {d.days} 个工作日）：{d.reason}", public=False)


def decide_limit(s: CaseSnapshot, d: LimitDecision, now: datetime) -> Effects:
    """The 分管区领导 sets the limit: the lead unit's completion clock starts, due when the leader said."""
    s.limit_needed, s.limit_requested_days, s.limit_request_reason = False, 0, ""
    lead = next((a.department_id for a in s.assignments if a.lead), "")
    clock = OpenClock(DeadlineKind.COMPLETION, due_at=d.due_at, org_id=lead, label="领导确定的办结时限")
    return Effects(note=d.note or "分管区领导确定办结时限", public=False, open=[clock])


def request_extension(s: CaseSnapshot, d: ExtensionRequest, now: datetime) -> Effects:
    s.extension_pending_days = d.days
    return Effects(note=f"申请延期 {d.days}（{s.policy.extension_unit.value}）：{d.reason}", public=False)


def decide_extension(s: CaseSnapshot, d: ExtensionDecision, now: datetime) -> Effects:
    days, s.extension_pending_days = s.extension_pending_days, 0
    if not d.approve:
        return Effects(note=f"不同意延期：{d.note}", public=False)
    s.extensions_granted += 1
    current = running_deadline(s, (DeadlineKind.COMPLETION, DeadlineKind.SUPERVISION))
    base = current.due_at if current else now
    kind = current.kind if current else DeadlineKind.COMPLETION
    span = Span(days, s.policy.extension_unit)
    # The extension runs on from the old deadline, not from today.
    clock = OpenClock(
        kind,
        span,
        org_id=current.org_id if current else "",
        label="延期后办结时限",
        start=base,
        cutoff=False,
    )
    return Effects(note=f"同意延期 {days}。{d.note}", cancel=(kind,), open=[clock])


def submit_result(s: CaseSnapshot, d: ResultSubmission, now: datetime) -> Effects:
    mine = next(a for a in s.assignments if a.department_id == d.actor.org_id)
    mine.reported_at, mine.result = now, d.result
    mine.attachments = list(d.attachments)  # none in payloads from before attachments: replays alike
    if not mine.lead:
        s.holder_org_ids = [a.department_id for a in s.assignments if a.reported_at is None]
        return Effects(note=d.result, public=False)
    effects = _to_rating(s, d.result, now)
    effects.note = d.result
    return effects


def supervise(s: CaseSnapshot, d: SupervisionDecision, now: datetime) -> Effects:
    """督单: the leader's new deadline replaces every running stage clock (overdue or not): from now
    on the holder answers to the leader's date."""
    s.supervised = True
    s.talk_ordered = s.talk_ordered or d.talk_ordered
    s.escalated = False
    s.overdue = False
    if patched(PATCH_ESCALATION_BY_STAGE):
        s.supervisor_role, s.escalation = d.actor.role.value, None
    if d.lead_department_id:
        for a in s.assignments:
            a.lead = a.department_id == d.lead_department_id
    holder = s.holder_org_ids[0] if s.holder_org_ids else ""
    talk = "（约谈部门负责人）" if d.talk_ordered else ""
    return Effects(
        note=d.note + talk,
        public=False,
        cancel=ESCALATING,
        open=[OpenClock(DeadlineKind.SUPERVISION, due_at=d.new_due_at, org_id=holder)],
    )


def escalate(s: CaseSnapshot, d: Escalation, now: datetime) -> Effects:
    s.escalated = True
    return Effects(note=d.reason, public=False)


def take_charge(s: CaseSnapshot, d: TakeCharge, now: datetime) -> Effects:
    s.leader_in_charge = d.actor.user_id
    return Effects(note=d.note or "领导包案", public=False)


def rate(s: CaseSnapshot, d: RatingDecision, now: datetime) -> Effects:
    s.ratings.append(
        RatingRecord(
            len(s.ratings) + 1, d.value, d.comment, d.channel, now, d.actor.user_id, d.actor.role, d.solved
        )
    )
    if d.value != RatingValue.DISSATISFIED:
        effects = _close_case(s, Outcome.RESOLVED, now)
    else:
        # 不满意 goes to the supervising leader, who reopens once or closes with a note.
        _move(s, Stage.REVIEW, [s.registration.street_org_id], Role.LEADER)
        effects = Effects(close=ALL_KINDS, open=[OpenClock(DeadlineKind.REVIEW, s.policy.review)])
    effects.note = d.comment
    return effects


def reopen(s: CaseSnapshot, d: ReviewDecision, now: datetime) -> Effects:
    s.reopened += 1
    s.result, s.completed_at = "", None
    if not s.assignments:
        effects = _to_dispatch(s, OpenClock(DeadlineKind.DISPATCH, due_at=d.new_due_at, label="重办时限"))
    else:
        for a in s.assignments:
            a.reported_at, a.result, a.attachments = None, "", []
        lead = next(a.department_id for a in s.assignments if a.lead)
        _move(s, Stage.HANDLE, [a.department_id for a in s.assignments], Role.DEPARTMENT)
        clock = OpenClock(DeadlineKind.COMPLETION, due_at=d.new_due_at, org_id=lead, label="重办时限")
        effects = Effects(close=ALL_KINDS, open=[clock])
    effects.note = d.note
    return effects


def close_after_review(s: CaseSnapshot, d: ReviewDecision, now: datetime) -> Effects:
    """复查办结: the leader closes a dissatisfied case with a note. It is 不满意结案, never 已解决
    (cases closed before `PATCH_DISSATISFIED_CLOSE` recorded RESOLVED and keep it on replay; the read
    model labels them by their last rating)."""
    outcome = Outcome.CLOSED_DISSATISFIED if patched(PATCH_DISSATISFIED_CLOSE) else Outcome.RESOLVED
    effects = _close_case(s, outcome, now)
    effects.note = d.note
    return effects


def withdraw(s: CaseSnapshot, d: Withdrawal, now: datetime) -> Effects:
    effects = _close_case(s, Outcome.WITHDRAWN, now)
    effects.note = d.reason
    effects.cancel, effects.close = effects.close, ()
    return effects


_CALLBACK_CHANNEL = {RatingChannel.PHONE: "电话回访", RatingChannel.VISIT: "上门回访"}


def callback_failed(s: CaseSnapshot, d: CallbackFailure, now: datetime) -> Effects:
    """回访未联系上: counted; at the policy's number of attempts the case closes as unreachable
    (回访无法联系), an outcome of its own rather than 未评价."""
    s.callback_failures += 1
    note = f"第 {s.callback_failures} 次{_CALLBACK_CHANNEL.get(d.channel, '回访')}未联系上群众"
    if d.note:
        note += f"：{d.note}"
    if s.callback_failures < s.policy.callback_attempts:
        return Effects(note=note, public=False)
    effects = _close_case(s, Outcome.UNREACHABLE, now)
    effects.note = f"{note}；{s.policy.callback_attempts} 次回访均未联系上，按回访无法联系结案"
    return effects


def remind(s: CaseSnapshot, d: Reminder, now: datetime) -> Effects:
    """催办: recorded on the case (the departments read it on the case page and in their timeline);
    no clock moves: the departments' own deadlines stand."""
    s.reminders += 1
    return Effects(note=d.note, public=False)


def running_deadline(s: CaseSnapshot, kinds: tuple[DeadlineKind, ...]) -> Any:
    """The newest clock of these kinds that is still running, or None."""
    return next((d for d in reversed(s.deadlines) if d.kind in kinds and d.closed_at is None), None)


def on_overdue(s: CaseSnapshot, kind: DeadlineKind, now: datetime) -> Effects:
    """The rule at each deadline's expiry.

    - the rating window: the case closes as not rated (未评价);
    - the objection window: a department can no longer return the case;
    - any escalating clock: the case is marked overdue and goes where `escalation_target` says (督单):
      a community's missed report to its street, a street's missed sign or dispatch to the street's
      head, handling past its limit to the linked leader; a supervision deadline that passes goes one
      level up (the street's to the leader, the leader's to the discipline commission 纪工委);
    - the leader's review of a dissatisfied rating (复查): overdue, and to the discipline commission.
    """
    if kind == DeadlineKind.RATING:
        effects = _close_case(s, Outcome.NOT_RATED, now)
        effects.note = "评价期限届满，群众未评价"
        return effects
    if kind not in OVERDUE_KINDS:
        return Effects(public=False)
    s.overdue = s.ever_overdue = True
    if patched(PATCH_ESCALATION_BY_STAGE):
        target = escalation_target(s, kind)
        s.escalation = target
        if target == EscalationTarget.LEADER:
            s.supervision_level = max(s.supervision_level, 1)
        elif target == EscalationTarget.DISCIPLINE:
            s.supervision_level = 2
        return Effects(note=f"已超期，转{ESCALATION_NAMES[target]}督办", public=False)
    leaders_own = kind in (DeadlineKind.SUPERVISION, DeadlineKind.REVIEW)
    s.supervision_level = 2 if leaders_own else max(s.supervision_level, 1)
    who = "纪工委" if s.supervision_level == 2 else "联点区领导"
    return Effects(note=f"已超期，转{who}督办", public=False)


def escalation_target(s: CaseSnapshot, kind: DeadlineKind) -> EscalationTarget:
    """Whom a clock that ran out sends the case to, as the source says (问题特别复杂导致超时限尚未办结:
    only handling that runs out goes to the district leader)."""
    if kind == DeadlineKind.REPORT:
        return EscalationTarget.STREET
    if kind in (DeadlineKind.SIGN, DeadlineKind.DISPATCH):
        return EscalationTarget.STREET_HEAD
    if kind == DeadlineKind.SUPERVISION:
        street_set = s.supervisor_role in STREET_SUPERVISORS
        return EscalationTarget.LEADER if street_set else EscalationTarget.DISCIPLINE
    if kind == DeadlineKind.REVIEW:
        return EscalationTarget.DISCIPLINE
    return EscalationTarget.LEADER
