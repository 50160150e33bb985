"""The ledger (台账): the filtered cases of a scope and period, and their export to .xlsx and .csv."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from web.deps import ClientAddr, CsrfProtected, CurrentUser, EngineDep, Fragment
from web.schemas.dashboard import LedgerQuery
from web.services.cases import OFFICER_REGISTRARS
from web.services.dashboard_params import picker, select_figures
from web.services.ledger_export import ledger_file, ledger_page
from web.templating import TemplatesDep

router = APIRouter(prefix="/ledger", tags=["ledger"], dependencies=[CsrfProtected])


@router.get("")
def ledger(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    fragment: Fragment,
    q: Annotated[LedgerQuery, Query()],
) -> Response:
    selection = select_figures(engine, me.actor, q)
    context = {
        "active": "ledger",
        "sel": selection,
        "q": q,
        "picker": picker(selection, "/ledger", **q.kept()),
        "page": ledger_page(engine, me.actor, selection, q),
        "may_import": me.actor.role in OFFICER_REGISTRARS,
    }
    return templates.render(request, "dashboard/ledger.html", context, fragment=fragment)


@router.get("/export.{fmt}")
async def export(
    fmt: Literal["xlsx", "csv"],
    me: CurrentUser,
    engine: EngineDep,
    addr: ClientAddr,
    q: Annotated[LedgerQuery, Query()],
) -> Response:
    selection = await asyncio.to_thread(select_figures, engine, me.actor, q)
    file = await asyncio.to_thread(ledger_file, engine, me.actor, selection, q, fmt, addr)
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": file.disposition, "Cache-Control": "no-store"},
    )
