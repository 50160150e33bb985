"""Ledger import (民情走访台账导入): the template, the upload, and the import job's page: its progress while
the import runs in the background, then the report of what was registered.

For those who register requests: grid workers, community and street officers, admins; a job's page
only for the officer who started it, and admins.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from store.jobs import JobKind
from store.ledger_files import LedgerFileError
from store.ledger_template import IMPORT_COLUMNS
from web.deps import (
    ClientDep,
    CsrfProtected,
    CurrentUser,
    EngineDep,
    Fragment,
    SettingsDep,
    require_roles,
)
from web.i18n import TEXT
from web.services.cases import OFFICER_REGISTRARS
from web.services.jobs import JobNotFound, job_view, recent_jobs, visible_job
from web.services.ledger_export import MEDIA_TYPES
from web.services.ledger_import import (
    MAX_FILE_BYTES,
    TEMPLATE_FILENAME,
    import_report,
    start_import,
    template,
)
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
        "jobs": [],
        **extra,
    }


@router.get("")
def import_page(request: Request, me: CurrentUser, engine: EngineDep, templates: TemplatesDep) -> Response:
    jobs = recent_jobs(engine, JobKind.LEDGER_IMPORT, started_by=me.actor.user_id)
    return templates.render(request, "dashboard/ledger_import.html", _context(jobs=jobs))


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
        job_id = await start_import(engine, client, settings, me.actor, file.filename or "", data)
    except LedgerFileError as error:
        context = _context(error=str(error))
        return templates.render(request, "dashboard/ledger_import.html", context, status_code=422)
    return RedirectResponse(f"/ledger/import/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}")
def import_job(
    job_id: str,
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    fragment: Fragment,
) -> Response:
    """The job's progress, refreshing itself every second (the `job_progress` block) until it ends;
    then the report."""
    try:
        job = visible_job(engine, job_id, me.actor, JobKind.LEDGER_IMPORT)
    except JobNotFound:
        raise HTTPException(404, TEXT["job_not_found"]) from None
    view = job_view(job)
    report = import_report(engine, settings, job, me.actor) if view.finished else None
    tracking = {}
    if report is not None:
        tracking = {
            a.case_code: str(request.url_for("track", token=a.tracking_token))
            for a in report.accepted
            if a.tracking_token
        }
    context = {"active": "ledger", "job": view, "report": report, "tracking": tracking}
    return templates.render(request, "dashboard/ledger_import_job.html", context, fragment=fragment)
