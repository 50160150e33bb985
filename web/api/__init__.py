"""The JSON API under /api/v1: bearer tokens per user, the same services and rules as the pages.

Its OpenAPI document (/api/v1/openapi.json) covers only these routes; the docs page
(/api/v1/docs) serves a vendored Swagger UI, no CDN.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from web.api import cases, inbox, metrics, petitions
from web.api.schemas import MeOut
from web.deps import ApiUser
from web.i18n import TEXT

PREFIX = "/api/v1"
api_router = APIRouter(prefix=PREFIX)
api_router.include_router(cases.router)
api_router.include_router(inbox.router)
api_router.include_router(metrics.router)
api_router.include_router(petitions.router)


@api_router.get("/me", response_model=MeOut, tags=["me"])
def me(user: ApiUser) -> MeOut:
    """令牌所属用户及其角色、单位（区领导含联点街道）。"""
    a = user.actor
    return MeOut(
        user_id=a.user_id,
        username=user.user.username,
        display_name=a.display_name,
        role=a.role,
        org_id=a.org_id,
        street_ids=list(a.street_ids),
    )


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The API's own OpenAPI document: only /api/v1, described in Chinese, built once."""
    if app.state.api_openapi is None:
        described = FastAPI(
            title=TEXT["api_title"], version="1", description=TEXT["api_description"], openapi_url=None
        )
        described.include_router(api_router)
        app.state.api_openapi = described.openapi()
    return app.state.api_openapi


docs_router = APIRouter(prefix=PREFIX, include_in_schema=False)


@docs_router.get("/openapi.json")
def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document(request.app))


@docs_router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=f"{PREFIX}/openapi.json",
        title=TEXT["api_title"],
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
    )
