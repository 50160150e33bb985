"""Admin: load next year's official holiday schedule; running cases' provisional deadlines follow."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.deps import ClientDep, CsrfProtected, CurrentUser, EngineDep, require_roles
from web.services.calendar_admin import ScheduleRejected, allowed_years, load_calendar, loaded_years
from web.templating import TemplatesDep
from workflows.types import Role

router = APIRouter(
    prefix="/admin/calendar", tags=["admin"], dependencies=[CsrfProtected, require_roles(Role.ADMIN)]
)


def _context(engine: EngineDep, **extra: object) -> dict:
    return {
        "active": "calendar",
        "years": loaded_years(engine),
        "allowed": allowed_years(),
        "values": {},
        "error": "",
        "loaded": None,
        **extra,
    }


@router.get("")
def calendar(request: Request, engine: EngineDep, templates: TemplatesDep) -> Response:
    return templates.render(request, "admin/calendar.html", _context(engine))


@router.post("")
async def load(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    templates: TemplatesDep,
    year: Annotated[int, Form()],
    schedule: Annotated[str, Form(max_length=20_000)],
) -> Response:
    values = {"year": year, "schedule": schedule}
    try:
        loaded = await load_calendar(engine, client, me.actor, year, schedule)
    except ScheduleRejected as rejected:
        context = await asyncio.to_thread(_context, engine, values=values, error=rejected.message)
        return templates.render(request, "admin/calendar.html", context, status_code=422)
    context = await asyncio.to_thread(_context, engine, loaded=loaded)
    return templates.render(request, "admin/calendar.html", context)
