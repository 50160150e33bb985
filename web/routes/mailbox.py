"""The director's mailbox (局长信箱, HTML): the writer's form and private link (the answer, the rating),
and the officers' list and letter page (拟办, 批示交办, 退回, 答复, 督办), with the mailbox figures."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from store.directory import org_names
from store.periods import Period
from web.deps import (
    ClientAddr,
    ClientDep,
    CsrfProtected,
    CurrentUser,
    EngineDep,
    SettingsDep,
    limiter,
    require_roles,
)
from web.i18n import TEXT
from web.ratelimit import RateLimiter
from web.routes.tracking import NO_STORE, by_token
from web.schemas.decisions import decision_forms
from web.schemas.errors import describe
from web.security import CSRF_FIELD, sha256
from web.services.cases import CaseUnavailable, DecisionRefused
from web.services.mailbox import (
    READERS,
    LetterInput,
    decide_letter,
    get_letter,
    letter,
    letter_by_token,
    letters,
    mailbox_figures,
    send_letter,
)
from web.services.petition_forms import handling_orgs
from web.templating import TemplatesDep
from workdays import SHANGHAI
from workflows.mailbox.rules import LETTER_DECISIONS, STAGE_NAMES, allowed_actions
from workflows.mailbox.types import LetterAction, LetterRating, Satisfaction
from workflows.types import Actor, Role

router = APIRouter(tags=["mailbox"], dependencies=[CsrfProtected])
FORMS = decision_forms(LETTER_DECISIONS)
WRITER = Actor(user_id="writer", role=Role.RESIDENT, display_name="来信人")
LABELS = {a.value: d.label for a, d in LETTER_DECISIONS.items()}


@router.get("/portal/mailbox")
def mailbox_form(request: Request, templates: TemplatesDep) -> Response:
    return templates.render(request, "portal/mailbox.html", {"values": {}, "error": ""})


@router.post("/portal/mailbox")
async def mailbox_send(
    request: Request,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    writes: Annotated[RateLimiter, limiter("portal")],
) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    if not await asyncio.to_thread(writes.hit, addr):
        return templates.render(
            request, "portal/mailbox.html", {"values": values, "error": TEXT["rate_limited"]}, status_code=429
        )
    try:
        sent = await send_letter(engine, client, settings, LetterInput.model_validate(values), WRITER)
    except ValidationError as invalid:
        context = {"values": values, "error": describe(invalid.errors())}
        return templates.render(request, "portal/mailbox.html", context, status_code=422)
    except CaseUnavailable:
        return templates.render(
            request,
            "portal/mailbox.html",
            {"values": values, "error": TEXT["xf_unavailable"]},
            status_code=503,
        )
    return RedirectResponse(f"/track/mb/{sent.tracking_token}?sent=1", status_code=303)


def _mine(engine: Any, token: str, addr: str, misses: RateLimiter) -> Any:
    return by_token(lambda t: letter_by_token(engine, sha256(t)), token, addr, misses)


@router.get("/track/mb/{token}")
def writer_page(
    request: Request, token: str, engine: EngineDep, templates: TemplatesDep, addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")], sent: str = "",
) -> Response:  # fmt: skip
    m = _mine(engine, token, addr, misses)
    context = {"m": m, "token": token, "sent": bool(sent), "stage": STAGE_NAMES, "error": ""}
    return templates.render(request, "portal/letter.html", context, headers=NO_STORE)


@router.post("/track/mb/{token}/rate")
async def writer_rates(
    token: str, engine: EngineDep, client: ClientDep, addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
    value: Annotated[str, Form(max_length=20)] = "", comment: Annotated[str, Form(max_length=1000)] = "",
) -> Response:  # fmt: skip
    m = await asyncio.to_thread(_mine, engine, token, addr, misses)
    try:
        rating = LetterRating(WRITER, Satisfaction(value), comment)
    except ValueError:
        raise HTTPException(422, TEXT["xf_unknown_action"]) from None
    try:
        await decide_letter(client, m.code, LetterAction.RATE, rating)
    except DecisionRefused as refused:
        raise HTTPException(409, refused.message) from None
    return RedirectResponse(f"/track/mb/{token}", status_code=303)


@router.get("/mailbox", dependencies=[require_roles(*READERS)])
def mailbox_list(
    request: Request, me: CurrentUser, engine: EngineDep, templates: TemplatesDep, period: str = ""
) -> Response:
    key = period or datetime.now(SHANGHAI).strftime("%Y-%m")
    try:
        chosen = Period.parse(key)
    except ValueError as invalid:
        raise HTTPException(422, str(invalid)) from None
    context = {
        "active": "mailbox",
        "rows": letters(engine, me.actor),
        "stage": STAGE_NAMES,
        "names": org_names(engine),
        "figures": mailbox_figures(engine, chosen.starts_at, chosen.ends_at),
        "period": chosen,
        "key": key,
    }
    return templates.render(request, "mailbox/list.html", context)


async def _page(request: Request, me: Any, engine: Any, client: Any, templates: Any, code: str,
                error: tuple[str, str] | None = None, status: int = 200, flash: str = "") -> Response:  # fmt: skip
    row = await asyncio.to_thread(letter, engine, me.actor, code)
    if row is None:
        raise HTTPException(404, TEXT["jz_not_found"])
    try:
        snap = await get_letter(client, code)
        actions = [a.value for a in allowed_actions(snap, me.actor)]
        timeline = snap.timeline
    except CaseUnavailable:
        actions, timeline = [], []
    orgs, names = await asyncio.to_thread(lambda: (handling_orgs(engine), org_names(engine)))
    context = {
        "active": "mailbox", "m": row, "actions": actions, "labels": LABELS, "timeline": timeline,
        "orgs": [(o, n) for o, n in orgs if o], "names": names,
        "stage": STAGE_NAMES, "error": error, "flash": flash,
    }  # fmt: skip
    return templates.render(request, "mailbox/letter.html", context, status_code=status)


@router.get("/mailbox/{code}", dependencies=[require_roles(*READERS)])
async def letter_page(
    request: Request, code: str, me: CurrentUser, engine: EngineDep, client: ClientDep, templates: TemplatesDep,
    done: str = "",
) -> Response:  # fmt: skip
    flash = TEXT["jz_done"].format(action=LABELS[done]) if done in LABELS else ""
    return await _page(request, me, engine, client, templates, code, flash=flash)


@router.post("/mailbox/{code}/actions/{action}", dependencies=[require_roles(*READERS)])
async def letter_action(
    request: Request, code: str, action: str, me: CurrentUser, engine: EngineDep, client: ClientDep,
    templates: TemplatesDep,
) -> Response:  # fmt: skip
    if await asyncio.to_thread(letter, engine, me.actor, code) is None:
        raise HTTPException(404, TEXT["jz_not_found"])
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    values["action"] = action
    try:
        decision = FORMS.adapter.validate_python(values)
    except ValidationError as invalid:
        return await _page(
            request, me, engine, client, templates, code, (action, describe(invalid.errors())), 422
        )
    try:
        await decide_letter(client, code, LetterAction(decision.action), decision.payload(me.actor))
    except DecisionRefused as refused:
        return await _page(request, me, engine, client, templates, code, (action, refused.message), 409)
    return RedirectResponse(f"/mailbox/{code}?done={action}", status_code=303)
