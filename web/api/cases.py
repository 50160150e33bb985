"""JSON API: cases (register, read, contact details, decisions), for the 12345 hotline, WeChat
mini-programs and other integrations. Same services and the same role rules as the web pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, HTTPException, Request, Response

from web.api.schemas import CaseOut, ContactOut, ErrorOut, RegisteredOut, case_out
from web.deps import ApiUser, ClientAddr, ClientDep, EngineDep, SettingsDep
from web.i18n import TEXT
from web.schemas.decisions import DecisionIn
from web.services.case_page import CaseNotFound, ContactNotAllowed, decide_as, reveal_contact, visible
from web.services.cases import (
    OFFICER_REGISTRARS,
    DecisionRefused,
    RegistrationInput,
    RegistrationRefused,
    get_snapshot,
)
from web.services.intake import IntakeInProgress, IntakeKeyInvalid, IntakeKeyReused, register_from_api

router = APIRouter(prefix="/cases", tags=["cases"])

NOT_FOUND = {404: {"model": ErrorOut, "description": "案件不存在，或不在您的权限范围内"}}
REFUSED = {409: {"model": ErrorOut, "description": "流程拒绝了此操作（原因见 detail），案件未发生任何变化"}}
INVALID = {422: {"model": ErrorOut, "description": "输入有误（原因见 detail）"}}


IDEMPOTENCY = {
    409: {"model": ErrorOut, "description": "同一 Idempotency-Key 的请求正在登记中，请稍后重试"},
    422: {
        "model": ErrorOut,
        "description": "输入有误，或 Idempotency-Key 已用于内容不同的请求（原因见 detail）",
    },
}


@router.post(
    "", status_code=201, response_model=RegisteredOut, responses={403: {"model": ErrorOut}, **IDEMPOTENCY}
)
async def register(
    request: Request,
    response: Response,
    me: ApiUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    body: RegistrationInput,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "可选。同一调用方以同一键、同一内容重发（如超时后重试），返回首次登记的结果而不重复登记；"
                "同一键、不同内容返回 422。键在 24 小时后失效。"
            ),
        ),
    ] = None,
) -> RegisteredOut:
    """点单：登记一件群众诉求，启动其办理流程。照片请通过网页上传。"""
    if me.actor.role not in OFFICER_REGISTRARS:
        raise HTTPException(403, TEXT["may_not_register"])
    try:
        filed = await register_from_api(engine, client, settings, me.actor, body, idempotency_key)
    except (RegistrationRefused, IntakeKeyInvalid, IntakeKeyReused) as refused:
        raise HTTPException(422, refused.message) from None
    except IntakeInProgress as busy:
        raise HTTPException(409, busy.message, headers={"Retry-After": "2"}) from None
    if filed.tracking_token is None:  # a replay under a SECRET_KEY since rotated: the token is gone
        raise HTTPException(409, TEXT["intake_token_gone"].format(code=filed.code))
    if filed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    url = str(request.url_for("track", token=filed.tracking_token))
    return RegisteredOut(code=filed.code, tracking_token=filed.tracking_token, tracking_url=url)


@router.get("/{code}", response_model=CaseOut, responses=NOT_FOUND)
async def read_case(
    code: str, me: ApiUser, engine: EngineDep, client: ClientDep, settings: SettingsDep
) -> CaseOut:
    """案件详情：当前阶段、各项时限、办理记录，以及当前用户此刻可办理的操作。"""
    try:
        await visible(engine, me.actor, code)
    except CaseNotFound:
        raise HTTPException(404, TEXT["case_not_found"]) from None
    return case_out(await get_snapshot(client, code), me.actor, settings)


@router.post("/{code}/contact", response_model=ContactOut, responses={**NOT_FOUND, 403: {"model": ErrorOut}})
async def contact(
    code: str, me: ApiUser, engine: EngineDep, client: ClientDep, addr: ClientAddr
) -> ContactOut:
    """群众完整联系方式：仅限需要联系群众的角色，每次调用都会留痕并显示在案件记录中。"""
    try:
        reporter = await reveal_contact(engine, client, me.actor, code, addr, via="api")
    except CaseNotFound:
        raise HTTPException(404, TEXT["case_not_found"]) from None
    except ContactNotAllowed as refused:
        raise HTTPException(403, str(refused)) from None
    return ContactOut(name=reporter.name, phone=reporter.phone, address=reporter.address)


@router.post("/{code}/decisions", response_model=CaseOut, responses={**NOT_FOUND, **REFUSED, **INVALID})
async def decide(
    code: str,
    me: ApiUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    decision: Annotated[DecisionIn, Body(discriminator="action")],
) -> CaseOut:
    """办理一项操作（签收、派单、接单……），由 `action` 字段决定其余字段。被拒绝时返回 409，案件不变。"""
    try:
        await decide_as(engine, client, me.actor, code, decision.action, decision.payload(me.actor))
    except CaseNotFound:
        raise HTTPException(404, TEXT["case_not_found"]) from None
    except DecisionRefused as refused:
        raise HTTPException(409, refused.message) from None
    # An Update's result leaves the timeline out (it is stored in history); the query has it all.
    return case_out(await get_snapshot(client, code), me.actor, settings)
