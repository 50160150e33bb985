"""What the JSON API returns. Reporter contact details are masked here, as in every list."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from settings import Settings
from store.contact import mask_address, mask_phone
from web.i18n import label
from web.services.case_view import event_title, temporal_url
from web.services.rows import CaseRow
from workflows.rules import allowed_actions
from workflows.types import Action, Actor, CaseSnapshot, Role


class ErrorOut(BaseModel):
    detail: str = Field(description="给用户看的中文说明")
    errors: list[dict] | None = Field(default=None, description="输入校验的逐项问题（仅 422）")


class MeOut(BaseModel):
    user_id: str
    username: str
    display_name: str
    role: Role
    org_id: str
    street_ids: list[str]


class RegisteredOut(BaseModel):
    code: str = Field(description="案件编号，如 HJ-2026-000123")
    tracking_token: str = Field(description="群众查询令牌，只返回这一次，请转交群众")
    tracking_url: str


class ReporterOut(BaseModel):
    name: str
    phone: str
    address: str


class DeadlineOut(BaseModel):
    kind: str
    label: str
    state: str
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    provisional: bool
    closed_at: datetime | None
    org_id: str


class AssignmentOut(BaseModel):
    department_id: str
    lead: bool
    accepted_at: datetime | None
    response: str
    reported_at: datetime | None
    result: str


class TimelineOut(BaseModel):
    seq: int
    at: datetime
    action: str
    title: str
    actor_role: str
    actor_org_id: str
    actor_name: str
    note: str
    public: bool  # the resident sees this event
    note_public: bool  # ... and reads its note (告知群众); false: an internal note


class CaseOut(BaseModel):
    code: str
    version: int
    title: str
    description: str
    location: str
    channel: str
    policy_id: str
    stage: str
    stage_label: str
    category: str | None
    urgency: str | None
    difficulty: str | None
    holder_org_ids: list[str]
    overdue: bool
    supervision_level: int
    supervised: bool
    escalated: bool
    outcome: str | None
    result: str
    received_at: datetime | None
    reporter: ReporterOut = Field(description="联系方式已脱敏；完整信息请调用 contact 接口（留痕）")
    assignments: list[AssignmentOut]
    deadlines: list[DeadlineOut]
    timeline: list[TimelineOut]
    allowed_actions: list[Action] = Field(description="当前用户此刻可以办理的操作")
    temporal_url: str


class ContactOut(BaseModel):
    name: str
    phone: str
    address: str


class InboxItemOut(BaseModel):
    code: str
    title: str
    task: str
    stage: str
    stage_label: str
    category: str
    urgency: str
    reporter: str
    phone: str
    due_at: str = Field(description="时限（北京时间）")
    sla: str = Field(description="剩余时间说明，如「剩余 2 个工作日」")
    sla_level: str = Field(description="ok / warn（即将超期）/ over（超期）")
    provisional: bool
    claimed_by: str


class InboxOut(BaseModel):
    tab: str
    counts: dict[str, int]
    page: int
    pages: int
    total: int
    items: list[InboxItemOut]


def case_out(snap: CaseSnapshot, actor: Actor, settings: Settings) -> CaseOut:
    reg = snap.registration
    return CaseOut(
        code=snap.code,
        version=snap.version,
        title=reg.title,
        description=reg.description,
        location=reg.location,
        channel=reg.channel.value,
        policy_id=snap.policy.id,
        stage=snap.stage.value,
        stage_label=label("stage", snap.stage),
        category=snap.category.value if snap.category else None,
        urgency=snap.urgency.value if snap.urgency else None,
        difficulty=snap.difficulty.value if snap.difficulty else None,
        holder_org_ids=list(snap.holder_org_ids),
        overdue=snap.overdue,
        supervision_level=snap.supervision_level,
        supervised=snap.supervised,
        escalated=snap.escalated,
        outcome=snap.outcome.value if snap.outcome else None,
        result=snap.result,
        received_at=reg.received_at,
        reporter=ReporterOut(
            name=reg.reporter.name,
            phone=mask_phone(reg.reporter.phone),
            address=mask_address(reg.reporter.address),
        ),
        assignments=[
            AssignmentOut(
                department_id=a.department_id,
                lead=a.lead,
                accepted_at=a.accepted_at,
                response=a.response,
                reported_at=a.reported_at,
                result=a.result,
            )
            for a in snap.assignments
        ],
        deadlines=[
            DeadlineOut(
                kind=d.kind.value,
                label=d.label,
                state=d.state.value,
                started_at=d.started_at,
                warn_at=d.warn_at,
                due_at=d.due_at,
                provisional=d.provisional,
                closed_at=d.closed_at,
                org_id=d.org_id,
            )
            for d in snap.deadlines
        ],
        timeline=[
            TimelineOut(
                seq=e.seq,
                at=e.at,
                action=e.action,
                title=event_title(e.action, e.public),
                actor_role=e.actor_role.value,
                actor_org_id=e.actor_org_id,
                actor_name=e.actor_name,
                note=e.note,
                public=e.public,
                note_public=e.note_public,
            )
            for e in snap.timeline
        ],
        allowed_actions=allowed_actions(snap, actor),
        temporal_url=temporal_url(settings, snap.code),
    )


def inbox_item_out(row: CaseRow) -> InboxItemOut:
    clock = row.countdown
    return InboxItemOut(
        code=row.code,
        title=row.title,
        task=row.task,
        stage=row.stage,
        stage_label=row.stage_label,
        category=row.category,
        urgency=row.urgency,
        reporter=row.reporter,
        phone=row.phone_masked,
        due_at=clock.due_text if clock else "",
        sla=clock.text if clock else "",
        sla_level=clock.level if clock else "",
        provisional=bool(clock and clock.provisional),
        claimed_by=row.claimed_by_name,
    )
