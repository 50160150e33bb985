"""The dashboard (统计) and the monthly report (月度通报) of one scope and period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from web.deps import CsrfProtected, CurrentUser, EngineDep, Fragment
from web.schemas.dashboard import FiguresQuery
from web.services.dashboard import dashboard_view
from web.services.dashboard_params import picker, select_figures, this_month
from web.services.dashboard_report import monthly_report
from web.templating import TemplatesDep

router = APIRouter(prefix="/dashboard", tags=["dashboard"], dependencies=[CsrfProtected])


@router.get("")
def dashboard(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    fragment: Fragment,
    q: Annotated[FiguresQuery, Query()],
) -> Response:
    selection = select_figures(engine, me.actor, q)
    context = {
        "active": "dashboard",
        "sel": selection,
        "picker": picker(selection, "/dashboard"),
        "view": dashboard_view(engine, selection),
    }
    return templates.render(request, "dashboard/index.html", context, fragment=fragment)


@router.get("/report")
def report(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    q: Annotated[FiguresQuery, Query()],
) -> Response:
    selection = select_figures(engine, me.actor, q, default_period=this_month())
    context = {
        "active": "dashboard",
        "sel": selection,
        "picker": picker(selection, "/dashboard/report"),
        "report": monthly_report(engine, selection, me.actor.display_name),
    }
    return templates.render(request, "dashboard/report.html", context)
