"""Canned replies (常用语): an org's list (page, add, delete) and the pickers' JSON.

Bad input (no text, an unknown use) is 422, a full list 409, another org's reply 404; each changes
nothing. `GET /canned-replies/options` answers every signed-in officer (an empty list when their org
keeps none), so the pickers that app.js attaches never log a failed request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from web.deps import CsrfProtected, CurrentUser, EngineDep
from web.i18n import TEXT
from web.services.canned_replies import CannedRefused, add, delete, options, page
from web.templating import TemplatesDep

router = APIRouter(prefix="/canned-replies", tags=["canned replies"], dependencies=[CsrfProtected])
OrgParam = Annotated[str, Query(max_length=64)]


def _href(org: str) -> str:
    return f"/canned-replies?org={org}" if org else "/canned-replies"


async def _show(
    request: Request, templates: TemplatesDep, engine: EngineDep, me: CurrentUser, org: str,
    *, error: str = "", status: int = 200, values: dict[str, str] | None = None, flash: str = "",
) -> Response:  # fmt: skip
    try:
        view = await page(engine, me.actor, org)
    except CannedRefused as refused:
        raise HTTPException(refused.status, refused.message) from None
    context = {"view": view, "error": error, "values": values or {}, "flash": flash, "active": "canned"}
    return templates.render(request, "canned_replies.html", context, status_code=status)


@router.get("")
async def canned_page(
    request: Request, me: CurrentUser, engine: EngineDep, templates: TemplatesDep, org: OrgParam = ""
) -> Response:
    return await _show(
        request, templates, engine, me, org, flash=TEXT["cr_added"] if "added" in request.query_params else ""
    )


@router.get("/options")
async def canned_options(me: CurrentUser, engine: EngineDep) -> Response:
    return JSONResponse(await options(engine, me.actor), headers={"Cache-Control": "no-store"})


@router.post("")
async def add_reply(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    field: Annotated[str, Form(max_length=20)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
    org: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        await add(engine, me.actor, org, {"field": field, "text": text})
    except CannedRefused as refused:
        if refused.status in (403, 404):
            raise HTTPException(refused.status, refused.message) from None
        typed = {"field": field, "text": text}
        return await _show(
            request, templates, engine, me, org, error=refused.message, status=refused.status, values=typed
        )
    return RedirectResponse(_href(org) + ("&" if org else "?") + "added=1", status_code=303)


@router.post("/{reply_id}/delete")
async def delete_reply(
    reply_id: int,
    me: CurrentUser,
    engine: EngineDep,
    org: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        await delete(engine, me.actor, org, reply_id)
    except CannedRefused as refused:
        raise HTTPException(refused.status, refused.message) from None
    return RedirectResponse(_href(org), status_code=303)
