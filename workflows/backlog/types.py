"""Payloads of the backlog workflow (积案 / 包案): stdlib only, recorded in histories for the life of a
backlog case, so every field added later has a default that means "as before"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflows.types import Actor, Deadline, Role, Span, TimelineEntry


class BacklogReason(StrEnum):
    OVERDUE = "overdue"  # 超期未办结: still unresolved past its statutory limit
    REPEAT = "repeat"  # 重复信访: the same petitioner again and again on the matter
    HANDED_DOWN = "handed_down"  # 上级交办
    DECIDED = "decided"  # 信访部门认定


class BacklogStage(StrEnum):
    AWAITING = "jz_awaiting"  # 待包案: the bureau names the owning leaders
    IN_CHARGE = "jz_in_charge"  # 包案化解: the owners work it and report weekly
    CLOSED = "jz_closed"


class BacklogOutcome(StrEnum):
    SETTLED = "settled"  # 案结事了
    STOPPED = "stopped"  # 息诉罢访
    CONCLUDED = "concluded"  # 依法终结
    UNRESOLVED = "unresolved"  # 未化解 (closed without resolution, on record)


class Duty(StrEnum):
    """五包: what the owning leaders answer for."""

    FACTS = "facts"  # 包掌握情况
    EDUCATION = "education"  # 包思想教育
    SOLVING = "solving"  # 包解决问题
    STOPPING = "stopping"  # 包息诉罢访
    STABILITY = "stability"  # 包稳控化解


class BacklogAction(StrEnum):
    ASSIGN = "jz_assign"  # 包案: leaders and a working team take charge
    REPORT = "jz_report"  # 周进展报告
    RESOLVE = "jz_resolve"  # 化解结果
    PRESS = "jz_press"  # 督办 by the supervision office


@dataclass
class BacklogPolicy:
    id: str
    assign: Span  # the bureau names the owners within this
    report_every: Span  # a progress report is due this long after the last (weekly)
    cutoff_hour: int | None = None


@dataclass
class BacklogRegistration:
    """A petition designated 积案: by a rule, or by the petition bureau's decision (its reason kept)."""

    code: str  # the petition's code: one backlog case per petition
    title: str
    reason: BacklogReason
    bureau_org_id: str
    designated_by: Actor
    policy: BacklogPolicy
    note: str = ""
    org_id: str = ""  # the petition's handling unit, for the figures
    by_rule: bool = False
    received_at: datetime | None = None  # when it was designated


@dataclass
class BacklogAssignment:
    actor: Actor
    leader_ids: list[str] = field(metadata={"max_length": 5})  # 包案领导 (district leaders)
    team_org_ids: list[str] = field(default_factory=list, metadata={"max_length": 6})  # 工作专班
    note: str = ""


@dataclass
class ProgressReport:
    actor: Actor
    progress: str
    duties_done: list[Duty] = field(default_factory=list)


@dataclass
class BacklogResolution:
    actor: Actor
    outcome: BacklogOutcome
    evidence: str  # 化解依据: agreements, the petitioner's statement, the final decision


@dataclass
class BacklogPress:
    actor: Actor
    note: str


@dataclass
class BacklogSnapshot:
    code: str
    version: int
    registration: BacklogRegistration
    policy: BacklogPolicy
    stage: BacklogStage
    holder_org_ids: list[str]
    holder_role: Role | None
    leader_ids: list[str] = field(default_factory=list)
    team_org_ids: list[str] = field(default_factory=list)
    duties_done: list[Duty] = field(default_factory=list)
    reports: int = 0
    missed_reports: int = 0
    presses: int = 0
    outcome: BacklogOutcome | None = None
    evidence: str = ""
    assigned_at: datetime | None = None
    last_report_at: datetime | None = None
    deadlines: list[Deadline] = field(default_factory=list)
    overdue: bool = False
    ever_overdue: bool = False
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)


@dataclass
class BacklogResult:
    code: str
    version: int
    stage: BacklogStage
    holder_org_ids: list[str]
    holder_role: Role | None = None
    projected: bool = True


@dataclass
class BacklogProjection:
    snapshot: BacklogSnapshot
    new_events: list[TimelineEntry] = field(default_factory=list)
    event_count: int = 0
    force: bool = False


@dataclass
class BacklogRuleRequest:
    """Which rules designate 积案 on this pass (the Schedule's input: edit it to change them)."""

    rules: list[BacklogReason] = field(
        default_factory=lambda: [BacklogReason.OVERDUE, BacklogReason.REPEAT, BacklogReason.HANDED_DOWN]
    )
    repeat_threshold: int = 3  # this many petitions by the same petitioner (this one included)


@dataclass
class BacklogRuleReport:
    designated: list[str] = field(default_factory=list)  # petition codes newly designated
