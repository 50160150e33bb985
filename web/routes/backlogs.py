"""积案 (HTML): the backlog ledger with its figures and CSV export, one backlog case's page with the
owners' and the bureau's decisions, and designating a petition as 积案 from its page."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select

from store.directory import org_names
from store.models import Org, OrgKind, User
from store.periods import Period
from web.deps import ClientDep, CsrfProtected, CurrentUser, EngineDep, SettingsDep, require_roles
from web.i18n import TEXT, label
from web.schemas.decisions import decision_forms
from web.schemas.errors import describe
from web.security import CSRF_FIELD
from web.services.backlogs import (
    LEDGER_ROLES,
    LedgerFilters,
    backlog_figures,
    backlog_figures_by_org,
    backlog_row,
    decide_backlog,
    designate,
    events,
    ledger,
    ledger_csv,
    may_read,
)
from web.services.cases import CaseUnavailable, DecisionRefused
from web.services.petition_page import PetitionNotFound, visible_detail
from web.templating import TemplatesDep
from workdays import SHANGHAI
from workflows.backlog.rules import BACKLOG_DECISIONS, allowed_actions
from workflows.backlog.types import BacklogAction, BacklogOutcome, BacklogReason, BacklogStage, Duty
from workflows.types import Role

router = APIRouter(tags=["backlogs"], dependencies=[CsrfProtected])
FORMS = decision_forms(BACKLOG_DECISIONS)
READERS = (*(Role(r) for r in LEDGER_ROLES), Role.DEPARTMENT, Role.STREET, Role.UNIT_HEAD)


@router.get("/backlogs", dependencies=[require_roles(*READERS)])
def backlog_ledger(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    stage: str = "",
    reason: str = "",
    overdue: bool = False,
    text: str = "",
    period: str = "",
    format: str = "",
) -> Response:
    """The 积案 ledger (a leader sees the cases they own), its figures for a period, and its CSV."""
    rows = ledger(engine, me.actor, LedgerFilters(stage, reason, overdue, text[:100]))
    names = {**org_names(engine), **_user_names(engine)}
    if format == "csv":
        body = ledger_csv(rows, names, label)
        headers = {
            "Content-Disposition": 'attachment; filename="backlog-ledger.csv"',
            "Cache-Control": "no-store",
        }
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    key = period or datetime.now(SHANGHAI).strftime("%Y-%m")
    try:
        chosen = Period.parse(key)
    except ValueError as invalid:
        raise HTTPException(422, str(invalid)) from None
    context = {
        "active": "backlogs",
        "rows": rows,
        "names": names,
        "filters": {"stage": stage, "reason": reason, "overdue": overdue, "text": text},
        "stages": list(BacklogStage),
        "reasons": list(BacklogReason),
        "figures": backlog_figures(engine, chosen.starts_at, chosen.ends_at),
        "by_org": backlog_figures_by_org(engine, chosen.starts_at, chosen.ends_at),
        "period": chosen,
        "key": key,
    }
    return templates.render(request, "backlogs/ledger.html", context)


def _user_names(engine: Any) -> dict[str, str]:
    with Session(engine) as session:
        return {u.id: u.display_name for u in session.exec(select(User))}


def _page_context(engine: Any, me: Any, code: str, snapshot_actions: list[BacklogAction]) -> dict[str, Any]:
    row = backlog_row(engine, code)
    if row is None or not may_read(me.actor, row):
        raise HTTPException(404, TEXT["jz_not_found"])
    with Session(engine) as session:
        leaders = session.exec(select(User).where(User.role == Role.LEADER.value, col(User.active))).all()
        teams = session.exec(
            select(Org).where(col(Org.kind).in_((OrgKind.DEPARTMENT, OrgKind.STREET)), col(Org.active))
        ).all()
    return {
        "active": "backlogs",
        "b": row,
        "events": events(engine, code),
        "names": {**org_names(engine), **_user_names(engine)},
        "actions": [a.value for a in snapshot_actions],
        "labels": {a.value: d.label for a, d in BACKLOG_DECISIONS.items()},
        "leaders": [(u.id, u.display_name) for u in leaders],
        "teams": [(o.id, o.name) for o in teams],
        "duties": list(Duty),
        "outcomes": list(BacklogOutcome),
        "error": None,
        "flash": "",
    }


async def _actions(client: Any, me: Any, code: str) -> list[BacklogAction]:
    from web.services.backlogs import get_backlog

    try:
        return allowed_actions(await get_backlog(client, code), me.actor)
    except CaseUnavailable:
        return []


@router.get("/backlogs/{code}", dependencies=[require_roles(*READERS)])
async def backlog_page(
    request: Request, code: str, me: CurrentUser, engine: EngineDep, client: ClientDep, templates: TemplatesDep,
    done: str = "",
) -> Response:  # fmt: skip
    context = await asyncio.to_thread(_page_context, engine, me, code, await _actions(client, me, code))
    if done in context["labels"]:
        context["flash"] = TEXT["jz_done"].format(action=context["labels"][done])
    return templates.render(request, "backlogs/page.html", context)


@router.post("/backlogs/{code}/actions/{action}", dependencies=[require_roles(*READERS)])
async def act(
    request: Request, code: str, action: str, me: CurrentUser, engine: EngineDep, client: ClientDep,
    templates: TemplatesDep,
) -> Response:  # fmt: skip
    row = await asyncio.to_thread(backlog_row, engine, code)
    if row is None or not may_read(me.actor, row):
        raise HTTPException(404, TEXT["jz_not_found"])
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    for name in FORMS.list_fields:
        if name in form:
            values[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
    values["action"] = action

    async def refused(message: str, status: int) -> Response:
        context = await asyncio.to_thread(_page_context, engine, me, code, await _actions(client, me, code))
        context["error"] = (action, message)
        return templates.render(request, "backlogs/page.html", context, status_code=status)

    try:
        decision = FORMS.adapter.validate_python(values)
    except ValidationError as invalid:
        return await refused(describe(invalid.errors()), 422)
    try:
        await decide_backlog(client, code, BacklogAction(decision.action), decision.payload(me.actor))
    except DecisionRefused as refusal:
        return await refused(refusal.message, 409)
    except CaseUnavailable:
        return await refused(TEXT["xf_unavailable"], 503)
    return RedirectResponse(f"/backlogs/{code}?done={action}", status_code=303)


@router.post("/petitions/{code}/backlog", dependencies=[require_roles(Role.PETITION_HEAD)])
async def designate_petition(
    code: str, me: CurrentUser, engine: EngineDep, client: ClientDep, settings: SettingsDep,
    reason: Annotated[str, Form(max_length=20)] = "", note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:  # fmt: skip
    """认定积案 from the petition's page (the bureau's head)."""
    form_reason = reason
    try:
        await asyncio.to_thread(visible_detail, engine, me.actor, code)
    except PetitionNotFound:
        raise HTTPException(404, TEXT["xf_not_found"]) from None
    try:
        await designate(
            engine, client, settings, me.actor, code, BacklogReason(form_reason or "decided"), note
        )
    except ValueError:
        raise HTTPException(422, TEXT["xf_unknown_action"]) from None
    except DecisionRefused as refused:
        raise HTTPException(409, refused.message) from None
    return RedirectResponse(f"/backlogs/{code}", status_code=303)
