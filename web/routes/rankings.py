"""The rankings board (红黑榜) of departments and streets, for leaders, the supervision office, the
discipline commission and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from web.deps import CsrfProtected, CurrentUser, EngineDep, Fragment
from web.schemas.dashboard import RankingsQuery
from web.services.dashboard_params import picker, require_rankings, select_figures
from web.services.dashboard_rankings import ranking_board
from web.templating import TemplatesDep

router = APIRouter(prefix="/dashboard/rankings", tags=["rankings"], dependencies=[CsrfProtected])


@router.get("")
def rankings(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    fragment: Fragment,
    q: Annotated[RankingsQuery, Query()],
) -> Response:
    # Rankings are district-wide: the scope is not asked for, only the right to see the board.
    selection = select_figures(engine, me.actor, q.model_copy(update={"scope": ""}))
    require_rankings(selection)
    context = {
        "active": "rankings",
        "sel": selection,
        "picker": picker(selection, "/dashboard/rankings", scoped=False, group=q.group, by=q.by),
        "board": ranking_board(engine, selection, q.group, q.by),
    }
    return templates.render(request, "dashboard/rankings.html", context, fragment=fragment)
