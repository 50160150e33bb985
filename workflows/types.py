"""Payloads of the case workflow: one dataclass per input and output, stdlib only.

Everything here is recorded in workflow histories for the life of a case (months, sometimes
years), so fields are snake_case with real types, and a field added later must have a default
that means "as before". Enums are `str` enums so histories stay readable in the Temporal UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    GRID_WORKER = "grid_worker"  # 网格员: registers requests on a resident's behalf
    COMMUNITY = "community"  # 村/社区 officer
    STREET = "street"  # 乡/街道 officer
    DEPARTMENT = "department"  # 区直部门 officer
    LEADER = "leader"  # 联点/挂点区领导
    SUPERVISION = "supervision"  # 督查室
    DISCIPLINE = "discipline"  # 纪工委
    ADMIN = "admin"
    # The statutory petition path (信访, workflows.petition):
    PETITION_CLERK = "petition_clerk"  # 信访局登记受理员: registers, accepts, declines, transfers
    PETITION_HEAD = "petition_head"  # 信访局负责人: agrees to objections, presses late units (督办)
    UNIT_HEAD = "unit_head"  # a handling unit's own head (负责人): approves its extension
    REVIEWER = "reviewer"  # officer of a higher body that decides 复查 / 复核
    PETITION_DEPUTY = "petition_deputy"  # 信访局副局长: reviews the director's mailbox (局长信箱)
    RESIDENT = "resident"  # never logs in; acts through the private tracking link
    SYSTEM = "system"  # the workflow itself (timers)


class Channel(StrEnum):
    WEB_PORTAL = "web_portal"
    PHONE = "phone"  # 12345 hotline or a call to the community
    VISIT = "visit"  # 来访
    LETTER = "letter"  # 来信
    GRID_WORKER = "grid_worker"  # 网格员代办
    MAILBOX = "mailbox"  # 书记/主任信箱
    LEADER_RECEPTION = "leader_reception"  # 领导接访日


class Stage(StrEnum):
    """Where the case stands in the six orders (六单)."""

    REPORT = "report"  # 报单: the community triages and reports (or resolves / closes)
    SIGN = "sign"  # 跟单: the street signs for the report
    DISPATCH = "dispatch"  # 派单: the street dispatches to departments (or resolves itself)
    ACCEPT = "accept"  # 接单: dispatched departments accept or return
    HANDLE = "handle"  # 办理: departments handle; the lead unit submits the result
    RATE = "rate"  # 评单: waiting for the resident's rating
    REVIEW = "review"  # a dissatisfied rating waits for the leader: reopen or close
    CLOSED = "closed"


class EscalationTarget(StrEnum):
    """Where a case goes when a clock runs out, as the source sends it (督单)."""

    STREET = "street"  # a community's missed same-day report: its street
    STREET_HEAD = "street_head"  # a street's missed sign or dispatch: the street's own head
    LEADER = "leader"  # handling past its limit, or a street's own supervision missed: the linked leader
    DISCIPLINE = "discipline"  # still late after the leader's deadline: the discipline commission


class Urgency(StrEnum):
    URGENT = "urgent"  # 合理急办
    DEFERRABLE = "deferrable"  # 合理缓办
    UNREASONABLE = "unreasonable"  # 不合理


class Category(StrEnum):
    INFRASTRUCTURE = "infrastructure"  # 基础建设
    LIVELIHOOD = "livelihood"  # 民生保障
    ENVIRONMENT = "environment"  # 生态环境
    DISPUTE = "dispute"  # 矛盾纠纷
    PETITION = "petition"  # 信访舆情


class Difficulty(StrEnum):
    ORDINARY = "ordinary"  # 一般
    HARD = "hard"  # 较难
    VERY_HARD = "very_hard"  # 特别难: a leader sets the limit


class RatingValue(StrEnum):
    SATISFIED = "satisfied"  # 满意
    AVERAGE = "average"  # 基本满意 (shown 一般 before; the stored value is unchanged)
    DISSATISFIED = "dissatisfied"  # 不满意


class RatingChannel(StrEnum):
    PORTAL = "portal"  # the resident on the tracking page
    PHONE = "phone"  # 电话询问, recorded by an officer
    VISIT = "visit"  # 上门回访, recorded by an officer


class Outcome(StrEnum):
    RESOLVED = "resolved"  # rated, or closed by the leader after review
    NOT_RATED = "not_rated"  # 未评价: the rating window passed
    UNREASONABLE = "unreasonable"  # closed with a policy explanation
    WITHDRAWN = "withdrawn"
    # 不满意结案: the leader closed the case after reviewing a dissatisfied rating (never 已解决).
    CLOSED_DISSATISFIED = "closed_dissatisfied"
    UNREACHABLE = "unreachable"  # 回访无法联系: the callbacks the policy allows all failed


class DeadlineKind(StrEnum):
    """Which clock a deadline is; each has a Chinese label used for timers and the UI."""

    REPORT = "report"  # 社区报单时限
    SIGN = "sign"  # 街道签收时限
    DISPATCH = "dispatch"  # 街道派单时限
    RESPONSE = "response"  # 部门首次响应时限
    OBJECTION = "objection"  # 部门退单（异议）时限
    COMPLETION = "completion"  # 部门办结时限
    SUPERVISION = "supervision"  # 督办整改时限 (a leader's new deadline)
    RATING = "rating"  # 评价时限
    REVIEW = "review"  # 复查决定时限
    # The statutory petition path (信访):
    PETITION_INTAKE = "petition_intake"  # 信访部门受理/转送期限 (15 days from receipt)
    THREE_DAY = "three_day"  # 三天工作法 (a local practice for first-time petitions)
    HANDED_DOWN = "handed_down"  # 上级交办期限 (set by the body that handed the matter down)
    UNIT_ACCEPT = "unit_accept"  # 有权处理机关受理期限 (15 days from its receipt)
    UNIT_OBJECTION = "unit_objection"  # 异议期限 (5 working days from its receipt)
    HANDLING = "handling"  # 办理期限 (60 days from 受理, + at most 30)
    REVIEW_REQUEST = "review_request"  # 复查申请期限 (30 days from receipt of the answer)
    REVIEW_DECISION = "review_decision"  # 复查期限 (30 days)
    RECHECK_REQUEST = "recheck_request"  # 复核申请期限 (30 days from receipt of the 复查意见)
    RECHECK_DECISION = "recheck_decision"  # 复核期限 (30 days; a hearing does not count)
    # 积案 and 包案 (workflows.backlog):
    BACKLOG_ASSIGN = "backlog_assign"  # 包案落实期限: the bureau names the owning leaders
    BACKLOG_REPORT = "backlog_report"  # 包案进展报告期限: a weekly progress report from the owners
    # 局长信箱 (workflows.mailbox):
    MAILBOX_REVIEW = "mailbox_review"  # the deputy reviews and proposes
    MAILBOX_APPROVAL = "mailbox_approval"  # the director approves and assigns
    MAILBOX_REPLY = "mailbox_reply"  # the assigned unit replies, by the director's deadline


class DeadlineState(StrEnum):
    RUNNING = "running"
    WARNING = "warning"  # 即将超期
    OVERDUE = "overdue"  # 超期
    MET = "met"
    CANCELLED = "cancelled"


class SpanUnit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    SECONDS = "seconds"  # for drills and test policies: timers measured in seconds


class Action(StrEnum):
    """Every decision the workflow accepts; the Update of the same name carries it."""

    TRIAGE = "triage"
    RESOLVE_LOCALLY = "resolve_locally"
    REPORT_UP = "report_up"
    CLOSE_UNREASONABLE = "close_unreasonable"
    SIGN = "sign"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    RETURN_CASE = "return_case"  # 退单: since PATCH_RETURN_REQUEST, the department's request
    DECIDE_RETURN = "decide_return"
    REQUEST_LIMIT = "request_limit"  # 提请: the lead unit asks its 分管区领导 to set a 特别难 limit
    DECIDE_LIMIT = "decide_limit"  # the 分管区领导 sets the limit  # the street agrees to a 退单 request (and re-dispatches) or refuses it
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    SUBMIT_RESULT = "submit_result"
    SUPERVISE = "supervise"
    ESCALATE = "escalate"
    TAKE_CHARGE = "take_charge"
    RATE = "rate"
    REOPEN = "reopen"
    CLOSE_AFTER_REVIEW = "close_after_review"
    WITHDRAW = "withdraw"
    RECOMPUTE_DEADLINES = "recompute_deadlines"
    REMIND = "remind"  # 催办
    CALLBACK_FAILED = "callback_failed"  # 回访未联系上


# --- who acts -------------------------------------------------------------------------------


@dataclass
class Actor:
    """The person behind a decision, as the web layer authenticated them."""

    user_id: str
    role: Role
    org_id: str = ""
    display_name: str = ""
    # For leaders: the streets they are linked to (联点街道); the web fills it from the directory.
    street_ids: list[str] = field(default_factory=list)
    # For leaders: the departments in their portfolio (分管部门), from the directory likewise.
    department_ids: list[str] = field(default_factory=list)


@dataclass
class Reporter:
    name: str
    phone: str
    address: str = ""
    community: str = ""


# --- start ------------------------------------------------------------------------------------


@dataclass
class CaseRegistration:
    """点单: everything known when a request is registered. Fixed for the life of the case."""

    code: str  # HJ-2026-000123, allocated by the store sequence
    channel: Channel
    reporter: Reporter
    title: str
    description: str
    location: str
    community_org_id: str
    street_org_id: str
    registered_by: Actor
    policy_id: str = "liudan"
    category: Category | None = None
    attachments: list[str] = field(default_factory=list)  # stored file keys, never bytes
    tracking_token_hash: str = ""  # sha256 of the resident's private link token
    received_at: datetime | None = None  # when an offline request was actually received
    # An imported offline ledger row (民情走访台账): it keeps the visit's date (received_at) and its
    # collector (走访人), but its clocks count from its registration, so an import is never overdue on
    # arrival.
    clocks_from_registration: bool = False
    collected_by: str = ""
    # The starter resolves policy_id and sends the policy itself, so its numbers are recorded in the
    # start event and fixed for the life of the case.
    policy: SlaPolicy | None = None


# --- decisions (one payload per Update) -----------------------------------------------------


@dataclass
class TriageDecision:
    actor: Actor
    urgency: Urgency
    category: Category
    note: str = ""
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class LocalResolution:
    """Community or street resolves the matter itself ("small matters stay in the village")."""

    actor: Actor
    result: str
    responsible_person: str = field(default="", metadata={"max_length": 50})


@dataclass
class ReportUp:
    actor: Actor
    note: str = ""
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class UnreasonableClosure:
    actor: Actor
    explanation: str  # the policy explanation given to the resident, recorded


@dataclass
class SignDecision:
    actor: Actor
    note: str = ""
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class DispatchDecision:
    actor: Actor
    department_ids: list[str] = field(metadata={"max_length": 12})  # past 6 the rules refuse in words
    difficulty: Difficulty
    lead_department_id: str = field(default="", metadata={"max_length": 64})  # when several share it
    due_at: datetime | None = None  # required for very hard matters (leader-set limit)
    note: str = ""
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class AcceptDecision:
    actor: Actor
    response: str  # the same-day first response to the resident


@dataclass
class ReturnDecision:
    actor: Actor
    reason: str


@dataclass
class LimitRequest:
    """提请: a 特别难 matter's lead unit asks the district leader in charge of its portfolio
    (分管区领导) to set its limit, proposing a number of working days."""

    actor: Actor
    days: int = field(metadata={"ge": 1, "le": 366})
    reason: str = ""


@dataclass
class LimitDecision:
    """The 分管区领导 sets a 特别难 matter's completion limit."""

    actor: Actor
    due_at: datetime
    note: str = ""
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class ReturnReview:
    """The street on a department's 退单 request: agreed (the department leaves the case; a lead unit's
    return brings it back for a new dispatch) or refused with a reason (the department carries on)."""

    actor: Actor
    approve: bool
    note: str = ""
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class ExtensionRequest:
    actor: Actor
    days: int = field(metadata={"ge": 1, "le": 366})
    reason: str


@dataclass
class ExtensionDecision:
    actor: Actor
    approve: bool
    note: str = ""
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class ResultAttachment:
    """A photo or document a department attached to its result, stored under `key` (web/uploads);
    the resident sees it on the tracking page when `public`."""

    key: str
    name: str = ""  # the file's name as uploaded, for its link
    public: bool = False


@dataclass
class ResultSubmission:
    """A department reports its part; the lead unit's report (after all others) completes the case."""

    actor: Actor
    result: str
    # Filled by the web from the files sent with the form (stored before the decision), never typed.
    attachments: list[ResultAttachment] = field(default_factory=list, metadata={"form": False})


@dataclass
class SupervisionDecision:
    """督单: recorded on-site supervision with a new deadline."""

    actor: Actor
    note: str
    new_due_at: datetime
    lead_department_id: str = field(default="", metadata={"max_length": 64})
    talk_ordered: bool = False  # 约谈 the department head
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class Escalation:
    actor: Actor
    reason: str


@dataclass
class TakeCharge:
    actor: Actor
    note: str = ""
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class RatingDecision:
    actor: Actor
    value: RatingValue
    comment: str = ""
    # An officer's form records a call by default; the resident's own page sends PORTAL.
    channel: RatingChannel = field(
        default=RatingChannel.PORTAL, metadata={"form_default": RatingChannel.PHONE}
    )
    # 是否解决: the resident's own answer (已解决 / 未解决), asked with every rating since the callback
    # (回访) was introduced; None only in ratings recorded before it.
    solved: bool | None = None


@dataclass
class CallbackFailure:
    """回访未联系上: a callback by phone or visit that did not reach the resident. After the policy's
    number of attempts the case closes as unreachable (回访无法联系), its own outcome."""

    actor: Actor
    channel: RatingChannel = field(
        default=RatingChannel.PHONE, metadata={"form_default": RatingChannel.PHONE}
    )
    note: str = ""  # 无人接听 / 空号 / 上门未遇...
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class ReviewDecision:
    """After a dissatisfied rating: reopen (once) with a new deadline, or close with a note."""

    actor: Actor
    note: str
    new_due_at: datetime | None = None
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class Withdrawal:
    actor: Actor
    reason: str = ""


@dataclass
class Reminder:
    """催办: the street presses the departments still holding a case it dispatched (跟单)."""

    actor: Actor
    note: str = ""
    note_to_resident: bool = False  # 告知群众: the resident reads this note; otherwise it is internal


@dataclass
class RecomputeDeadlines:
    """An admin loaded a new year's official calendar: recompute provisional deadlines."""

    actor: Actor


# --- deadlines ------------------------------------------------------------------------------


@dataclass
class Span:
    amount: int
    unit: SpanUnit
    # Counted from the case's receipt rather than from the stage's start (e.g. 《信访工作条例》's
    # "decide on acceptance within 15 days" of receipt).
    from_receipt: bool = False


@dataclass
class SlaPolicy:
    """A deadline policy: data, chosen per case at registration and recorded in its history."""

    id: str
    name: str
    report: Span  # community reports up (报单)
    sign: Span  # street signs for it (签收)
    dispatch: Span  # street dispatches (派单)
    dispatch_urgent: Span  # ... for 合理急办 items
    response: Span  # department's first response to the resident after dispatch
    completion_ordinary: Span
    completion_hard: Span
    completion_very_hard: Span | None  # None: a leader sets the limit at dispatch
    rating: Span  # the resident's rating window
    review: Span  # the leader decides on a dissatisfied rating (复查)
    extension_unit: SpanUnit
    max_extension: int  # in extension_unit
    max_extensions: int = 1
    objection: Span | None = None  # a department may return a wrong assignment only within this
    cutoff_hour: int | None = 17  # office-hours cutoff for working-day spans
    reopen_limit: int = 1
    # A deadline a person sets (a leader's limit, a supervision's new deadline) is at most this far off.
    max_set_days: int = 366
    # 回访: a case whose resident the callbacks fail to reach this many times closes as unreachable.
    callback_attempts: int = 3


@dataclass
class DeadlineRequest:
    kind: DeadlineKind
    start: datetime
    span: Span | None = None  # None: due_at is given
    cutoff_hour: int | None = None  # office-hours cutoff for working-day spans
    due_at: datetime | None = None  # an explicit deadline (leader-set); only the warning is computed


@dataclass
class Deadline:
    id: str
    kind: DeadlineKind
    label: str  # 部门办结时限
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    provisional: bool = False  # computed on weekends only: the year's calendar is not published
    state: DeadlineState = DeadlineState.RUNNING
    org_id: str = ""  # the org whose clock it is
    request: DeadlineRequest | None = None  # kept so a provisional deadline can be recomputed
    closed_at: datetime | None = None  # None while the clock runs


@dataclass
class DeadlineResult:
    """What the deadline activity computed (recorded in history, never recomputed on replay)."""

    warn_at: datetime
    due_at: datetime
    provisional: bool = False


# --- snapshot -------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    seq: int
    at: datetime
    action: str  # an Action value, or a workflow event (registered, warning, overdue, closed...)
    actor_user_id: str
    actor_role: Role
    actor_org_id: str = ""
    actor_name: str = ""
    note: str = ""
    public: bool = True  # shown to the resident on the tracking page (never officer names)
    note_public: bool = True  # ... with its note: False for an internal note on a public event


class Noted(Protocol):
    note: str
    public: bool
    note_public: bool


def resident_note(entry: Noted) -> str:
    """A timeline entry's note as the resident may read it (tracking page, SMS): "" for an internal
    one. Works on the workflow's entries and on the read model's rows alike."""
    return entry.note if entry.public and entry.note_public else ""


@dataclass
class Assignment:
    """One department's part in a dispatched case."""

    department_id: str
    lead: bool = False
    dispatched_at: datetime | None = None  # when this department was given the case
    accepted_at: datetime | None = None
    response: str = ""
    reported_at: datetime | None = None
    result: str = ""
    # 退单 as a request (since PATCH_RETURN_REQUEST): asked when, and why; the street agrees or refuses.
    return_requested_at: datetime | None = None
    return_reason: str = ""
    attachments: list[ResultAttachment] = field(default_factory=list)  # with its reported result


@dataclass
class RatingRecord:
    round: int
    value: RatingValue
    comment: str
    channel: RatingChannel
    at: datetime
    by_user_id: str
    by_role: Role
    solved: bool | None = None  # 是否解决 (None: rated before the question was asked)


@dataclass
class CaseSnapshot:
    """The live state of a case, returned by the `snapshot` query and by every Update."""

    code: str
    version: int
    registration: CaseRegistration
    policy: SlaPolicy
    stage: Stage
    holder_org_ids: list[str]
    holder_role: Role | None
    urgency: Urgency | None = None
    category: Category | None = None
    difficulty: Difficulty | None = None
    assignments: list[Assignment] = field(default_factory=list)
    # Parts that ended with a return (退单): kept, as the read model keeps them, for the department's
    # figures and so a rebuild from Temporal writes the same rows.
    departed: list[Assignment] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)  # active and past, newest last
    overdue: bool = False  # some running deadline is past due
    ever_overdue: bool = False
    supervision_level: int = 0  # 0 none, 1 leader (督单), 2 discipline commission (纪工委)
    # Since PATCH_ESCALATION_BY_STAGE: whom the last clock that ran out sent the case to (None: before
    # it, always the linked leader), and the role of whoever set the running supervision deadline.
    escalation: EscalationTarget | None = None
    supervisor_role: str = ""
    # 特别难 under a policy without a span: the lead unit asks (提请) its 分管区领导, who sets the limit.
    limit_needed: bool = False
    limit_requested_days: int = 0  # 0: not asked yet
    limit_request_reason: str = ""
    supervised: bool = False
    talk_ordered: bool = False
    escalated: bool = False
    leader_in_charge: str = ""  # 领导包案 user id
    extension_pending_days: int = 0
    extensions_granted: int = 0
    returns: int = 0
    reopened: int = 0
    reminders: int = 0  # 催办 by the street
    callback_failures: int = 0  # 回访未联系上, counted in the current rating window
    result: str = ""
    ratings: list[RatingRecord] = field(default_factory=list)
    outcome: Outcome | None = None
    reported_at: datetime | None = None
    signed_at: datetime | None = None
    dispatched_at: datetime | None = None
    completed_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)


@dataclass
class DecisionResult:
    """What a decision's caller needs back. Stored in history forever, so it carries no personal data
    and nothing that grows (read the case with the `snapshot` query). Its field names are the
    snapshot's, so an older case that still answers with a snapshot decodes as this too."""

    code: str
    version: int
    stage: Stage
    holder_org_ids: list[str]
    holder_role: Role | None = None
    # False when the read model could not be written in time (an outage): the decision stands in
    # Temporal and the case catches the read model up by itself.
    projected: bool = True


@dataclass
class Projection:
    """What the projection activity writes: the snapshot (without its timeline) and the events since
    the last projection that was written. `event_count` is the whole timeline's length: stored events
    past it were written by an attempt that Temporal never recorded, and are removed."""

    snapshot: CaseSnapshot
    new_events: list[TimelineEntry] = field(default_factory=list)
    event_count: int = 0  # 0: unknown (projections recorded before it existed)
    # Written even over a newer stored version: the reconciler found a version Temporal never
    # recorded (a phantom), and the workflow, holding its lock, writes what it really holds.
    force: bool = False


@dataclass
class Reprojection:
    """The reconciler asks a running case to write its state over a phantom in the read model."""

    actor: Actor


# --- maintenance (reconciler and rebuild) ---------------------------------------------------


class ReconcileScope(StrEnum):
    RECENT = "recent"  # cases the read model changed in the last window (after a crash, a phantom)
    ALL = "all"  # every open case in Temporal and in the read model (nightly)


@dataclass
class ReconcileRequest:
    scope: ReconcileScope = ReconcileScope.RECENT
    window_minutes: int = 60


@dataclass
class ReconcileReport:
    checked: int = 0
    repaired: list[str] = field(default_factory=list)  # case codes whose read model was rewritten
    missing: list[str] = field(default_factory=list)  # in the read model, unknown to Temporal
    failed: list[str] = field(default_factory=list)  # could not be read from Temporal this time
