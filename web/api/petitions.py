"""JSON API: petitions (信访) for integrations (a city petition platform, the 12345 centre). The same
services, visibility and confidentiality as the petition pages (`store.petition_access`)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel

from web.api.schemas import ErrorOut
from web.deps import ApiUser, ClientDep, EngineDep, SettingsDep
from web.i18n import TEXT
from web.routes.petitions import DESK, FORMS
from web.services.cases import CaseUnavailable, DecisionRefused, RegistrationRefused
from web.services.petition_page import PetitionNotFound, identity_for, visible_detail
from web.services.petitioners import decide_checked
from web.services.petitions import PetitionInput, register_petition
from workflows.petition.types import PetitionAction

router = APIRouter(prefix="/petitions", tags=["petitions"])
NOT_FOUND = {404: {"model": ErrorOut, "description": "信访事项不存在，或不在您的权限范围内"}}
REFUSED = {
    409: {"model": ErrorOut, "description": "流程拒绝了此操作（原因见 detail），信访事项未发生任何变化"}
}
DecisionBody = Annotated[FORMS.union, Body(discriminator="action")]  # type: ignore[name-defined]


class DocumentOut(BaseModel):
    document_id: str
    kind: str
    number: str
    issued_at: datetime
    delivered_at: datetime | None


class DeadlineOut(BaseModel):
    kind: str
    label: str
    org_id: str
    due_at: datetime
    state: str


class PetitionOut(BaseModel):
    code: str
    title: str
    matter_type: str
    channel: str
    stage: str
    outcome: str | None
    handling_org_id: str
    petitioner_name: str  # masked, or withheld for a 检举控告, as on the page
    petitioner_id_masked: str  # 110105********002X, for those who see who the petitioner is; else ""
    first_time: bool  # 初信初访
    repeat_of: str  # 重复信访: the earlier petition on the same matter
    merged_into: str  # 并案: the petition it was merged into
    people_count: int
    representatives: list[str]  # 集体访, masked as the name is
    received_at: datetime
    accepted_at: datetime | None
    overdue: bool
    documents: list[DocumentOut]
    deadlines: list[DeadlineOut]


class PetitionRegisteredOut(BaseModel):
    code: str
    tracking_token: str
    repeat_of: str
    first_time: bool


@router.post("", status_code=201, response_model=PetitionRegisteredOut, responses={403: {"model": ErrorOut}})
async def register(
    me: ApiUser, engine: EngineDep, client: ClientDep, settings: SettingsDep, body: PetitionInput
) -> PetitionRegisteredOut:
    """登记：一件信访事项，由信访部门登记受理人员登记；返回编号和信访人查询令牌（仅此一次）。

    身份证号按 GB 11643-1999 校验（长度、出生日期、校验码），有误返回 422；只保存其脱敏形式。
    与该信访人以往某件信访事项为同一事项的，在 `same_matter_as` 填写其编号（重复信访），否则为初信初访。
    """
    if me.actor.role not in DESK:
        raise HTTPException(403, TEXT["xf_may_not_register"])
    try:
        done = await register_petition(engine, client, settings, body, me.actor)
    except RegistrationRefused as refused:
        raise HTTPException(422, refused.message) from None
    except CaseUnavailable:
        raise HTTPException(503, TEXT["xf_unavailable"]) from None
    return PetitionRegisteredOut(
        code=done.code,
        tracking_token=done.tracking_token,
        repeat_of=done.repeat_of,
        first_time=done.first_time,
    )


@router.get("/{code}", response_model=PetitionOut, responses=NOT_FOUND)
async def read_petition(code: str, me: ApiUser, engine: EngineDep) -> PetitionOut:
    """信访事项详情：阶段、法定时限、文书。检举控告人的身份只向信访部门、纪检监察机关和管理员显示。"""
    try:
        detail = await asyncio.to_thread(visible_detail, engine, me.actor, code)
    except PetitionNotFound:
        raise HTTPException(404, TEXT["xf_not_found"]) from None
    p = detail.petition
    identity = identity_for(detail, me.actor)
    return PetitionOut(
        code=p.code,
        title=p.title,
        matter_type=p.matter_type,
        channel=p.channel,
        stage=p.stage,
        outcome=p.outcome,
        handling_org_id=p.handling_org_id,
        petitioner_name=identity.name,
        petitioner_id_masked=identity.id_masked,
        first_time=p.first_time,
        repeat_of=p.repeat_of,
        merged_into=p.merged_into,
        people_count=p.people_count,
        representatives=list(identity.representatives),
        received_at=p.received_at,
        accepted_at=p.accepted_at,
        overdue=p.overdue,
        documents=[
            DocumentOut(
                document_id=d.document_id,
                kind=d.kind,
                number=d.number,
                issued_at=d.issued_at,
                delivered_at=d.delivered_at,
            )
            for d in detail.documents
        ],
        deadlines=[
            DeadlineOut(kind=d.kind, label=d.label, org_id=d.org_id, due_at=d.due_at, state=d.state)
            for d in detail.deadlines
        ],
    )


@router.post("/{code}/decisions", response_model=PetitionOut, responses={**NOT_FOUND, **REFUSED})
async def decide(
    code: str, me: ApiUser, engine: EngineDep, client: ClientDep, decision: DecisionBody
) -> PetitionOut:
    """办理一项操作（受理、转送交办、出具处理意见书……），由 `action` 字段决定其余字段；被拒绝时返回 409。"""
    try:
        await asyncio.to_thread(visible_detail, engine, me.actor, code)
    except PetitionNotFound:
        raise HTTPException(404, TEXT["xf_not_found"]) from None
    try:
        await decide_checked(
            engine, client, me.actor, code, PetitionAction(decision.action), decision.payload(me.actor)
        )
    except DecisionRefused as refused:
        raise HTTPException(409, refused.message) from None
    except CaseUnavailable:
        raise HTTPException(503, TEXT["xf_unavailable"]) from None
    return await read_petition(code, me, engine)
