"""Payloads of the appointment workflow (约访): stdlib only, recorded in its history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflows.types import Actor, Deadline, Role, TimelineEntry


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    MISSED = "missed"  # 爽约: nobody came (recorded by the leader's office, or at the end of the slot)
    CANCELLED = "cancelled"


class ReceptionOutcome(StrEnum):
    ANSWERED = "answered"  # 当场答复
    REGISTERED = "registered"  # 登记为诉求或信访事项 (linked)


class AppointmentAction(StrEnum):
    ATTEND = "ap_attend"
    MISS = "ap_miss"
    CANCEL = "ap_cancel"


@dataclass
class AppointmentPolicy:
    remind_hours_before: int = 24  # the reminder before the slot
    missed_after_minutes: int = 120  # a booking nobody recorded by then counts as missed
    cutoff_hour: int | None = None


@dataclass
class AppointmentRegistration:
    code: str  # YF-2026-000123
    schedule_id: int
    leader_id: str
    slot_at: datetime
    level: str
    place: str
    name: str
    phone: str
    booked_by: Actor
    policy: AppointmentPolicy = field(default_factory=AppointmentPolicy)
    video: bool = False
    matter: str = ""
    tracking_token_hash: str = ""
    received_at: datetime | None = None  # when it was booked


@dataclass
class Attendance:
    """The reception took place: its outcome, the people received, a lawyer present."""

    actor: Actor
    outcome: ReceptionOutcome
    people: int = field(default=1, metadata={"ge": 1, "le": 500})
    lawyer_present: bool = False
    linked_code: str = field(default="", metadata={"max_length": 32})
    note: str = ""


@dataclass
class NoShow:
    actor: Actor
    note: str = ""


@dataclass
class Cancellation:
    actor: Actor
    reason: str = ""


@dataclass
class AppointmentSnapshot:
    code: str
    version: int
    registration: AppointmentRegistration
    policy: AppointmentPolicy
    status: AppointmentStatus
    stage: AppointmentStatus  # the engine's name for where it stands
    holder_org_ids: list[str]
    holder_role: Role | None
    outcome: ReceptionOutcome | None = None
    people: int = 0
    lawyer_present: bool = False
    linked_code: str = ""
    note: str = ""
    reminded_at: datetime | None = None
    closed_at: datetime | None = None
    deadlines: list[Deadline] = field(default_factory=list)
    overdue: bool = False
    updated_at: datetime | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)


@dataclass
class AppointmentResult:
    code: str
    version: int
    status: AppointmentStatus
    projected: bool = True


@dataclass
class AppointmentProjection:
    snapshot: AppointmentSnapshot
    new_events: list[TimelineEntry] = field(default_factory=list)
    event_count: int = 0
    force: bool = False
