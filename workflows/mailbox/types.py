"""Payloads of the director's mailbox workflow (局长信箱): stdlib only, recorded in its history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflows.types import Actor, Deadline, Role, Span, TimelineEntry


class LetterStage(StrEnum):
    REVIEW = "mb_review"  # 副局长审阅并提出拟办意见
    APPROVAL = "mb_approval"  # 局长审批、交办
    ASSIGNED = "mb_assigned"  # 承办单位办理
    ANSWERED = "mb_answered"  # 已答复: the writer may rate it
    CLOSED = "mb_closed"


class LetterAction(StrEnum):
    PROPOSE = "mb_propose"  # 拟办
    APPROVE = "mb_approve"  # 批示交办
    SEND_BACK = "mb_send_back"  # 退回重拟
    REPLY = "mb_reply"  # 答复
    RATE = "mb_rate"  # the writer's satisfaction
    PRESS = "mb_press"  # 督办 by the director


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


@dataclass
class MailboxPolicy:
    review: Span  # the deputy proposes within this
    approval: Span  # the director approves within this
    rating: Span  # the writer may rate the answer within this
    max_reply_days: int = 30  # the director's deadline is at most this far off
    cutoff_hour: int | None = 17


@dataclass
class LetterRegistration:
    code: str  # XX-2026-000123
    mailbox_org_id: str  # the bureau whose director's mailbox it is
    name: str
    phone: str
    subject: str
    content: str
    policy: MailboxPolicy
    registered_by: Actor
    tracking_token_hash: str = ""
    received_at: datetime | None = None


@dataclass
class Proposal:
    """拟办意见: what to do, and who should answer."""

    actor: Actor
    org_id: str = field(metadata={"max_length": 64})
    opinion: str


@dataclass
class Approval:
    """批示: the director assigns it (交办), with the deadline for the answer."""

    actor: Actor
    org_id: str = field(metadata={"max_length": 64})
    due_at: datetime
    instruction: str = ""


@dataclass
class SendBack:
    actor: Actor
    reason: str


@dataclass
class Reply:
    actor: Actor
    answer: str  # goes back to the writer


@dataclass
class LetterRating:
    actor: Actor
    value: Satisfaction
    comment: str = ""


@dataclass
class LetterPress:
    actor: Actor
    note: str


@dataclass
class LetterSnapshot:
    code: str
    version: int
    registration: LetterRegistration
    policy: MailboxPolicy
    stage: LetterStage
    holder_org_ids: list[str]
    holder_role: Role | None
    proposed_org_id: str = ""
    proposal: str = ""
    assigned_org_id: str = ""
    instruction: str = ""
    due_at: datetime | None = None
    answer: str = ""
    answered_at: datetime | None = None
    answered_on_time: bool | None = None
    rating: Satisfaction | None = None
    presses: int = 0
    deadlines: list[Deadline] = field(default_factory=list)
    overdue: bool = False
    ever_overdue: bool = False
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)


@dataclass
class LetterResult:
    code: str
    version: int
    stage: LetterStage
    holder_org_ids: list[str]
    holder_role: Role | None = None
    projected: bool = True


@dataclass
class LetterProjection:
    snapshot: LetterSnapshot
    new_events: list[TimelineEntry] = field(default_factory=list)
    event_count: int = 0
    force: bool = False
