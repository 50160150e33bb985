"""A petitioner's private link (信访事项查询): where the petition stands, its public steps, the
notices and opinions issued to them (printable, PDF), and a request for 复查 or 复核 while its window
is open. As for 六单's link, the token is the only key and unknown tokens are rate limited."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from store.directory import org_names
from store.petition_queries import by_tracking_token, petition_detail
from store.petitions import Petition
from web.deps import ClientAddr, ClientDep, CsrfProtected, EngineDep, limiter
from web.i18n import TEXT
from web.ratelimit import RateLimiter
from web.routes.petitions import document_text_of, pdf_response
from web.routes.tracking import NO_STORE, by_token
from web.security import sha256
from web.services.cases import CaseUnavailable, DecisionRefused
from web.services.petition_documents import render_pdf
from web.services.petition_forms import level_above
from web.services.petitions import decide_petition
from web.templating import TemplatesDep
from workflows.petition.types import PetitionAction, PetitionStage, ReviewRequest
from workflows.types import Actor, Role

router = APIRouter(prefix="/track/xf", tags=["petition tracking"], dependencies=[CsrfProtected])
PETITIONER = Actor(user_id="petitioner", role=Role.RESIDENT, display_name="信访人")
# The request each window takes, and whose answer the body above reviews.
WINDOWS = {
    PetitionStage.REVIEW_WINDOW.value: PetitionAction.REQUEST_REVIEW,
    PetitionStage.RECHECK_WINDOW.value: PetitionAction.REQUEST_RECHECK,
}


def _lookup(engine: EngineDep, token: str, addr: str, misses: RateLimiter) -> Petition:
    return by_token(lambda t: by_tracking_token(engine, sha256(t)), token, addr, misses)


async def _page(
    request: Request,
    templates: TemplatesDep,
    engine: EngineDep,
    p: Petition,
    token: str,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    detail = await asyncio.to_thread(petition_detail, engine, p.code)
    names = await asyncio.to_thread(org_names, engine)
    context = {
        "p": p,
        "detail": detail,
        "token": token,
        "error": error,
        "window": WINDOWS.get(p.stage),
        "org": lambda org_id: names.get(org_id, org_id),
    }
    return templates.render(request, "petitions/track.html", context, status_code=status, headers=NO_STORE)


@router.get("/{token}")
async def track_petition(
    request: Request,
    token: str,
    engine: EngineDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
) -> Response:
    p = await asyncio.to_thread(_lookup, engine, token, addr, misses)
    return await _page(request, templates, engine, p, token)


@router.post("/{token}/request")
async def request_review(
    request: Request,
    token: str,
    engine: EngineDep,
    client: ClientDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
    writes: Annotated[RateLimiter, limiter("portal")],
    reasons: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """复查 or 复核, whichever window is open: the body above is the directory's, checked again by the
    workflow."""
    p = await asyncio.to_thread(_lookup, engine, token, addr, misses)
    if not await asyncio.to_thread(writes.hit, addr):
        return await _page(request, templates, engine, p, token, error=TEXT["rate_limited"], status=429)
    action = WINDOWS.get(p.stage)
    if action is None:
        return await _page(request, templates, engine, p, token, error=TEXT["xf_no_window"], status=409)
    below = p.handling_org_id if action == PetitionAction.REQUEST_REVIEW else p.review_org_id
    above = await asyncio.to_thread(level_above, engine, below)
    try:
        await decide_petition(
            client,
            p.code,
            action,
            ReviewRequest(PETITIONER, reasons=reasons, org_id=above.id if above else ""),
        )
    except DecisionRefused as refused:
        return await _page(request, templates, engine, p, token, error=refused.message, status=409)
    except CaseUnavailable:
        return await _page(request, templates, engine, p, token, error=TEXT["xf_unavailable"], status=503)
    return RedirectResponse(f"/track/xf/{token}", status_code=303)


@router.get("/{token}/documents/{document_id}.pdf")
async def document_pdf(
    token: str,
    document_id: str,
    engine: EngineDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
) -> Response:
    text = await _document(engine, token, document_id, addr, misses)
    return pdf_response(await asyncio.to_thread(render_pdf, text), f"{document_id}.pdf")


@router.get("/{token}/documents/{document_id}")
async def document_page(
    request: Request,
    token: str,
    document_id: str,
    engine: EngineDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
) -> Response:
    text = await _document(engine, token, document_id, addr, misses)
    context = {
        "text": text,
        "pdf_href": f"/track/xf/{token}/documents/{document_id}.pdf",
        "back_href": f"/track/xf/{token}",
    }
    return templates.render(request, "petitions/document.html", context, headers=NO_STORE)


async def _document(engine: EngineDep, token: str, document_id: str, addr: str, misses: RateLimiter):  # type: ignore[no-untyped-def]
    p = await asyncio.to_thread(_lookup, engine, token, addr, misses)
    detail = await asyncio.to_thread(petition_detail, engine, p.code)
    return await asyncio.to_thread(document_text_of, engine, detail, document_id)
