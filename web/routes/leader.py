"""The leader view (督单), for district leaders, the supervision office and the discipline commission."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.deps import CsrfProtected, CurrentUser, EngineDep, Fragment, WorkdaysDep, require_roles
from web.services.cases import SUPERVISORS
from web.services.interviews import talk_links
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
    # Where a 约谈 was ordered: its record, or the form to record it (web.services.interviews).
    talks = talk_links(engine, [b.row.code for g in view.groups for b in g.rows])
    context = {"board": view, "talks": talks, "active": "leader"}
    return templates.render(request, "leader.html", context, fragment=fragment)
