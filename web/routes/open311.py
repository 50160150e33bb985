"""Open311 GeoReport v2 under /open311/v2/: services, service definitions, and service requests.

Every method answers in JSON or XML by the URL's suffix (`services.json`, `requests/<id>.xml`), and
every refusal in the spec's error document with its HTTP status: 400 bad input, 403 a missing,
unknown or revoked `api_key`, 404 an unknown service, request, jurisdiction or path, 429 too many
requests from one key, 503 when the case cannot be registered now. Only POST takes a key (issued on
/admin/api-keys); it counts against the portal's rate limit, per key. No CSRF: no cookie opens it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from settings import Settings
from web.deps import ClientDep, EngineDep, SettingsDep, limiter
from web.i18n.open311_text import OPEN311_TEXT as T
from web.ratelimit import RateLimiter
from web.services.open311 import Open311Refused, check_jurisdiction, client_key, file_request, find_service
from web.services.open311_catalog import definition, service_list
from web.services.open311_format import FORMATS, Row, document, errors
from web.services.open311_reads import one_request, request_filter, requests_found
from web.services.registration import communities_for

router = APIRouter(prefix="/open311/v2", tags=["open311"])


def _answer(
    request: Request, settings: Settings, fmt: str, root: str, build: Callable[[], Row | list[Row]]
) -> Response:
    """A GET: the format and jurisdiction checked, then `build`'s document or its refusal."""
    try:
        if fmt not in FORMATS:
            raise Open311Refused(404, T["format_unknown"])
        check_jurisdiction(settings, request.query_params.get("jurisdiction_id", ""))
        return document(fmt, root, build())
    except Open311Refused as refused:
        return errors(fmt, refused.status, refused.descriptions, refused.headers)


@router.get("/services.{fmt}")
def services(request: Request, fmt: str, settings: SettingsDep) -> Response:
    return _answer(request, settings, fmt, "services", service_list)


@router.get("/services/{service_code}.{fmt}")
def service_definition(
    request: Request, service_code: str, fmt: str, engine: EngineDep, settings: SettingsDep
) -> Response:
    return _answer(
        request,
        settings,
        fmt,
        "service_definition",
        lambda: definition(find_service(service_code), communities_for(engine, None)),
    )


@router.get("/requests.{fmt}")
def service_requests(request: Request, fmt: str, engine: EngineDep, settings: SettingsDep) -> Response:
    # A filter may be comma-separated or repeated (service_code=a&service_code=b): the spec allows both.
    params = {name: ",".join(request.query_params.getlist(name)) for name in request.query_params}
    return _answer(
        request,
        settings,
        fmt,
        "service_requests",
        lambda: requests_found(engine, request_filter(params, datetime.now(UTC))),
    )


@router.get("/requests/{service_request_id}.{fmt}")
def service_request(
    request: Request, service_request_id: str, fmt: str, engine: EngineDep, settings: SettingsDep
) -> Response:
    return _answer(
        request, settings, fmt, "service_requests", lambda: [one_request(engine, service_request_id)]
    )


@router.post("/requests.{fmt}")
async def post_service_request(
    request: Request,
    fmt: str,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    submissions: Annotated[RateLimiter, limiter("open311")],
) -> Response:
    """POST Service Request (form-encoded). An `Idempotency-Key` header makes a retry safe."""
    try:
        if fmt not in FORMATS:
            raise Open311Refused(404, T["format_unknown"])
        values = await _form(request)
        key = await asyncio.to_thread(client_key, engine, values.get("api_key", ""))
        check_jurisdiction(settings, values.get("jurisdiction_id", ""))
        # Every attempt with a live key counts, refused or not, as on the portal.
        if not await asyncio.to_thread(submissions.hit, f"open311:{key.id}"):
            raise Open311Refused(429, T["rate_limited"])
        code = await file_request(
            engine, client, settings, key, values, request.headers.get("Idempotency-Key")
        )
    except Open311Refused as refused:
        return errors(fmt, refused.status, refused.descriptions, refused.headers)
    body: list[Row] = [
        {"service_request_id": code, "service_notice": T["service_notice"], "account_id": None}
    ]
    return document(fmt, "service_requests", body, status=201)


async def _form(request: Request) -> dict[str, str]:
    try:
        form = await request.form()
    except HTTPException as unreadable:  # Starlette's 400 for a malformed multipart body
        raise Open311Refused(400, T["body_invalid"]) from unreadable
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


@router.api_route("/{path:path}", methods=["GET", "POST"], include_in_schema=False)
def unknown_method(path: str) -> Response:
    """Any other path under /open311/v2/ gets the spec's 404, not the officers' error page."""
    return errors(path.rsplit(".", 1)[-1], 404, [T["path_unknown"]])
