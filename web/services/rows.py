"""List rows (inbox, case search, leader board) built from the read model alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from store.contact import mask_phone
from store.labels import supervision_label
from store.models import Case, InboxItem
from web.i18n import TEXT, label
from web.sla import Countdown, WorkingDays, countdown
from workflows.types import Stage


@dataclass
class CaseRow:
    code: str
    title: str
    task: str
    stage: str
    stage_label: str
    category: str
    urgency: str
    reporter: str
    phone_masked: str
    street: str
    community: str
    holders: str
    received_at: datetime
    countdown: Countdown | None
    flags: list[tuple[str, str]] = field(default_factory=list)
    outcome: str = ""
    claimed_by_name: str = ""
    claimed_by_me: bool = False
    claimable: bool = False


def _stage_start(case: Case) -> datetime | None:
    """When the current stage began, for the countdown bar (the read model has no clock starts)."""
    starts = {
        Stage.REPORT.value: case.received_at,
        Stage.SIGN.value: case.reported_at,
        Stage.DISPATCH.value: case.signed_at,
        Stage.ACCEPT.value: case.dispatched_at,
        Stage.HANDLE.value: case.dispatched_at,
        Stage.RATE.value: case.completed_at,
    }
    return starts.get(case.stage) or case.updated_at


def supervision_flags(level: int, supervised: bool, talk_ordered: bool) -> list[tuple[str, str]]:
    """督办 marks: waiting for the leader (overdue, level 1, not yet supervised), 已督办 once the leader
    has, 约谈 when ordered, and 纪工委督办 when a supervised deadline passed too (level 2)."""
    out: list[tuple[str, str]] = []
    if level > 1:
        out.append(("over", supervision_label(level, supervised)))
    elif level and not supervised:
        out.append(("warn", TEXT["flag_awaiting_supervision"]))
    if supervised:
        out.append(("info", TEXT["flag_supervised"]))
    if talk_ordered:
        out.append(("warn", TEXT["flag_talk"]))
    return out


def row_flags(case: Case) -> list[tuple[str, str]]:
    out = supervision_flags(case.supervision_level, case.supervised, case.talk_ordered)
    if case.escalated:
        out.append(("warn", TEXT["flag_escalated"]))
    if case.leader_in_charge:
        out.append(("info", TEXT["flag_in_charge"]))
    return out


def case_row(
    case: Case,
    item: InboxItem | None,
    orgs: dict[str, str],
    workdays: WorkingDays,
    now: datetime,
    *,
    claimed_by: str = "",
    claimed_by_name: str = "",
    me: str = "",
) -> CaseRow:
    due = item.due_at if item else case.due_at
    warn = item.warn_at if item else case.warn_at
    open_case = case.stage != Stage.CLOSED.value
    clock = (
        countdown(
            due,
            warn,
            _stage_start(case),
            overdue=item.overdue if item else case.overdue,
            provisional=item.provisional if item else case.provisional,
            workdays=workdays,
            label=case.deadline_label,
            now=now,
        )
        if open_case
        else None
    )
    return CaseRow(
        code=case.code,
        title=case.title,
        task=label("task", item.task) if item else "",
        stage=case.stage,
        stage_label=label("stage", case.stage),
        category=label("category", case.category),
        urgency=label("urgency", case.urgency),
        reporter=case.reporter_name,
        phone_masked=mask_phone(case.reporter_phone),
        street=orgs.get(case.street_org_id, case.street_org_id),
        community=orgs.get(case.community_org_id, case.community_org_id),
        holders="、".join(orgs.get(o, o) for o in case.holder_org_ids.split()),
        received_at=case.received_at,
        countdown=clock,
        flags=row_flags(case),
        outcome=label("outcome", case.outcome),
        claimed_by_name=claimed_by_name,
        claimed_by_me=bool(me) and claimed_by == me,
        claimable=item is not None and (not claimed_by or claimed_by == me),
    )
