"""Decisions on a case (HTML): every action form on the case page and the leader view posts here.

Success on the case page: one response, the action panel with every other part of the page as it
is now (status, departments, timeline, notices) out of band; from a form elsewhere (the leader view)
a toast and a `case-changed` event its list refreshes on; a plain form: a redirect to the case page.
Refusal: the workflow's message appears inline next to the form (409), bad input says what is wrong
(422); nothing changed. A form someone else's decision made stale is refused with who did what and
when, and the page comes back as it is now, in the same one response.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from web.deps import ClientDep, CsrfProtected, CurrentUser, EngineDep, Fragment, SettingsDep, WorkdaysDep
from web.fragments import render_with_oob
from web.htmx import retarget, trigger
from web.i18n import TEXT
from web.routes.cases import CHANGED_PARTS
from web.schemas.decisions import DECISION, LIST_FIELDS
from web.schemas.errors import describe
from web.security import CSRF_FIELD
from web.services.case_live import whole_page
from web.services.case_page import changed_since, decide_from_form, visible
from web.services.cases import DecisionRefused
from web.templating import Templates, TemplatesDep
from web.uploads import UploadRejected
from workflows.types import Action

router = APIRouter(prefix="/cases", tags=["decisions"], dependencies=[CsrfProtected])
# The case's version the form was rendered at: a refusal of a form someone else's decision made stale
# says who did what, and the actions come back as they are now.
SEEN_VERSION = "seen_version"
# A result's files (multipart), and a second step the same submit asks for (triage, then 上报街道).
ATTACHMENTS = "attachments"
THEN = "then"


def form_values(form: FormData, action: str) -> dict[str, Any]:
    skip = (CSRF_FIELD, SEEN_VERSION, THEN)
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k not in skip}
    for name in LIST_FIELDS:
        if name in form:
            values[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
    values["action"] = action
    return values


@router.post("/{code}/actions/{action}")
async def act(
    request: Request,
    code: str,
    action: str,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    workdays: WorkdaysDep,
    templates: TemplatesDep,
    fragment: Fragment,
) -> Response:
    await visible(engine, me.actor, code)  # another org's case: 404 before anything else
    form = await request.form()
    values = form_values(form, action)
    seen = form.get(SEEN_VERSION)

    async def refused(message: str, status: int) -> Response:
        if fragment is not None:
            return _inline_error(templates, message, status)
        page = await whole_page(engine, client, settings, workdays, me, code)
        context = page.context(error=(action, message))
        return templates.render(request, "cases/page.html", context, status_code=status)

    async def case_page(status: int, **notice: str) -> Response:
        page = await whole_page(engine, client, settings, workdays, me, code)
        return render_with_oob(
            templates, request, "cases/page.html", page.context(**notice), "case-actions", CHANGED_PARTS,
            status_code=status,
        )  # fmt: skip

    try:
        decision = DECISION.validate_python(values)
    except ValidationError as invalid:
        return await refused(describe(invalid.errors()), 422)
    files = [f for f in form.getlist(ATTACHMENTS) if isinstance(f, UploadFile)]
    try:
        done_what = await decide_from_form(
            engine, client, settings, me.actor, code, decision.action, decision.payload(me.actor),
            files=files, files_public=form.get("attachments_public") == "true",
            then_report_up=form.get(THEN) == Action.REPORT_UP.value,
        )  # fmt: skip
    except UploadRejected as rejected:
        return await refused(rejected.message, 422)
    except DecisionRefused as refusal:
        stale = await _stale(engine, code, seen)
        if stale and fragment == "case-actions":
            return await case_page(409, stale=stale)
        return await refused(stale or refusal.message, 409)
    done = TEXT["decision_done"].format(action=done_what)
    if fragment == "case-actions":
        return await case_page(200, flash=done)
    if fragment is not None:  # a form elsewhere (the leader view): a toast, and the list refreshes
        return Response(status_code=204, headers=trigger(case_changed=None, toast=done))
    return RedirectResponse(f"/cases/{code}", status_code=303)


async def _stale(engine: Any, code: str, seen: object) -> str:
    if not isinstance(seen, str) or not seen.isdigit():
        return ""
    return await asyncio.to_thread(changed_since, engine, code, int(seen))


def _inline_error(templates: Templates, message: str, status: int) -> HTMLResponse:
    """The refusal, swapped into the submitting form's own `.form-error` (its input stays as typed)."""
    template = templates.env.get_template("_error_inline.html")
    return HTMLResponse(
        template.render(message=message), status_code=status, headers=retarget("find .form-error")
    )
