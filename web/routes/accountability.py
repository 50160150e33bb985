"""问责 (HTML): the discipline commission's accountability list and its CSV, 约谈 records (list, 待约谈,
the form to record one), and the admin's thresholds.

Read by the discipline commission, the supervision office, district leaders and admins; a 约谈 is
recorded by the first three (``web.services.interviews.RECORDERS``), the thresholds set by admins.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from web.deps import CsrfProtected, CurrentUser, EngineDep, Fragment, require_roles
from web.i18n.accountability_text import ACCOUNTABILITY_TEXT
from web.schemas.dashboard import FiguresQuery
from web.services.accountability import (
    READERS,
    THRESHOLD_FIELDS,
    ThresholdsRejected,
    accountability_list,
    csv_filename,
    current_thresholds,
    list_csv,
    update_thresholds,
)
from web.services.dashboard_params import picker, select_figures
from web.services.interviews import RECORDERS, InterviewRejected, interview_form, interview_list, record
from web.templating import TemplatesDep
from workflows.types import Role

# The pages' words beside ``t``, and who reads them: base.html's nav link, shown on every page, needs
# both, so they are template globals rather than this router's context.
TEMPLATE_GLOBALS = {"acc": ACCOUNTABILITY_TEXT, "accountability_readers": READERS}

router = APIRouter(
    prefix="/accountability", tags=["accountability"], dependencies=[CsrfProtected, require_roles(*READERS)]
)


class InterviewFilters(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    org: str = Field(default="", max_length=64)
    period: str = Field(default="", max_length=32)
    case: str = Field(default="", max_length=32)
    saved: int = 0


class InterviewPrefill(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    org: str = Field(default="", max_length=64)
    cases: str = Field(default="", max_length=1000)
    period: str = Field(default="", max_length=32)
    reason: str = Field(default="", max_length=2000)


@router.get("")
def accountability_page(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    fragment: Fragment,
    q: Annotated[FiguresQuery, Query()],
) -> Response:
    # District-wide like the rankings board: the period is asked for, never a scope.
    selection = select_figures(engine, me.actor, q.model_copy(update={"scope": ""}))
    context = {
        "active": "accountability",
        "picker": picker(selection, "/accountability", scoped=False),
        "listing": accountability_list(engine, me.actor, selection.period),
        "may_record": me.actor.role in RECORDERS,
        "may_set": me.actor.role == Role.ADMIN,
    }
    return templates.render(request, "accountability/index.html", context, fragment=fragment)


@router.get("/export.csv")
def export_csv(me: CurrentUser, engine: EngineDep, q: Annotated[FiguresQuery, Query()]) -> Response:
    selection = select_figures(engine, me.actor, q.model_copy(update={"scope": ""}))
    listing = accountability_list(engine, me.actor, selection.period)
    headers = {
        "Content-Disposition": f'attachment; filename="{csv_filename(selection.period)}"',
        "Cache-Control": "no-store",
    }
    return Response(list_csv(listing), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/interviews")
def interviews_page(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    q: Annotated[InterviewFilters, Query()],
) -> Response:
    context = {
        "active": "accountability",
        "listing": interview_list(engine, me.actor, q.org, q.period, q.case),
        "saved": q.saved,
        "may_record": me.actor.role in RECORDERS,
    }
    return templates.render(request, "accountability/interviews.html", context)


@router.get("/interviews/new", dependencies=[require_roles(*RECORDERS)])
def new_interview(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    q: Annotated[InterviewPrefill, Query()],
) -> Response:
    prefill = {"org_id": q.org, "cases": q.cases, "period": q.period, "reason": q.reason}
    context = {"active": "accountability", "form": interview_form(engine, me.actor, prefill)}
    return templates.render(request, "accountability/interview_form.html", context)


@router.post("/interviews", dependencies=[require_roles(*RECORDERS)])
def create_interview(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    org_id: Annotated[str, Form()] = "",
    person_name: Annotated[str, Form()] = "",
    person_post: Annotated[str, Form()] = "",
    held_by: Annotated[str, Form()] = "",
    held_at: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    cases: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
) -> Response:
    # Lengths are checked by the service, so an over-long field comes back on the form with the rest.
    values = {
        "org_id": org_id,
        "person_name": person_name,
        "person_post": person_post,
        "held_by": held_by,
        "held_at": held_at,
        "reason": reason,
        "outcome": outcome,
        "cases": cases,
        "period": period,
    }
    try:
        interview_id = record(engine, me.actor, values, datetime.now(UTC))
    except InterviewRejected as rejected:
        form = interview_form(engine, me.actor, values, rejected.errors)
        context = {"active": "accountability", "form": form}
        return templates.render(request, "accountability/interview_form.html", context, status_code=422)
    query = urlencode({"org": org_id.strip(), "saved": interview_id})
    target = f"/accountability/interviews?{query}#interview-{interview_id}"
    return RedirectResponse(target, status_code=303)


def _thresholds_context(engine: EngineDep, **extra: object) -> dict[str, object]:
    view = current_thresholds(engine)
    return {
        "active": "accountability",
        "rules": view.rules,
        "stored": view.stored,
        "fields": THRESHOLD_FIELDS,
        "values": view.values,
        "error": "",
        "saved": False,
        **extra,
    }


@router.get("/thresholds", dependencies=[require_roles(Role.ADMIN)])
def thresholds_page(request: Request, engine: EngineDep, templates: TemplatesDep) -> Response:
    return templates.render(request, "accountability/thresholds.html", _thresholds_context(engine))


@router.post("/thresholds", dependencies=[require_roles(Role.ADMIN)])
def save_thresholds(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    min_ratings: Annotated[str, Form(max_length=20)] = "",
    satisfaction_below: Annotated[str, Form(max_length=20)] = "",
    dissatisfied_at_least: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    values = {
        "min_ratings": min_ratings,
        "satisfaction_below": satisfaction_below,
        "dissatisfied_at_least": dissatisfied_at_least,
    }
    try:
        update_thresholds(engine, me.actor, values)
    except ThresholdsRejected as rejected:
        context = _thresholds_context(engine, values=values, error=rejected.message)
        return templates.render(request, "accountability/thresholds.html", context, status_code=422)
    return templates.render(
        request, "accountability/thresholds.html", _thresholds_context(engine, saved=True)
    )
