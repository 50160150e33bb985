"""A resident's private tracking link: status, public timeline, rating and withdrawal.

The token is the only key: a case code opens nothing here, an unknown token gets the same page as
an expired one, and unknown tokens are rate limited per address so they cannot be guessed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError

from store.models import Case
from web.deps import ClientAddr, ClientDep, CsrfProtected, EngineDep, SettingsDep, limiter
from web.i18n import TEXT
from web.ratelimit import RateLimiter
from web.schemas.errors import describe
from web.services.cases import DecisionRefused
from web.services.notifications import BadEmail, resident_prefs, save_resident_prefs
from web.services.portal import PortalRating, file_for, find, rate, track, withdraw
from web.services.qr import qr_svg
from web.templating import TemplatesDep
from workflows.types import Action

router = APIRouter(prefix="/track", tags=["tracking"], dependencies=[CsrfProtected])
TOKEN_MAX = 64
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
T = TypeVar("T")


def _lookup(engine: EngineDep, token: str, addr: str, misses: RateLimiter) -> Case:
    return by_token(lambda t: find(engine, t), token, addr, misses)


def by_token(find_one: Callable[[str], T | None], token: str, addr: str, misses: RateLimiter) -> T:
    """What a private link opens (a case, a petition), or 404; unknown tokens count against the
    address, which is refused (429) once it has guessed too often. Blocking (the lookup, the shared
    limiter): async routes call it through `asyncio.to_thread`."""
    if not misses.allowed(addr):
        raise HTTPException(429, TEXT["rate_limited"])
    found = find_one(token) if len(token) <= TOKEN_MAX else None
    if found is None:
        misses.hit(addr)
        raise HTTPException(404, TEXT["track_not_found"])
    return found


async def _page(
    request: Request,
    templates: TemplatesDep,
    engine: EngineDep,
    client: ClientDep,
    case: Case,
    token: str,
    *,
    error: str = "",
    status: int = 200,
    values: dict[str, str] | None = None,
    saved: bool = False,
    rated: bool = False,
) -> Response:
    view = await track(engine, client, case)
    prefs = await asyncio.to_thread(resident_prefs, engine, case.reporter_phone)
    # The link the resident opened (the registration's or an SMS's), to copy or scan onto a phone.
    link = f"{request.app.state.settings.public_url.rstrip('/')}/track/{token}"
    qr = await asyncio.to_thread(qr_svg, link, TEXT["track_qr_title"])  # a few ms of drawing, off the loop
    context = {
        "view": view,
        "token": token,
        "error": error,
        "values": values or {},
        "prefs": prefs,
        "saved": saved,
        # Thanks once the rating is in: the form has gone, so a bare ?rated=1 shows nothing false.
        "thanks": rated and Action.RATE not in view.actions and bool(view.case.rating),
        "link": link,
        "qr": qr,
    }
    return templates.render(request, "portal/track.html", context, status_code=status, headers=NO_STORE)


async def _for_writing(
    request: Request,
    templates: TemplatesDep,
    engine: EngineDep,
    client: ClientDep,
    token: str,
    addr: str,
    misses: RateLimiter,
    writes: RateLimiter,
) -> tuple[Case, Response | None]:
    """The case a resident writes to (rating, withdrawal, notice choices), and the page refusing it
    when their address has written too often (429); unknown links count as misses."""
    case = await asyncio.to_thread(_lookup, engine, token, addr, misses)
    if await asyncio.to_thread(writes.hit, addr):
        return case, None
    return case, await _page(
        request, templates, engine, client, case, token, error=TEXT["rate_limited"], status=429
    )


@router.get("/{token}", name="track")
async def track_page(
    request: Request,
    token: str,
    engine: EngineDep,
    client: ClientDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
    rated: bool = False,
) -> Response:
    case = await asyncio.to_thread(_lookup, engine, token, addr, misses)
    return await _page(request, templates, engine, client, case, token, rated=rated)


@router.post("/{token}/rate")
async def rate_result(
    request: Request,
    token: str,
    engine: EngineDep,
    client: ClientDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
    writes: Annotated[RateLimiter, limiter("portal")],
    value: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form(max_length=1000)] = "",
    solved: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    case, limited = await _for_writing(request, templates, engine, client, token, addr, misses, writes)
    if limited is not None:
        return limited
    # a refused rating keeps what the resident chose
    typed = {"value": value, "comment": comment, "solved": solved}
    try:
        await rate(client, case, PortalRating(value=value, comment=comment, solved=solved or None))
    except ValidationError as invalid:
        return await _page(
            request,
            templates,
            engine,
            client,
            case,
            token,
            error=describe(invalid.errors()),
            status=422,
            values=typed,
        )
    except DecisionRefused as refused:
        return await _page(
            request, templates, engine, client, case, token, error=refused.message, status=409, values=typed
        )
    return RedirectResponse(f"/track/{token}?rated=1", status_code=303)


@router.post("/{token}/withdraw")
async def withdraw_request(
    request: Request,
    token: str,
    engine: EngineDep,
    client: ClientDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
    writes: Annotated[RateLimiter, limiter("portal")],
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    case, limited = await _for_writing(request, templates, engine, client, token, addr, misses, writes)
    if limited is not None:
        return limited
    try:
        await withdraw(client, case, reason)
    except DecisionRefused as refused:
        return await _page(request, templates, engine, client, case, token, error=refused.message, status=409)
    return RedirectResponse(f"/track/{token}", status_code=303)


@router.get("/{token}/photos/{key}")
async def photo(
    token: str,
    key: str,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
) -> Response:
    case = await asyncio.to_thread(_lookup, engine, token, addr, misses)
    found = await file_for(client, settings, case, key)
    if found is None:
        raise HTTPException(404, TEXT["file_not_found"])
    return FileResponse(
        found.path,
        media_type=found.media_type,
        filename=found.download_name or None,  # a document downloads under its own name
        headers={**NO_STORE, "X-Content-Type-Options": "nosniff"},
    )


@router.post("/{token}/notices")
async def notice_choices(
    request: Request,
    token: str,
    engine: EngineDep,
    client: ClientDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
    writes: Annotated[RateLimiter, limiter("portal")],
    sms_opt_out: Annotated[str, Form(max_length=10)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The resident's notice choices: no more SMS, and an email address for notices (or none)."""
    case, limited = await _for_writing(request, templates, engine, client, token, addr, misses, writes)
    if limited is not None:
        return limited
    try:
        await asyncio.to_thread(
            save_resident_prefs, engine, case.reporter_phone, sms_opt_out=bool(sms_opt_out), email=email
        )
    except BadEmail as bad:
        typed = {"email": email, "sms_opt_out": sms_opt_out}
        return await _page(
            request, templates, engine, client, case, token, error=str(bad), status=422, values=typed
        )
    return await _page(request, templates, engine, client, case, token, saved=True)
