"""Payloads of the statutory petition workflow (信访, 《信访工作条例》2022): stdlib only.

Recorded in histories for the life of a petition (a 复核 can end a year after the letter arrived), so
the same rules hold as in `workflows.types`: snake_case, real types, and a field added later has a
default that means "as before". Shared pieces (Actor, Deadline, TimelineEntry) come from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflows.types import Actor, Deadline, Role, Span, TimelineEntry


class PetitionChannel(StrEnum):
    LETTER = "letter"  # 来信
    VISIT = "visit"  # 来访
    PHONE = "phone"  # 来电 (12345 or the bureau's line)
    ONLINE = "online"  # 网上信访
    MAILBOX = "mailbox"  # 局长信箱 the director's mailbox
    HANDED_DOWN = "handed_down"  # 上级交办件


class MatterType(StrEnum):
    SUGGESTION = "suggestion"  # 建议意见
    ACCUSATION = "accusation"  # 检举控告
    CLAIM = "claim"  # 申诉求决


class PetitionStage(StrEnum):
    """Where a petition stands on the statutory path."""

    REGISTERED = "xf_registered"  # 登记: the bureau decides 受理 / 不予受理 / 转送·交办 / 诉访分离
    UNIT_ACCEPT = "xf_unit_accept"  # 转送·交办: the competent unit accepts or objects
    OBJECTION = "xf_objection"  # the unit objected: the bureau agrees or not
    HANDLING = "xf_handling"  # 受理: the unit handles it (60 days)
    DELIVERY = "xf_delivery"  # an opinion was issued: waiting for its delivery (送达) to be recorded
    REVIEW_WINDOW = "xf_review_window"  # the petitioner may ask for 复查 (30 days from receipt)
    REVIEW = "xf_review"  # 复查: the level above the handling unit decides (30 days)
    RECHECK_WINDOW = "xf_recheck_window"  # the petitioner may ask for 复核 (30 days from receipt)
    RECHECK = "xf_recheck"  # 复核: the next level decides (30 days; a hearing does not count)
    CLOSED = "xf_closed"


class PetitionOutcome(StrEnum):
    DECLINED = "declined"  # 不予受理 (or 不再受理 after 终结)
    REFERRED = "referred"  # 诉访分离: referred to courts or another legal channel
    ANSWERED = "answered"  # 处理意见 took effect: no 复查 was asked for in time
    REVIEWED = "reviewed"  # 复查意见 took effect: no 复核 was asked for in time
    CONCLUDED = "concluded"  # 终结: the 复核意见 was delivered; the same matter is not accepted again
    WITHDRAWN = "withdrawn"  # 撤回
    MERGED = "merged"  # 并案: closed into another open petition on the same matter, which carries on


class PetitionAction(StrEnum):
    ACCEPT = "xf_accept"  # 受理 (the bureau for a matter of its own, or the competent unit)
    DECLINE = "xf_decline"  # 不予受理
    REFER_OUT = "xf_refer_out"  # 诉访分离
    TRANSFER = "xf_transfer"  # 转送 / 交办
    OBJECT = "xf_object"  # the unit objects to a transfer
    DECIDE_OBJECTION = "xf_decide_objection"
    REQUEST_EXTENSION = "xf_request_extension"
    DECIDE_EXTENSION = "xf_decide_extension"
    ANSWER = "xf_answer"  # 出具处理意见书
    DELIVER = "xf_deliver"  # 送达 recorded
    REQUEST_REVIEW = "xf_request_review"  # 复查申请
    DECIDE_REVIEW = "xf_decide_review"  # 复查意见
    REQUEST_RECHECK = "xf_request_recheck"  # 复核申请
    START_HEARING = "xf_start_hearing"  # 听证
    END_HEARING = "xf_end_hearing"
    DECIDE_RECHECK = "xf_decide_recheck"  # 复核意见
    PRESS = "xf_press"  # 督办 by the bureau
    WITHDRAW = "xf_withdraw"  # 撤回
    MERGE = "xf_merge"  # 并案: the desk merges this petition into another open one


class DeclineGround(StrEnum):
    """不予受理 grounds (《信访工作条例》第三十条、第三十一条、第三十五条)."""

    NOT_A_PETITION = "not_a_petition"  # 不属于信访事项
    CONCLUDED = "concluded"  # 已终结，以同一事实和理由再次提出：不再受理
    IN_PROGRESS = "in_progress"  # 已受理或正在办理，重复提出
    NO_CLAIM = "no_claim"  # 无明确诉求或必要信息，经告知仍未补正
    OVER_LEVEL = "over_level"  # 越级提出且未按规定逐级反映


class ReferralChannel(StrEnum):
    """诉访分离: matters the law sends elsewhere."""

    LITIGATION = "litigation"  # 诉讼
    ARBITRATION = "arbitration"  # 仲裁
    RECONSIDERATION = "reconsideration"  # 行政复议
    OTHER = "other"  # 其他法定途径（如劳动监察、人大代表、监察机关）


class TransferMode(StrEnum):
    TRANSFER = "transfer"  # 转送
    ASSIGN = "assign"  # 交办 (with a deadline and a report back)


class OpinionOutcome(StrEnum):
    SUPPORT = "support"  # 支持
    PARTLY = "partly"  # 部分支持
    REJECT = "reject"  # 不支持
    EXPLAIN = "explain"  # 解释说明 (建议意见 and the like)


class ReviewOutcome(StrEnum):
    UPHELD = "upheld"  # 维持
    CHANGED = "changed"  # 变更
    REVOKED = "revoked"  # 撤销


class DeliveryMethod(StrEnum):
    IN_PERSON = "in_person"  # 直接送达
    MAIL = "mail"  # 邮寄送达
    ELECTRONIC = "electronic"  # 电子送达
    LEFT = "left"  # 留置送达
    NOTICE = "notice"  # 公告送达


class DocumentKind(StrEnum):
    ACCEPTANCE = "acceptance"  # 受理告知书
    DECLINE = "decline"  # 不予受理告知书 (不再受理告知书 after 终结)
    REFERRAL = "referral"  # 诉访分离告知书
    TRANSFER = "transfer"  # 转送（交办）告知书
    EXTENSION = "extension"  # 延期告知书
    OPINION = "opinion"  # 信访事项处理意见书
    REVIEW = "review"  # 复查意见书
    RECHECK = "recheck"  # 复核意见书


@dataclass
class Petitioner:
    name: str
    phone: str
    # 身份证号: sent in full before issue 12; since then the web keeps the full number to itself (its
    # keyed hash is `PetitionRegistration.petitioner_key`) and sends only the masked form.
    id_number: str = ""
    address: str = ""
    id_masked: str = ""  # 110105********002X (`store.id_numbers.mask_id_number`)


@dataclass
class PetitionPolicy:
    """The statutory clocks as data, resolved from the channel and matter type at registration and
    recorded in the start event, so a later edit never changes a running petition."""

    id: str
    name: str
    intake: Span  # 受理 / 不予受理 / 转送: 15 days from receipt
    unit_accept: Span  # the competent unit accepts: 15 days from its receipt
    objection: Span  # or objects: 5 working days
    handling: Span  # 60 days from 受理
    max_extension_days: int  # 30
    review_request: Span  # 30 days from receipt of the answer
    review: Span  # 30 days
    recheck_request: Span
    recheck: Span
    three_day: Span | None = None  # 三天工作法: a local practice for 初信初访, when switched on
    cutoff_hour: int | None = None  # the regulation counts calendar days: no office-hours cutoff


@dataclass
class PetitionRegistration:
    """登记: the letter on the desk, the visitor, the call. Fixed for the life of the petition."""

    code: str  # XF-2026-000123
    channel: PetitionChannel
    matter_type: MatterType
    petitioner: Petitioner
    title: str
    content: str
    bureau_org_id: str  # the desk that registered it, and decides on it
    registered_by: Actor
    policy: PetitionPolicy
    received_at: datetime | None = None  # when the letter arrived / the visit took place
    first_time: bool = True  # 初信初访: not marked at the desk as the same matter as an earlier one
    people_count: int = 1  # 集体访 from 5 people on
    # 检举控告: the accused unit never sees the petitioner and never gets the matter.
    accused_org_id: str = ""
    about_officials: bool = False  # 检举控告 of officials: for the discipline body (纪检监察)
    # 上级交办件: who handed it down and by when it must be reported back.
    handed_down_by: str = ""
    handed_down_due: datetime | None = None
    # 重复信访: the earlier petition of the same petitioner on the same matter. Before issue 12 it was
    # set only for a concluded (终结) one, found at intake; since then the desk marks it, of any status.
    repeat_of: str = ""
    petitioner_key: str = ""  # hash of the petitioner's id number: finds repeats, never shows it
    tracking_token_hash: str = ""
    repeat_of_concluded: bool = True  # whether `repeat_of` was concluded (不再受理 needs it to be)
    # 集体访: the representatives the group chose (at most 5, 《信访工作条例》第十八条).
    representatives: list[str] = field(default_factory=list)


# --- decisions (one payload per Update) -----------------------------------------------------


@dataclass
class PetitionAccept:
    """受理, with the 受理告知书 sent to the petitioner."""

    actor: Actor
    notice: str = ""  # what the notice adds (contact, expected steps)
    delivery: DeliveryMethod = DeliveryMethod.MAIL


@dataclass
class PetitionDecline:
    actor: Actor
    ground: DeclineGround
    explanation: str
    delivery: DeliveryMethod = DeliveryMethod.MAIL


@dataclass
class PetitionReferral:
    """诉访分离: the matter belongs to a court, arbitration or another legal channel."""

    actor: Actor
    channel: ReferralChannel
    body: str = field(metadata={"max_length": 100})  # which court / commission / office
    explanation: str
    delivery: DeliveryMethod = DeliveryMethod.MAIL


@dataclass
class PetitionTransfer:
    actor: Actor
    org_id: str = field(metadata={"max_length": 64})  # the competent unit
    mode: TransferMode = TransferMode.TRANSFER
    note: str = ""
    delivery: DeliveryMethod = DeliveryMethod.MAIL


@dataclass
class PetitionObjection:
    """The unit says the matter is not its own (5 working days), with reasons."""

    actor: Actor
    reason: str
    suggested_org_id: str = field(default="", metadata={"max_length": 64})


@dataclass
class ObjectionDecision:
    actor: Actor
    agree: bool
    note: str = ""


@dataclass
class PetitionExtensionRequest:
    actor: Actor
    days: int = field(metadata={"ge": 1, "le": 30})
    reason: str  # told to the petitioner in the 延期告知书


@dataclass
class PetitionExtensionDecision:
    actor: Actor
    approve: bool
    note: str = ""
    delivery: DeliveryMethod = DeliveryMethod.MAIL


@dataclass
class PetitionAnswer:
    """处理意见书: the unit's written answer."""

    actor: Actor
    outcome: OpinionOutcome
    facts: str  # 查明事实
    reasons: str  # 处理理由和依据
    decision: str  # 处理意见


@dataclass
class DeliveryRecord:
    """送达 of the opinion now waiting for it: how, and when the petitioner received it (the 复查 and
    复核 windows count from that day)."""

    actor: Actor
    method: DeliveryMethod
    received_at: datetime


@dataclass
class ReviewRequest:
    """复查 / 复核 requested by the petitioner (in person, by letter, or on the tracking page). The web
    names the body that decides (the level above, from the directory); the validator checks it."""

    actor: Actor
    reasons: str
    org_id: str = field(default="", metadata={"max_length": 64})


@dataclass
class ReviewOpinion:
    actor: Actor
    outcome: ReviewOutcome
    reasons: str
    decision: str


@dataclass
class HearingStart:
    """听证: its time does not count toward the 复核 limit."""

    actor: Actor
    note: str = ""


@dataclass
class HearingEnd:
    actor: Actor
    summary: str


@dataclass
class PetitionPress:
    """督办: the bureau presses the unit holding a petition."""

    actor: Actor
    note: str


@dataclass
class PetitionWithdrawal:
    actor: Actor
    reason: str = ""


@dataclass
class PetitionMerge:
    """并案: this petition is the same matter as another open one (``into``), handled there; its own
    timeline stays, and the other petition's page lists it."""

    actor: Actor
    into: str = field(metadata={"max_length": 32})  # XF-2026-000123
    reason: str


# --- state ------------------------------------------------------------------------------------


@dataclass
class PetitionDocument:
    """A notice or opinion, numbered (文号) when issued; its text is composed from the decision."""

    id: str  # d1, d2... within the petition
    kind: DocumentKind
    number: str  # 和信受〔2026〕12号
    issued_at: datetime
    issuer_org_id: str
    body: str = ""  # what the officer wrote into a notice (explanation, note)
    outcome: str = ""  # an OpinionOutcome / ReviewOutcome value for opinions
    detail: str = ""  # a DeclineGround / ReferralChannel / TransferMode value, or the extension's days
    org_id: str = ""  # the org the document names (the unit it was transferred to)
    referral_body: str = ""  # 诉访分离: the court or body the petitioner should go to
    facts: str = ""  # opinions: 查明事实
    reasons: str = ""  # 理由和依据
    decision: str = ""  # 处理意见 / 复查意见 / 复核意见
    delivery: DeliveryMethod | None = None
    delivered_at: datetime | None = None  # when the petitioner received it (None: not yet recorded)


@dataclass
class DocumentNumberRequest:
    code: str
    document_id: str
    kind: DocumentKind
    year: int


@dataclass
class PetitionSnapshot:
    """The live state of a petition, returned by the `snapshot` query."""

    code: str
    version: int
    registration: PetitionRegistration
    policy: PetitionPolicy
    stage: PetitionStage
    holder_org_ids: list[str]
    holder_role: Role | None
    handling_org_id: str = ""  # the competent unit once transferred (or the bureau itself)
    transfer_mode: TransferMode | None = None
    transferred_at: datetime | None = None
    objection_reason: str = ""
    objections: int = 0
    accepted_at: datetime | None = None  # 受理: the 60 days count from here
    extension_pending_days: int = 0
    extension_reason: str = ""
    extensions_granted: int = 0
    answered_at: datetime | None = None
    review_org_id: str = ""
    recheck_org_id: str = ""
    review_requested_at: datetime | None = None
    recheck_requested_at: datetime | None = None
    hearing_started_at: datetime | None = None  # a hearing is under way (the 复核 clock is paused)
    hearing_days: int = 0
    presses: int = 0
    documents: list[PetitionDocument] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    overdue: bool = False
    ever_overdue: bool = False
    outcome: PetitionOutcome | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    merged_into: str = ""  # 并案: the petition this one was merged into


@dataclass
class PetitionResult:
    """What a petition decision's caller needs back (no personal data, nothing that grows)."""

    code: str
    version: int
    stage: PetitionStage
    holder_org_ids: list[str]
    holder_role: Role | None = None
    projected: bool = True
    document_id: str = ""  # the document this decision issued, if any


@dataclass
class PetitionProjection:
    snapshot: PetitionSnapshot
    new_events: list[TimelineEntry] = field(default_factory=list)
    event_count: int = 0
    force: bool = False
