"""Admin: rebuild the read model from Temporal in the background (`RebuildWorkflow`), as
`python server.py rebuild-read-model` does, and watch it on the job's page. One at a time."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from store.jobs import JobKind
from web.deps import ClientDep, CsrfProtected, CurrentUser, EngineDep, Fragment, SettingsDep, require_roles
from web.i18n import TEXT
from web.services.jobs import (
    JobNotFound,
    JobView,
    RebuildRunning,
    job_view,
    recent_jobs,
    start_rebuild,
    visible_job,
)
from web.templating import TemplatesDep
from workflows.types import Role

router = APIRouter(
    prefix="/admin/rebuild", tags=["admin"], dependencies=[CsrfProtected, require_roles(Role.ADMIN)]
)
PAGE = "admin/rebuild.html"


def _context(jobs: list[JobView], error: str = "", running_id: str = "") -> dict:
    return {"active": "rebuild", "jobs": jobs, "error": error, "running_id": running_id}


@router.get("")
def rebuild_page(request: Request, engine: EngineDep, templates: TemplatesDep) -> Response:
    return templates.render(request, PAGE, _context(recent_jobs(engine, JobKind.REBUILD)))


@router.post("")
async def rebuild(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    try:
        job_id = await start_rebuild(engine, client, settings, me.actor)
    except RebuildRunning as running:
        jobs = await asyncio.to_thread(recent_jobs, engine, JobKind.REBUILD)
        return templates.render(
            request, PAGE, _context(jobs, running.message, running.job_id), status_code=409
        )
    return RedirectResponse(f"/admin/rebuild/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}")
def rebuild_job(
    job_id: str,
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    fragment: Fragment,
) -> Response:
    """The rebuild's progress, refreshing itself every second (the `job_progress` block) until it ends."""
    try:
        job = visible_job(engine, job_id, me.actor, JobKind.REBUILD)
    except JobNotFound:
        raise HTTPException(404, TEXT["job_not_found"]) from None
    context = {"active": "rebuild", "job": job_view(job)}
    return templates.render(request, "admin/rebuild_job.html", context, fragment=fragment)
