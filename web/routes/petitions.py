"""Petitions (信访, HTML): the petition inbox, registering at the desk (登记) with its check for earlier
and similar petitions, the petition page with its decisions (并案 included), the petitioner's file,
and the documents as printable pages and PDFs.

A decision posts a form; success redirects to the petition page (post/redirect/get), a refusal shows
the workflow's sentence beside the form (409) and bad input says what is wrong (422): nothing changed.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from store.directory import org_names
from store.periods import Period
from store.petition_access import ALL_ROLES, DESK_ROLES, FIGURES_ROLES
from store.petition_figures import petition_figures
from store.petition_queries import petition_detail, petition_list, petition_tasks, task_counts
from web.deps import (
    ClientAddr,
    ClientDep,
    CsrfProtected,
    CurrentUser,
    EngineDep,
    SettingsDep,
    WorkdaysDep,
    require_roles,
)
from web.i18n import TEXT
from web.i18n.petitioner_text import XF_PERSON_TEXT
from web.routes import petition_desk
from web.routes.petition_desk import form_values, register_context
from web.schemas.decisions import decision_forms
from web.schemas.errors import describe
from web.security import CSRF_FIELD, seal, unseal
from web.services.case_page import ContactNotAllowed
from web.services.cases import CaseUnavailable, DecisionRefused, RegistrationRefused
from web.services.office_report import office_report
from web.services.petition_documents import compose, render_pdf
from web.services.petition_page import PetitionNotFound, load_petition_page, reveal_petitioner, visible_detail
from web.services.petitioners import check_similar, decide_checked
from web.services.petitions import PetitionInput, register_petition
from web.sla import countdown
from web.templating import TemplatesDep
from workdays import SHANGHAI
from workflows.petition.decisions import PETITION_DECISIONS
from workflows.petition.types import PetitionAction, PetitionStage
from workflows.types import Role

router = APIRouter(prefix="/petitions", tags=["petitions"], dependencies=[CsrfProtected])
FORMS = decision_forms(PETITION_DECISIONS)
TOKEN_SHOWN_FOR = timedelta(hours=1)
TABS = ("todo", "expiring", "review", "all")
WORKERS = tuple(Role(r) for r in ALL_ROLES)
DESK = tuple(Role(r) for r in DESK_ROLES)
FIGURES = tuple(Role(r) for r in FIGURES_ROLES)


def _not_found() -> HTTPException:
    return HTTPException(404, TEXT["xf_not_found"])


@router.get("", dependencies=[require_roles(*WORKERS)])
def petition_inbox(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    workdays: WorkdaysDep,
    templates: TemplatesDep,
    tab: str = "todo",
    text: str = "",
    stage: str = "",
    page: int = 1,
) -> Response:
    tab = tab if tab in TABS else "todo"
    role, org = me.actor.role.value, me.actor.org_id
    now = datetime.now(UTC)
    counts = task_counts(engine, role, org, now)
    rows: list[Any] = []
    total = 0
    if tab == "all":
        rows, total = petition_list(engine, role, org, text=text[:100], stage=stage, page=max(1, page))
    else:
        rows = petition_tasks(engine, role, org, tab, now)

    def clock(r: Any) -> Any:
        return countdown(
            r.due_at, r.warn_at, None, overdue=r.overdue, provisional=False, workdays=workdays, now=now
        )

    context = {
        "active": "petitions",
        "tab": tab,
        "tabs": TABS,
        "counts": counts,
        "rows": rows,
        "total": total,
        "text": text,
        "stage": stage,
        "stages": list(PetitionStage),
        "clock": clock,
        "page": page,
    }
    return templates.render(request, "petitions/inbox.html", context)


@router.get("/figures", dependencies=[require_roles(*FIGURES)])
def figures(request: Request, engine: EngineDep, templates: TemplatesDep, period: str = "") -> Response:
    """信访工作考核: the district's petition figures for a period (this month unless given), and each
    handling unit's, as `store.petition_figures` defines them."""
    key = period or datetime.now(SHANGHAI).strftime("%Y-%m")
    try:
        chosen = Period.parse(key)
    except ValueError as invalid:
        raise HTTPException(422, str(invalid)) from None
    report = petition_figures(engine, chosen.starts_at, chosen.ends_at)
    names = org_names(engine)
    context = {
        "active": "petition_figures",
        "report": report,
        "office": office_report(engine, chosen.starts_at, chosen.ends_at),
        "period": chosen,
        "key": key,
        "org": lambda o: names.get(o, o),
    }
    return templates.render(request, "petitions/figures.html", context)


@router.get("/new", dependencies=[require_roles(*DESK)])
def registration_form(request: Request, engine: EngineDep, templates: TemplatesDep) -> Response:
    return templates.render(request, "petitions/new.html", register_context(engine, {}))


@router.post("", dependencies=[require_roles(*DESK)])
async def register(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    values = await form_values(request)
    try:
        data = PetitionInput.model_validate(values)
        registered = await register_petition(engine, client, settings, data, me.actor)
    except (ValidationError, RegistrationRefused) as invalid:
        message = describe(invalid.errors()) if isinstance(invalid, ValidationError) else invalid.message
        check = await asyncio.to_thread(check_similar, engine, settings, me.actor, values)
        context = await asyncio.to_thread(register_context, engine, values, message, check)
        return templates.render(request, "petitions/new.html", context, status_code=422)
    except CaseUnavailable:
        context = await asyncio.to_thread(register_context, engine, values, TEXT["xf_unavailable"])
        return templates.render(request, "petitions/new.html", context, status_code=503)
    # Post/redirect/get: the petitioner's tracking link rides sealed in the address for an hour, for
    # the officer who registered it only (it is never stored in clear).
    sealed = seal(settings.secret_key, _token_context(registered.code, me.actor.user_id),
                  f"{registered.tracking_token}|{int(datetime.now(UTC).timestamp())}")  # fmt: skip
    return RedirectResponse(f"/petitions/{registered.code}?registered={sealed}", status_code=303)


def _token_context(code: str, user_id: str) -> str:
    return f"petition-tracking:{code}:{user_id}"


def _shown_token(settings: Any, code: str, user_id: str, sealed: str | None) -> str:
    opened = unseal(settings.secret_key, _token_context(code, user_id), sealed)
    if not opened:
        return ""
    token, _, at = opened.partition("|")
    fresh = at.isdigit() and datetime.now(UTC).timestamp() - int(at) < TOKEN_SHOWN_FOR.total_seconds()
    return token if fresh else ""


@router.get("/{code}", dependencies=[require_roles(*WORKERS)])
async def petition_page(
    request: Request,
    code: str,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    registered: str | None = None,
    done: str = "",
) -> Response:
    try:
        page = await load_petition_page(engine, client, settings, me.actor, code)
    except PetitionNotFound:
        raise _not_found() from None
    flash = ""
    if registered:
        p = page.p
        flash = (
            XF_PERSON_TEXT["registered_repeat"].format(code=code, earlier=p.repeat_of)
            if p.repeat_of
            else XF_PERSON_TEXT["registered_first"].format(code=code)
        )
    elif done in PETITION_DECISIONS:
        flash = TEXT["xf_done"].format(action=PETITION_DECISIONS[PetitionAction(done)].label)
    context = {
        "page": page,
        "active": "petitions",
        "tracking_token": _shown_token(settings, code, me.actor.user_id, registered),
        "error": None,
        "flash": flash,
    }
    return templates.render(request, "petitions/page.html", context)


@router.post("/{code}/contact", dependencies=[require_roles(*WORKERS)])
async def contact(
    request: Request,
    code: str,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    addr: ClientAddr,
) -> Response:
    """The petitioner's full phone and address, shown once on this response and logged."""
    try:
        full = await reveal_petitioner(engine, me.actor, code, addr)
        page = await load_petition_page(engine, client, settings, me.actor, code)
    except PetitionNotFound:
        raise _not_found() from None
    except ContactNotAllowed as refused:
        raise HTTPException(403, str(refused)) from None
    context = {
        "page": replace(page, identity=full),
        "active": "petitions",
        "tracking_token": "",
        "error": None,
    }
    return templates.render(request, "petitions/page.html", context, headers={"Cache-Control": "no-store"})


@router.post("/{code}/actions/{action}", dependencies=[require_roles(*WORKERS)])
async def act(
    request: Request,
    code: str,
    action: str,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    try:
        await asyncio.to_thread(visible_detail, engine, me.actor, code)
    except PetitionNotFound:
        raise _not_found() from None
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    values["action"] = action

    async def refused(message: str, status: int) -> Response:
        page = await load_petition_page(engine, client, settings, me.actor, code)
        context = {"page": page, "active": "petitions", "tracking_token": "", "error": (action, message)}
        return templates.render(request, "petitions/page.html", context, status_code=status)

    try:
        decision = FORMS.adapter.validate_python(values)
    except ValidationError as invalid:
        return await refused(describe(invalid.errors()), 422)
    try:
        await decide_checked(
            engine, client, me.actor, code, PetitionAction(decision.action), decision.payload(me.actor)
        )
    except DecisionRefused as refusal:
        return await refused(refusal.message, 409)
    except CaseUnavailable:
        return await refused(TEXT["xf_unavailable"], 503)
    return RedirectResponse(f"/petitions/{code}?done={action}", status_code=303)


@router.get("/{code}/documents/{document_id}.pdf", dependencies=[require_roles(*WORKERS)])
async def document_pdf(code: str, document_id: str, me: CurrentUser, engine: EngineDep) -> Response:
    text = await _document_text(engine, me, code, document_id)
    pdf = await asyncio.to_thread(render_pdf, text)
    return pdf_response(pdf, f"{code}-{document_id}.pdf")


@router.get("/{code}/documents/{document_id}", dependencies=[require_roles(*WORKERS)])
async def document_page(
    request: Request, code: str, document_id: str, me: CurrentUser, engine: EngineDep, templates: TemplatesDep
) -> Response:
    text = await _document_text(engine, me, code, document_id)
    context = {
        "text": text,
        "pdf_href": f"/petitions/{code}/documents/{document_id}.pdf",
        "back_href": f"/petitions/{code}",
    }
    return templates.render(request, "petitions/document.html", context)


def pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


async def _document_text(engine: EngineDep, me: CurrentUser, code: str, document_id: str) -> Any:
    try:
        detail = await asyncio.to_thread(visible_detail, engine, me.actor, code)
    except PetitionNotFound:
        raise _not_found() from None
    return await asyncio.to_thread(document_text_of, engine, detail, document_id)


def document_text_of(engine: Any, detail: Any, document_id: str) -> Any:
    """One document of a petition composed for print, or 404."""
    doc = next((d for d in detail.documents if d.document_id == document_id), None)
    if doc is None:
        raise _not_found()
    # A repeat of a concluded matter is answered with the earlier decision (不再受理).
    concluded = petition_detail(engine, detail.petition.repeat_of) if detail.petition.repeat_of else None
    earlier = concluded.documents[-1] if concluded and concluded.documents else None
    return compose(doc, detail.petition, org_names(engine), earlier)


# The desk's check beside the registration form and the petitioner's file (POST /similar and
# GET /petitioners/{key}: no path here can shadow them).
router.include_router(petition_desk.router)
