"""The petition desk's own pages beside the registration form (信访人, issue 12): the check for the
petitioner's earlier petitions and similar open ones (htmx, as the officer types), and the
petitioner's file. Included in `web.routes.petitions`' router, so under /petitions with its CSRF check.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from store.petition_access import DESK_ROLES
from web.deps import ClientAddr, CurrentUser, EngineDep, Fragment, SettingsDep, require_roles
from web.i18n.petitioner_text import XF_PERSON_TEXT
from web.security import CSRF_FIELD
from web.services.petition_forms import handling_orgs
from web.services.petitioners import PetitionerNotFound, SimilarCheck, check_similar, open_petitioner_file
from web.templating import TemplatesDep
from workflows.petition.types import MatterType, PetitionChannel
from workflows.types import Role

router = APIRouter()
DESK = tuple(Role(r) for r in DESK_ROLES)


def register_context(
    engine: EngineDep, values: dict[str, Any], error: str = "", check: SimilarCheck | None = None
) -> dict[str, Any]:
    return {
        "active": "petition_register",
        "channels": list(PetitionChannel),
        "matter_types": list(MatterType),
        "accusable": [(o, n) for o, n in handling_orgs(engine) if o],
        "values": values,
        "representatives": (values.get("representatives") or []) + [""] * 5,
        "error": error,
        "check": check or SimilarCheck(),
    }


async def form_values(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    values["about_officials"] = values.get("about_officials") == "1"
    # 集体访: up to five representatives, one box each.
    values["representatives"] = [
        v.strip() for v in form.getlist("representatives") if isinstance(v, str) and v.strip()
    ]
    return values


@router.post("/similar", dependencies=[require_roles(*DESK)])
async def similar(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    fragment: Fragment,
) -> Response:
    """The check beside the registration form (htmx, on a change of the petitioner or the content): the
    petitioner's earlier petitions, to mark the one this repeats (重复信访), and similar open ones."""
    values = await form_values(request)
    check = await asyncio.to_thread(check_similar, engine, settings, me.actor, values)
    context = await asyncio.to_thread(register_context, engine, values, check=check)
    return templates.render(request, "petitions/new.html", context, fragment=fragment)


@router.get("/petitioners/{key}", dependencies=[require_roles(*DESK)])
async def petitioner(
    request: Request, key: str, me: CurrentUser, engine: EngineDep, templates: TemplatesDep, addr: ClientAddr
) -> Response:
    """信访人档案: everything this person brought to the desk, with its status (the view is logged)."""
    try:
        found = await asyncio.to_thread(open_petitioner_file, engine, me.actor, key[:64], addr)
    except PetitionerNotFound:
        raise HTTPException(404, XF_PERSON_TEXT["petitioner_not_found"]) from None
    context = {"active": "petitions", "file": found}
    return templates.render(
        request, "petitions/petitioner.html", context, headers={"Cache-Control": "no-store"}
    )
