"""跟单: a street's list of every case it dispatched until it is rated, with each department's state
and clock, and 催办 (a reminder that reaches the department: its bell, and the case's timeline)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from store.directory import org_names
from store.follow import followed
from web.deps import ClientDep, CsrfProtected, CurrentUser, EngineDep, Fragment, require_roles
from web.services.case_page import decide_as
from web.services.cases import DecisionRefused
from web.templating import TemplatesDep
from workflows.types import Action, Reminder, Role

router = APIRouter(
    prefix="/follow", tags=["follow"], dependencies=[CsrfProtected, require_roles(Role.STREET)]
)


async def _context(engine: EngineDep, me: CurrentUser, overdue: bool, **extra: object) -> dict[str, object]:
    cases, names = await asyncio.gather(
        asyncio.to_thread(followed, engine, me.actor.org_id, overdue_only=overdue),
        asyncio.to_thread(org_names, engine),
    )
    return {"active": "follow", "cases": cases, "names": names, "overdue": overdue, "message": "", **extra}


@router.get("")
async def follow_page(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    fragment: Fragment,
    overdue: Annotated[bool, Query()] = False,
) -> Response:
    context = await _context(engine, me, overdue)
    return templates.render(request, "follow/page.html", context, fragment=fragment)


@router.post("/{code}/remind")
async def remind(
    request: Request,
    code: str,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    templates: TemplatesDep,
    fragment: Fragment,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """催办 through the same decision the case page sends; a refusal (the case moved on) says why."""
    status, message = 200, f"已催办 {code}"
    try:
        await decide_as(
            engine, client, me.actor, code, Action.REMIND, Reminder(me.actor, note or "请抓紧办理")
        )
    except DecisionRefused as refused:
        status, message = 409, f"{code}：{refused.message}"
    context = await _context(engine, me, False, message=message)
    return templates.render(request, "follow/page.html", context, fragment=fragment, status_code=status)
