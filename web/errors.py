"""Error responses: a readable page for people, `{"detail": "..."}` for the JSON API.

A mistake a user can make gets a 4xx with a sentence saying what to do; only a bug is a 500. An
outage of Temporal or of the database is a 503 saying so, with `Retry-After`, never a 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from web.api import PREFIX
from web.deps import LoginRequired
from web.i18n import TEXT
from web.schemas.errors import describe
from web.services.case_page import CaseNotFound
from web.services.cases import CaseUnavailable

log = logging.getLogger("liudan.web")

TITLES = {
    400: "error_400",
    401: "error_401",
    403: "error_403",
    404: "error_404",
    405: "error_405",
    409: "error_409",
    413: "error_413",
    422: "error_422",
    429: "error_429",
    503: "error_503",
}


# Statuses that mean Temporal is down or overloaded, not that the request was wrong.
OUTAGE = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED)
RETRY_AFTER = {"Retry-After": "5"}
# Paths whose errors are JSON: the API and the Temporal codec endpoint (read by the UI and the CLI).
JSON_PREFIXES = (PREFIX + "/", "/codec/")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES)


def _page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    title = TEXT[TITLES.get(status, "error_500")]
    templates = request.app.state.templates
    return templates.render(
        request,
        "error.html",
        {"title": title, "message": message, "status": status},
        status_code=status,
        headers=headers,
    )


async def http_error(request: Request, exc: HTTPException) -> Response:
    message = (
        exc.detail
        if isinstance(exc.detail, str) and exc.status_code < 500
        else TEXT[TITLES.get(exc.status_code, "error_500")]
    )
    if exc.status_code == 404 and exc.detail == "Not Found":
        message = TEXT["page_not_found"]
    elif exc.status_code == 405:
        message = TEXT["error_405"]
    return _page(request, exc.status_code, message, getattr(exc, "headers", None))


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    message = describe(exc.errors())
    if _is_api(request):
        errors = [
            {"loc": list(e.get("loc", ())), "type": e.get("type", ""), "msg": e.get("msg", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": message, "errors": errors}, status_code=422)
    return _page(request, 422, message)


async def login_required(request: Request, exc: LoginRequired) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": TEXT["api_unauthorized"]}, status_code=401)
    target = "/login?next=" + request.url.path
    if request.headers.get("HX-Request") == "true":  # htmx follows this with a full page load
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def case_not_found(request: Request, exc: CaseNotFound) -> Response:
    return _page(request, 404, TEXT["case_not_found"])


async def case_unavailable(request: Request, exc: CaseUnavailable) -> Response:
    log.warning("Temporal unavailable for case %s", exc)
    return _page(request, 503, TEXT["error_503_detail"], RETRY_AFTER)


async def temporal_unavailable(request: Request, exc: Exception) -> Response:
    """A Temporal call no service function turned into CaseUnavailable: still a 503 if it is an outage."""
    if isinstance(exc, RPCError) and exc.status not in OUTAGE:
        return await server_error(request, exc)
    log.warning("Temporal unavailable on %s %s: %s", request.method, request.url.path, exc)
    return _page(request, 503, TEXT["error_503_detail"], RETRY_AFTER)


async def database_unavailable(request: Request, exc: OperationalError) -> Response:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
    return _page(request, 503, TEXT["error_503_database"], RETRY_AFTER)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _page(request, 500, TEXT["error_500_detail"])


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(LoginRequired, login_required)  # type: ignore[arg-type]
    app.add_exception_handler(CaseNotFound, case_not_found)  # type: ignore[arg-type]
    app.add_exception_handler(CaseUnavailable, case_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(RPCError, temporal_unavailable)
    app.add_exception_handler(RPCTimeoutOrCancelledError, temporal_unavailable)
    app.add_exception_handler(OperationalError, database_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, server_error)
