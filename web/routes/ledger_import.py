"""Ledger import (民情走访台账导入): the template, the upload, and the report of what was registered.

For those who register requests: grid workers, community and street officers, admins.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from store.ledger_files import LedgerFileError
from store.ledger_template import IMPORT_COLUMNS
from web.deps import ClientDep, CsrfProtected, CurrentUser, EngineDep, SettingsDep, require_roles
from web.services.cases import OFFICER_REGISTRARS
from web.services.ledger_export import MEDIA_TYPES
from web.services.ledger_import import MAX_FILE_BYTES, TEMPLATE_FILENAME, import_ledger, template
from web.templating import TemplatesDep

router = APIRouter(
    prefix="/ledger/import",
    tags=["ledger"],
    dependencies=[CsrfProtected, require_roles(*OFFICER_REGISTRARS)],
)


def _context(**extra: object) -> dict:
    return {
        "active": "ledger",
        "columns": IMPORT_COLUMNS,
        "max_mb": MAX_FILE_BYTES // (1024 * 1024),
        "error": "",
        "result": None,
        "tracking": {},
        **extra,
    }


@router.get("")
def import_page(request: Request, templates: TemplatesDep) -> Response:
    return templates.render(request, "dashboard/ledger_import.html", _context())


@router.get("/template.xlsx")
async def import_template(me: CurrentUser, engine: EngineDep) -> Response:
    content = await asyncio.to_thread(template, engine, me.actor)
    disposition = (
        f"attachment; filename=\"ledger-template.xlsx\"; filename*=UTF-8''{quote(TEMPLATE_FILENAME)}"
    )
    return Response(content, media_type=MEDIA_TYPES["xlsx"], headers={"Content-Disposition": disposition})


@router.post("")
async def upload(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    data = await file.read(MAX_FILE_BYTES + 1)
    try:
        result = await import_ledger(engine, client, settings, me.actor, file.filename or "", data)
    except LedgerFileError as error:
        context = _context(error=str(error))
        return templates.render(request, "dashboard/ledger_import.html", context, status_code=422)
    tracking = {a.code: str(request.url_for("track", token=a.tracking_token)) for a in result.accepted}
    context = _context(result=result, tracking=tracking, filename=file.filename or "")
    return templates.render(request, "dashboard/ledger_import.html", context)
