"""The resident portal (no login): submit a request with photos, get its code and private link.

Post/redirect/get: the form's POST files the request under the form's one-time key and redirects
to `/portal/submitted/<key>`, so a reload, a double click or back-and-resubmit files nothing new
(`web.services.intake`). That page opens only in the browser that sent the form.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from web.deps import ClientAddr, ClientDep, CsrfProtected, EngineDep, SettingsDep, limiter
from web.i18n import TEXT
from web.ratelimit import RateLimiter
from web.schemas.errors import describe
from web.services.cases import RegistrationRefused
from web.services.intake import (
    IntakeInProgress,
    form_key,
    new_form_key,
    portal_result,
    portal_seen,
    submit_from_portal,
)
from web.services.registration import communities_for
from web.templating import TemplatesDep
from web.uploads import MAX_PHOTOS, UploadRejected
from workflows.types import Category

router = APIRouter(prefix="/portal", tags=["portal"], dependencies=[CsrfProtected])
# The success page shows the tracking link: never cached, never sent on as a referrer.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _context(engine: EngineDep, settings: SettingsDep, values: dict, key: str, error: str = "") -> dict:
    return {
        "groups": communities_for(engine, None),
        "categories": list(Category),
        "values": values,
        "intake_key": key,
        "error": error,
        "max_photos": MAX_PHOTOS,
        "max_mb": settings.upload_max_bytes // (1024 * 1024),
    }


def _nonce(request: Request) -> str:
    return request.state.anon_nonce


@router.get("")
def portal_form(
    request: Request, engine: EngineDep, settings: SettingsDep, templates: TemplatesDep
) -> Response:
    # Cacheable on purpose: "back" then "send" again brings the same form and key, and files nothing.
    return templates.render(request, "portal/submit.html", _context(engine, settings, {}, new_form_key()))


@router.post("")
async def portal_submit(
    request: Request,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    submissions: Annotated[RateLimiter, limiter("portal")],
) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    key = form_key(values.get("intake_key"))

    async def again(error: str, status: int) -> Response:
        context = await asyncio.to_thread(_context, engine, settings, values, key, error)
        return templates.render(request, "portal/submit.html", context, status_code=status)

    # Every new attempt counts, refused or not; sending the same form again is no new attempt.
    if not await portal_seen(engine, _nonce(request), key):
        if not await asyncio.to_thread(submissions.hit, addr):
            return await again(TEXT["rate_limited"], 429)
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile)]
    try:
        await submit_from_portal(engine, client, settings, _nonce(request), key, values, files)
    except ValidationError as invalid:
        return await again(describe(invalid.errors()), 422)
    except (UploadRejected, RegistrationRefused) as refused:
        return await again(refused.message, 422)
    except IntakeInProgress as busy:
        return await again(busy.message, 409)
    return RedirectResponse(f"/portal/submitted/{key}", status_code=303)


@router.get("/submitted/{key}", name="portal_submitted")
async def portal_submitted(
    request: Request, key: str, engine: EngineDep, settings: SettingsDep, templates: TemplatesDep
) -> Response:
    filed = await portal_result(engine, settings, _nonce(request), key)
    if filed is None:
        raise HTTPException(404, TEXT["portal_result_not_found"])
    token = filed.tracking_token
    context = {
        "code": filed.code,
        "tracking_url": str(request.url_for("track", token=token)) if token else "",
    }
    return templates.render(request, "portal/submitted.html", context, headers=NO_STORE)
