"""Admin: orgs (streets, communities, departments...): create, deactivate, reactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from store.models import OrgKind
from web.deps import CsrfProtected, EngineDep, FormFields, require_roles
from web.i18n import TEXT
from web.schemas.errors import describe
from web.services import directory_admin as admin
from web.templating import TemplatesDep
from workflows.types import Role

router = APIRouter(
    prefix="/admin/orgs", tags=["admin"], dependencies=[CsrfProtected, require_roles(Role.ADMIN)]
)


def _context(engine: EngineDep, values: dict | None = None, error: str = "") -> dict:
    orgs = admin.list_orgs(engine)
    names = {o.id: o.name for o in orgs}
    return {
        "active": "orgs",
        "orgs": orgs,
        "names": names,
        "kinds": [k for k in OrgKind.ALL if k != OrgKind.DISTRICT],
        "streets": [o for o in orgs if o.kind == OrgKind.STREET and o.active],
        "values": values or {},
        "error": error,
    }


@router.get("")
def orgs(request: Request, engine: EngineDep, templates: TemplatesDep) -> Response:
    return templates.render(request, "admin/orgs.html", _context(engine))


@router.post("")
def create_org(request: Request, engine: EngineDep, templates: TemplatesDep, values: FormFields) -> Response:
    try:
        admin.create_org(engine, admin.NewOrg.model_validate(values))
    except ValidationError as invalid:
        context = _context(engine, values, describe(invalid.errors()))
        return templates.render(request, "admin/orgs.html", context, status_code=422)
    except admin.AdminRefused as refused:
        return templates.render(
            request, "admin/orgs.html", _context(engine, values, refused.message), status_code=422
        )
    return RedirectResponse("/admin/orgs", status_code=303)


@router.post("/{org_id}/active")
def set_active(
    request: Request, org_id: str, engine: EngineDep, templates: TemplatesDep, active: Annotated[bool, Form()]
) -> Response:
    try:
        admin.set_org_active(engine, org_id, active)
    except LookupError:
        raise HTTPException(404, TEXT["org_not_found"]) from None
    except admin.AdminRefused as refused:
        return templates.render(
            request, "admin/orgs.html", _context(engine, None, refused.message), status_code=422
        )
    return RedirectResponse("/admin/orgs", status_code=303)
