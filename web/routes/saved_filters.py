"""Saved inbox filters (常用筛选): save the filters on screen under a name, or delete one.

htmx: the saved-filters bar of the inbox (`#saved-filters`, a block of inbox.html) comes back; a plain
form is redirected to the inbox. A missing name is 422, a full list 409, another officer's filter 404;
each changes nothing.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from web.deps import CsrfProtected, CurrentUser, EngineDep, Fragment
from web.htmx import trigger
from web.i18n import TEXT
from web.schemas.queries import InboxQuery
from web.security import CSRF_FIELD
from web.services.saved_filters import FilterInput, FilterRefused, delete, links, normalised, save
from web.templating import TemplatesDep

router = APIRouter(prefix="/inbox/filters", tags=["saved filters"], dependencies=[CsrfProtected])
FILTER_FIELDS = set(InboxQuery.model_fields) - {"page"}


async def _bar(
    request: Request, templates: TemplatesDep, engine: EngineDep, me: CurrentUser, q: InboxQuery,
    *, status: int = 200, error: str = "", toast: str = "",
) -> Response:  # fmt: skip
    saved = await asyncio.to_thread(links, engine, me.user.id, q)
    context = {"q": q, "saved": saved, "sf_error": error}
    headers = trigger(toast=toast) if toast else None
    return templates.render(
        request, "inbox.html", context, fragment="saved-filters", status_code=status, headers=headers
    )


@router.post("")
async def save_filter(
    request: Request, me: CurrentUser, engine: EngineDep, templates: TemplatesDep, fragment: Fragment
) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if k in FILTER_FIELDS and isinstance(v, str)}
    query = form.get("query", "")
    filters = fields if "tab" in fields else (query if isinstance(query, str) else "")
    try:
        shown = normalised(filters)
        wanted = FilterInput.model_validate({"name": form.get("name", ""), "filters": filters})
        name = await save(engine, me.user.id, wanted)
    except ValidationError:
        return await _refused(request, templates, engine, me, fragment, TEXT["sf_needs_name"], 422, filters)
    except FilterRefused as refused:
        return await _refused(
            request, templates, engine, me, fragment, refused.message, refused.status, filters
        )
    if fragment is None:
        return RedirectResponse(shown.link(), status_code=303)
    return await _bar(request, templates, engine, me, shown, toast=TEXT["sf_saved"].format(name=name))


async def _refused(
    request: Request, templates: TemplatesDep, engine: EngineDep, me: CurrentUser, fragment: str | None,
    message: str, status: int, filters: dict[str, str] | str,
) -> Response:  # fmt: skip
    if fragment is None:
        raise HTTPException(status, message)
    try:
        shown = normalised(filters)
    except FilterRefused:
        shown = InboxQuery()
    return await _bar(request, templates, engine, me, shown, status=status, error=message)


@router.post("/{filter_id}/delete")
async def delete_filter(
    request: Request,
    filter_id: int,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    fragment: Fragment,
) -> Response:
    try:
        await delete(engine, me.user.id, filter_id)
    except FilterRefused as refused:
        raise HTTPException(refused.status, refused.message) from None
    if fragment is None:
        return RedirectResponse("/", status_code=303)
    form = await request.form()
    fields = {k: v for k, v in form.items() if k in FILTER_FIELDS and isinstance(v, str) and k != CSRF_FIELD}
    try:
        shown = normalised(fields)
    except FilterRefused:
        shown = InboxQuery()
    return await _bar(request, templates, engine, me, shown, toast=TEXT["sf_deleted"])
