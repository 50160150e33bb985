"""Background jobs as their pages show them, who may see one, and starting the rebuild of the read model.

A job's page polls its row in the read model every second (`store.jobs`), never Temporal. Only the one
who started a job, and admins, see it; to anyone else it does not exist (404).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from settings import Settings
from store.jobs import (
    Job,
    JobKind,
    JobStatus,
    create_job,
    fail_job,
    forget_job,
    get_job,
    new_job_id,
    running_job,
)
from web.i18n import TEXT
from web.services.cases import READ_TIMEOUT, CaseUnavailable
from workflows.jobs.ids import REBUILD_WORKFLOW_ID
from workflows.jobs.rebuild import RebuildWorkflow
from workflows.jobs.types import JobError, RebuildRequest
from workflows.types import Actor, Role

log = logging.getLogger("liudan.web.jobs")


class JobNotFound(Exception):
    """No such job, or not one this user may see (both a 404)."""


class RebuildRunning(Exception):
    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id  # the rebuild that runs, to link to (empty when only Temporal knows it)
        self.message = TEXT["rebuild_running"]


@dataclass(frozen=True)
class JobView:
    id: str
    kind: str
    status: str
    title: str
    done: int
    total: int
    started_at: datetime
    finished_at: datetime | None
    error: str = ""  # worded
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status != JobStatus.RUNNING.value

    @property
    def failed(self) -> bool:
        return self.status == JobStatus.FAILED.value

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED.value:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0


def job_view(job: Job) -> JobView:
    error = ""
    if job.status == JobStatus.FAILED.value:
        known = {e.value for e in JobError}
        error = TEXT[f"job_error_{job.error}"] if job.error in known else TEXT["job_error_Interrupted"]
    return JobView(
        id=job.id,
        kind=job.kind,
        status=job.status,
        title=job.title,
        done=job.done,
        total=job.total,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=error,
        summary=json.loads(job.result) if job.result else {},
    )


def visible_job(engine: Engine, job_id: str, viewer: Actor, kind: JobKind) -> Job:
    """The job, if it is of this kind and the viewer started it or is an admin; else `JobNotFound`."""
    job = get_job(engine, job_id)
    if job is None or job.kind != kind.value:
        raise JobNotFound(job_id)
    if job.started_by != viewer.user_id and viewer.role != Role.ADMIN:
        raise JobNotFound(job_id)
    return job


def recent_jobs(engine: Engine, kind: JobKind, started_by: str = "", limit: int = 10) -> list[JobView]:
    """The newest jobs of this kind (`started_by`: only this user's)."""
    with Session(engine) as session:
        query = select(Job).where(Job.kind == kind.value)
        if started_by:
            query = query.where(Job.started_by == started_by)
        query = query.order_by(col(Job.started_at).desc()).limit(limit)
        return [job_view(j) for j in session.exec(query).all()]


async def start_rebuild(engine: Engine, client: Client, settings: Settings, actor: Actor) -> str:
    """Starts the rebuild of the read model as a job; `RebuildRunning` while one runs (the read model
    says so, or Temporal refuses a second run of its fixed workflow id)."""
    running = await asyncio.to_thread(running_job, engine, JobKind.REBUILD)
    if running is not None:
        if await _rebuild_runs(client):
            raise RebuildRunning(running.id)
        # Its workflow ended without saying so (terminated by hand): the row is stale, not a rebuild.
        log.warning("rebuild job %s shows running but its workflow is not; marked failed", running.id)
        await asyncio.to_thread(fail_job, engine, running.id, JobError.INTERRUPTED.value)
    job_id = new_job_id()
    await asyncio.to_thread(
        create_job, engine, JobKind.REBUILD, actor.user_id, REBUILD_WORKFLOW_ID, job_id=job_id, title=""
    )
    try:
        await client.start_workflow(
            RebuildWorkflow.run,
            RebuildRequest(job_id),
            id=REBUILD_WORKFLOW_ID,
            task_queue=settings.task_queue,
            static_summary=f"重建读模型 {job_id}",
            rpc_timeout=READ_TIMEOUT,
        )
    except WorkflowAlreadyStartedError:
        await asyncio.to_thread(forget_job, engine, job_id)
        running = await asyncio.to_thread(running_job, engine, JobKind.REBUILD)
        raise RebuildRunning(running.id if running else "") from None
    except RPCError as error:
        log.error("could not start the rebuild: %s", error)
        await asyncio.to_thread(forget_job, engine, job_id)
        raise CaseUnavailable(REBUILD_WORKFLOW_ID) from error
    log.info("read model rebuild %s started by %s", job_id, actor.user_id)
    return job_id


async def _rebuild_runs(client: Client) -> bool:
    try:
        described = await client.get_workflow_handle(REBUILD_WORKFLOW_ID).describe(rpc_timeout=READ_TIMEOUT)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise CaseUnavailable(REBUILD_WORKFLOW_ID) from error
    return described.status == WorkflowExecutionStatus.RUNNING
