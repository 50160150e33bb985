"""The resident portal (no login): submit a request with photos, get its code and private link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from web.deps import ClientAddr, ClientDep, CsrfProtected, EngineDep, SettingsDep, limiter
from web.i18n import TEXT
from web.ratelimit import SlidingWindowLimiter
from web.schemas.errors import describe
from web.services.cases import RegistrationRefused
from web.services.portal import PortalSubmission, submit
from web.services.registration import communities_for
from web.templating import TemplatesDep
from web.uploads import MAX_PHOTOS, UploadRejected
from workflows.types import Category

router = APIRouter(prefix="/portal", tags=["portal"], dependencies=[CsrfProtected])


def _context(engine: EngineDep, settings: SettingsDep, values: dict, error: str = "") -> dict:
    return {
        "groups": communities_for(engine, None),
        "categories": list(Category),
        "values": values,
        "error": error,
        "max_photos": MAX_PHOTOS,
        "max_mb": settings.upload_max_bytes // (1024 * 1024),
    }


@router.get("")
def portal_form(
    request: Request, engine: EngineDep, settings: SettingsDep, templates: TemplatesDep
) -> Response:
    return templates.render(request, "portal/submit.html", _context(engine, settings, {}))


@router.post("")
async def portal_submit(
    request: Request,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    submissions: Annotated[SlidingWindowLimiter, limiter("portal")],
) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}

    def again(error: str, status: int) -> Response:
        return templates.render(
            request, "portal/submit.html", _context(engine, settings, values, error), status_code=status
        )

    if not submissions.hit(addr):  # every attempt counts, refused or not
        return again(TEXT["rate_limited"], 429)
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile)]
    try:
        data = PortalSubmission.model_validate(values)
        registered = await submit(engine, client, settings, data, files)
    except ValidationError as invalid:
        return again(describe(invalid.errors()), 422)
    except (UploadRejected, RegistrationRefused) as refused:
        return again(refused.message, 422)
    tracking = str(request.url_for("track", token=registered.tracking_token))
    return templates.render(
        request, "portal/submitted.html", {"code": registered.code, "tracking_url": tracking}, status_code=201
    )
