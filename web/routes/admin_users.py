"""Admin: users (create, deactivate, reset password, unlock, leader ↔ street links, API tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from store.models import OrgKind
from store.queries import orgs_of_kind
from web.deps import CsrfProtected, CurrentUser, EngineDep, FormFields, require_roles
from web.i18n import TEXT
from web.schemas.errors import describe
from web.services import directory_admin as admin
from web.templating import TemplatesDep
from workflows.types import Role

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[CsrfProtected, require_roles(Role.ADMIN)])


@router.get("")
def admin_home() -> Response:
    return RedirectResponse("/admin/users", status_code=303)


def _list_context(engine: EngineDep, text: str, role: str) -> dict:
    return {
        "active": "users",
        "users": admin.list_users(engine, text, role),
        "roles": list(admin.OFFICER_ROLES),
        "orgs": [o for o in admin.list_orgs(engine) if o.active],
        "text": text,
        "role": role,
        "values": {},
        "error": "",
    }


@router.get("/users")
def users(
    request: Request, engine: EngineDep, templates: TemplatesDep, text: str = "", role: str = ""
) -> Response:
    return templates.render(request, "admin/users.html", _list_context(engine, text[:64], role[:20]))


@router.post("/users")
def create_user(request: Request, engine: EngineDep, templates: TemplatesDep, values: FormFields) -> Response:
    # A plain def: the new password's argon2 hash and the database run in the threadpool.
    context = {**_list_context(engine, "", ""), "values": values}
    try:
        user = admin.create_user(engine, admin.NewUser.model_validate(values))
    except ValidationError as invalid:
        context["error"] = describe(invalid.errors())
        return templates.render(request, "admin/users.html", context, status_code=422)
    except admin.AdminRefused as refused:
        context["error"] = refused.message
        return templates.render(request, "admin/users.html", context, status_code=422)
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


def _user_page(
    request: Request,
    engine: EngineDep,
    templates: TemplatesDep,
    user_id: str,
    *,
    secret: str = "",
    secret_label: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    try:
        row = admin.get_user(engine, user_id)
    except LookupError:
        raise HTTPException(404, TEXT["user_not_found"]) from None
    context = {
        "active": "users",
        "row": row,
        "streets": orgs_of_kind(engine, OrgKind.STREET),
        "linked": admin.leader_street_ids(engine, user_id),
        "secret": secret,
        "secret_label": secret_label,
        "error": error,
    }
    headers = {"Cache-Control": "no-store"} if secret else None
    return templates.render(request, "admin/user.html", context, status_code=status, headers=headers)


@router.get("/users/{user_id}")
def user_page(request: Request, user_id: str, engine: EngineDep, templates: TemplatesDep) -> Response:
    return _user_page(request, engine, templates, user_id)


def _guard(request: Request, engine: EngineDep, templates: TemplatesDep, user_id: str, work) -> Response:  # type: ignore[no-untyped-def]
    try:
        work()
    except LookupError:
        raise HTTPException(404, TEXT["user_not_found"]) from None
    except admin.AdminRefused as refused:
        return _user_page(request, engine, templates, user_id, error=refused.message, status=422)
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/users/{user_id}/active")
def set_active(
    request: Request,
    user_id: str,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    active: Annotated[bool, Form()],
) -> Response:
    return _guard(
        request, engine, templates, user_id, lambda: admin.set_user_active(engine, me.actor, user_id, active)
    )


@router.post("/users/{user_id}/unlock")
def unlock(request: Request, user_id: str, engine: EngineDep, templates: TemplatesDep) -> Response:
    return _guard(request, engine, templates, user_id, lambda: admin.unlock(engine, user_id))


@router.post("/users/{user_id}/streets")
def set_streets(
    request: Request,
    user_id: str,
    engine: EngineDep,
    templates: TemplatesDep,
    street_ids: Annotated[list[str] | None, Form()] = None,  # none ticked: the leader keeps no street
) -> Response:
    chosen = street_ids or []
    return _guard(
        request, engine, templates, user_id, lambda: admin.set_leader_streets(engine, user_id, chosen)
    )


@router.post("/users/{user_id}/password")
def reset_password(request: Request, user_id: str, engine: EngineDep, templates: TemplatesDep) -> Response:
    try:
        password = admin.reset_password(engine, user_id)
    except LookupError:
        raise HTTPException(404, TEXT["user_not_found"]) from None
    return _user_page(
        request, engine, templates, user_id, secret=password, secret_label=TEXT["admin_new_password"]
    )


@router.post("/users/{user_id}/token")
def issue_token(request: Request, user_id: str, engine: EngineDep, templates: TemplatesDep) -> Response:
    try:
        token = admin.issue_token(engine, user_id)
    except LookupError:
        raise HTTPException(404, TEXT["user_not_found"]) from None
    except admin.AdminRefused as refused:
        return _user_page(request, engine, templates, user_id, error=refused.message, status=422)
    return _user_page(request, engine, templates, user_id, secret=token, secret_label=TEXT["admin_new_token"])


@router.post("/users/{user_id}/token/revoke")
def revoke_token(request: Request, user_id: str, engine: EngineDep, templates: TemplatesDep) -> Response:
    return _guard(request, engine, templates, user_id, lambda: admin.revoke_token(engine, user_id))
