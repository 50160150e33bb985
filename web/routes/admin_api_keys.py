"""Admin: API keys for Open311 clients (/admin/api-keys): issue one by name (shown once), revoke
one, and see every key with its last use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.deps import CsrfProtected, CurrentUser, EngineDep, SettingsDep, require_roles
from web.i18n.open311_text import OPEN311_TEXT
from web.services.open311_keys import KeyRefused, issue_key, keys, revoke
from web.templating import TemplatesDep
from workflows.types import Role

router = APIRouter(
    prefix="/admin/api-keys", tags=["admin"], dependencies=[CsrfProtected, require_roles(Role.ADMIN)]
)
PAGE = "admin/api_keys.html"
# The page that shows a new key is never cached, nor sent on as a referrer.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _render(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    status: int = 200,
    **extra: object,
) -> Response:
    context = {
        "active": "api_keys",
        "ot": OPEN311_TEXT,
        "keys": keys(engine),
        "jurisdiction": settings.open311_jurisdiction_id,
        "issued": None,
        "notice": "",
        "error": "",
        "name": "",
        **extra,
    }
    return templates.render(request, PAGE, context, status_code=status, headers=NO_STORE)


@router.get("")
def keys_page(
    request: Request, engine: EngineDep, settings: SettingsDep, templates: TemplatesDep
) -> Response:
    return _render(request, engine, settings, templates)


@router.post("")
def issue(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    name: Annotated[str, Form()] = "",
) -> Response:
    try:
        issued = issue_key(engine, me.actor, name)
    except KeyRefused as refused:
        return _render(request, engine, settings, templates, 422, error=refused.message, name=name[:200])
    return _render(request, engine, settings, templates, issued=issued)


@router.post("/{key_id}/revoke")
def revoke_one(
    request: Request,
    key_id: int,
    me: CurrentUser,
    engine: EngineDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    try:
        row = revoke(engine, me.actor, key_id)
    except KeyRefused as refused:
        return _render(request, engine, settings, templates, 404, error=refused.message)
    notice = OPEN311_TEXT["key_revoked_notice"].format(name=row.name)
    return _render(request, engine, settings, templates, notice=notice)
