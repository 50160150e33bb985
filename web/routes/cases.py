"""Cases (HTML): the case search, registering a request for a resident, the case page, the
resident's contact details on demand, and attachments."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from store import presence
from web.deps import (
    ClientAddr,
    ClientDep,
    CsrfProtected,
    CurrentUser,
    EngineDep,
    Fragment,
    SettingsDep,
    WorkdaysDep,
    require_roles,
)
from web.fragments import render_with_oob
from web.i18n import TEXT
from web.routes.portal import NO_STORE
from web.schemas.errors import describe
from web.schemas.queries import CaseQuery
from web.services.case_live import Shown, poll, whole_page
from web.services.case_page import ContactNotAllowed, officer_file, reveal_contact
from web.services.case_search import search_cases
from web.services.cases import OFFICER_REGISTRARS, RegistrationInput, RegistrationRefused
from web.services.intake import IntakeInProgress, form_key, new_form_key, officer_result, submit_from_officer
from web.services.registration import communities_for
from web.templating import TemplatesDep
from web.uploads import UploadRejected
from workflows.policies import offered_policies
from workflows.types import Category, Channel, Stage, Urgency

PRIVATE_FILE = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}

router = APIRouter(prefix="/cases", tags=["cases"], dependencies=[CsrfProtected])


@router.get("")
def case_list(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    workdays: WorkdaysDep,
    templates: TemplatesDep,
    fragment: Fragment,
    q: Annotated[CaseQuery, Query()],
) -> Response:
    found = search_cases(engine, me.actor, workdays, q.filters(), q.page)
    context = {
        "rows": found.rows,
        "page": found.page,
        "q": q,
        "active": "cases",
        "stages": list(Stage),
        "categories": list(Category),
        "urgencies": list(Urgency),
        "streets": found.streets,
        "page_href": q.page_href(),
    }
    return templates.render(request, "cases/list.html", context, fragment=fragment)


def _registration_context(engine: EngineDep, me: CurrentUser, settings: SettingsDep) -> dict:
    return {
        "active": "register",
        "groups": communities_for(engine, me.actor),
        "channels": [c for c in Channel if c != Channel.WEB_PORTAL],
        "categories": list(Category),
        "policies": offered_policies(settings.drills_allowed),
        "values": {},
        "error": "",
        # One key per form shown: sent twice (a double click, back and send again), it files once.
        "intake_key": new_form_key(),
    }


@router.get("/new", dependencies=[require_roles(*OFFICER_REGISTRARS)])
def registration_form(
    request: Request, me: CurrentUser, engine: EngineDep, settings: SettingsDep, templates: TemplatesDep
) -> Response:
    return templates.render(request, "cases/new.html", _registration_context(engine, me, settings))


@router.post("", dependencies=[require_roles(*OFFICER_REGISTRARS)])
async def register(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile)]
    key = form_key(values.get("intake_key"))
    # The communities come from the database: off the event loop, as every async route's reads.
    shared = await asyncio.to_thread(_registration_context, engine, me, settings)
    context = {**shared, "values": values, "intake_key": key}
    try:
        data = RegistrationInput.model_validate(values)
        await submit_from_officer(engine, client, settings, me.actor, key, data, files)
    except ValidationError as invalid:
        context["error"] = describe(invalid.errors())
        return templates.render(request, "cases/new.html", context, status_code=422)
    except (UploadRejected, RegistrationRefused, IntakeInProgress) as refused:
        context["error"] = refused.message
        return templates.render(
            request,
            "cases/new.html",
            context,
            status_code=409 if isinstance(refused, IntakeInProgress) else 422,
        )
    # Post/redirect/get: a reload of the result page files nothing, nor does the same form sent twice.
    return RedirectResponse(request.url_for("case_registered", key=key).path, status_code=303)


@router.get("/registered/{key}", name="case_registered", dependencies=[require_roles(*OFFICER_REGISTRARS)])
async def registered(
    request: Request,
    key: str,
    me: CurrentUser,
    engine: EngineDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    filed = await officer_result(engine, settings, me.actor.user_id, key)
    if filed is None:
        raise HTTPException(404, TEXT["case_not_found"])
    token = filed.tracking_token
    context = {
        "active": "register",
        "code": filed.code,
        "tracking_url": str(request.url_for("track", token=token)) if token else "",
    }
    return templates.render(request, "cases/registered.html", context, headers=NO_STORE)


# The parts of the case page a decision or a poll that sees one brings back beside its own.
CHANGED_PARTS = ["case-status", "case-presence", "case-details", "case-timeline", "case-notices"]


@router.get("/{code}")
async def case_page(
    request: Request,
    code: str,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    workdays: WorkdaysDep,
    templates: TemplatesDep,
    fragment: Fragment,
    seen: Annotated[int | None, Query(ge=0)] = None,
    forms: Annotated[str | None, Query(max_length=400, pattern=r"^[a-z_.]*$")] = None,
) -> Response:
    """The case page, or one block of it for htmx. The status block's poll (`seen`, `forms`: what the
    page shows) is answered from the read model, with every other part that changed out of band."""
    if fragment == "case-status" and seen is not None:
        shown = Shown(seen, forms or "")
        page = await poll(engine, client, settings, workdays, me, code, shown, forms_known=forms is not None)
        if page.view is None:
            return render_with_oob(
                templates, request, "cases/page.html", page.context(), fragment, ["case-presence"]
            )
        oob = CHANGED_PARTS[1:] + (["case-actions"] if page.forms_changed else [])
        context = page.context(stale=page.stale)
        return render_with_oob(templates, request, "cases/page.html", context, fragment, oob)
    page = await whole_page(engine, client, settings, workdays, me, code)
    return templates.render(request, "cases/page.html", page.context(), fragment=fragment)


@router.post("/{code}/presence/leave", status_code=204)
def leave_case_page(code: str, me: CurrentUser, engine: EngineDep) -> Response:
    """The page's pagehide beacon: this officer closed or left the case page (only their own row is
    touched, so it tells nothing of the case and needs no access check)."""
    presence.leave(engine, code, me.user.id)
    return Response(status_code=204)


@router.post("/{code}/contact")
async def contact(
    request: Request,
    code: str,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    workdays: WorkdaysDep,
    templates: TemplatesDep,
    fragment: Fragment,
    addr: ClientAddr,
) -> Response:
    """The resident's full phone and address; the view is logged and shows in the timeline, which
    comes back in the same response."""
    try:
        reporter = await reveal_contact(engine, client, me.actor, code, addr)
    except ContactNotAllowed as refused:
        raise HTTPException(403, str(refused)) from None
    page = await whole_page(engine, client, settings, workdays, me, code)
    context = page.context(contact=reporter)
    if fragment == "case-contact":
        return render_with_oob(templates, request, "cases/page.html", context, fragment, ["case-timeline"])
    return templates.render(request, "cases/page.html", context, fragment=fragment)


@router.get("/{code}/attachments/{key}")
async def attachment(
    code: str, key: str, me: CurrentUser, engine: EngineDep, client: ClientDep, settings: SettingsDep
) -> Response:
    found = await officer_file(engine, client, settings, me.actor, code, key)
    if found is None:
        raise HTTPException(404, TEXT["file_not_found"])
    return FileResponse(
        found.path, media_type=found.media_type, filename=found.download_name or None, headers=PRIVATE_FILE
    )
