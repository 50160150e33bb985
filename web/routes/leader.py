"""The leader view (督单), for district leaders, the supervision office and the discipline commission."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.deps import CsrfProtected, CurrentUser, EngineDep, Fragment, WorkdaysDep, require_roles
from web.services.cases import SUPERVISORS
from web.services.leader import board
from web.templating import TemplatesDep

router = APIRouter(
    prefix="/leader", tags=["leader"], dependencies=[CsrfProtected, require_roles(*SUPERVISORS)]
)


@router.get("")
def leader_board(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    workdays: WorkdaysDep,
    templates: TemplatesDep,
    fragment: Fragment,
    group: Literal["department", "street"] = "department",
) -> Response:
    view = board(engine, me.actor, workdays, group)
    return templates.render(request, "leader.html", {"board": view, "active": "leader"}, fragment=fragment)
