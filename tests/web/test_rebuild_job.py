"""An admin rebuilds the read model from the admin page: the rebuild runs as a workflow in the
background, its page shows the progress and then the summary, and a second rebuild is refused while
one runs. On the `temporal` dev server: the rebuild lists workflows, which the time-skipping server
cannot."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from store.case_records import CaseAttention, CaseDeadline
from store.jobs import Job, JobKind, create_job, get_job
from store.models import Case, CaseDepartment, CaseEvent, Claim, InboxItem, Rating
from tests.utils.binaries import venv_binary
from tests.utils.jobs import POLLING, follow_job, started_job
from tests.utils.web import new_case, running_app, web_settings
from tests.web.conftest import terminate_cases
from worker import build_worker
from workflows import search_attributes
from workflows.jobs.ids import REBUILD_WORKFLOW_ID
from workflows.jobs.rebuild import RebuildWorkflow
from workflows.jobs.types import RebuildRequest

CASE_TABLES = (CaseAttention, CaseDeadline, Rating, InboxItem, CaseEvent, CaseDepartment, Claim, Case)


@pytest.fixture
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of the test's own: a rebuild reads every workflow in the namespace, and another
    test's cases would be asked for by a worker long gone."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_binary("temporal"), search_attributes=search_attributes.ALL
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def app(
    dev_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> AsyncIterator[FastAPI]:
    # Letters only: the rebuild finds a case by its code, which a prefix with digits would not be.
    prefix = "R" + "".join(chr(65 + b % 26) for b in uuid.uuid4().bytes[:6])
    settings = web_settings(task_queue, tmp_path).model_copy(update={"district_prefix": prefix})
    client = dev_env.client
    async with (
        build_worker(client, engine, task_queue, strict=True, settings=settings),
        running_app(settings, client, engine) as app,
    ):
        yield app
        await terminate_cases(client, engine)


def jobs(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(Job)).one())


def codes(engine: Engine) -> set[str]:
    with Session(engine) as s:
        return set(s.exec(select(Case.code)).all())


async def test_an_admin_rebuilds_the_read_model_from_the_page(app, browser, engine):
    registered = {(await new_case(app))[0], (await new_case(app, title="垃圾清运不及时"))[0]}
    with Session(engine) as s:  # the read model's cases lost
        for model in CASE_TABLES:
            s.execute(delete(model))
        s.commit()
    assert not codes(engine)
    admin = await browser("admin")
    page = await admin.get("/admin/rebuild")
    assert page.status_code == 200 and "开始重建" in page.text

    job = await started_job(await admin.post("/admin/rebuild"))
    assert job.startswith("/admin/rebuild/jobs/")
    assert POLLING in (await admin.get(job)).text or "已核对" in (await admin.get(job)).text
    done, seen = await follow_job(admin, job)

    assert "已核对" in done.text and "改写" in done.text, done.text
    assert seen and seen[-1][0] == seen[-1][1] >= 2  # the bar ends full
    assert registered <= codes(engine), done.text  # every case is back
    assert "已完成" in (await admin.get("/admin/rebuild")).text  # listed among the recent rebuilds
    grid = await browser("grid-qinghe")
    assert (await grid.get(job)).status_code == 403 and (await grid.post("/admin/rebuild")).status_code == 403


async def test_a_second_rebuild_is_refused_while_one_runs(app, browser, engine, dev_env):
    admin = await browser("admin")
    await admin.get("/admin/rebuild")
    # A rebuild runs (its workflow holds the fixed id; no worker polls its queue, so it stays running).
    stuck = await dev_env.client.start_workflow(
        RebuildWorkflow.run, RebuildRequest("elsewhere"), id=REBUILD_WORKFLOW_ID, task_queue="nobody-polls"
    )
    try:
        running = create_job(engine, JobKind.REBUILD, "admin", REBUILD_WORKFLOW_ID)
        refused = await admin.post("/admin/rebuild")
        assert refused.status_code == 409 and "已有一次重建正在进行" in refused.text
        assert f"/admin/rebuild/jobs/{running.id}" in refused.text and jobs(engine) == 1  # nothing started
        with Session(engine) as s:
            s.delete(s.get(Job, running.id))
            s.commit()

        # Only Temporal knows of it (started elsewhere): refused all the same, and no job is left.
        refused = await admin.post("/admin/rebuild")
        assert refused.status_code == 409 and "已有一次重建正在进行" in refused.text
        assert jobs(engine) == 0
    finally:
        with contextlib.suppress(RPCError):
            await stuck.terminate("test finished")

    # A job row left "running" by a rebuild whose workflow was terminated is no rebuild: a new one starts.
    stale = create_job(engine, JobKind.REBUILD, "admin", REBUILD_WORKFLOW_ID)
    job = await started_job(await admin.post("/admin/rebuild"))
    await follow_job(admin, job)
    assert get_job(engine, stale.id).status == "failed"  # type: ignore[union-attr]
