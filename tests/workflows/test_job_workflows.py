"""The job workflows: a business error fails the job at once (no retry) and a repeated unexpected one
after the retries, each time marking the job failed for its page with the reason's type.

On the real dev server: on the shared time-skipping server, a workflow waiting out activity retries
skipped its clock years ahead, and every later test saw the wrong year."""

from __future__ import annotations

import uuid

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.utils.cases import GRID
from workflows.jobs.failure import RETRIES
from workflows.jobs.ledger_import import LedgerImportWorkflow
from workflows.jobs.rebuild import RebuildWorkflow
from workflows.jobs.types import (
    JobError,
    JobFailure,
    LedgerImportOutcome,
    LedgerImportRequest,
    RebuildOutcome,
    RebuildRequest,
)


class FakeJobs:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.attempts = 0
        self.failures: list[JobFailure] = []

    @activity.defn(name="import_ledger")
    async def import_ledger(self, request: LedgerImportRequest) -> LedgerImportOutcome:
        self.attempts += 1
        raise self.error

    @activity.defn(name="rebuild_read_model")
    async def rebuild_read_model(self, request: RebuildRequest) -> RebuildOutcome:
        self.attempts += 1
        raise self.error

    @activity.defn(name="fail_job")
    async def fail_job(self, failure: JobFailure) -> None:
        self.failures.append(failure)


async def run_failing(env: WorkflowEnvironment, workflow: str, error: Exception) -> FakeJobs:
    fake, task_queue = FakeJobs(error), f"tq-{uuid.uuid4()}"
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[LedgerImportWorkflow, RebuildWorkflow],
        activities=[fake.import_ledger, fake.rebuild_read_model, fake.fail_job],
    ):
        if workflow == "import":
            run = env.client.execute_workflow(
                LedgerImportWorkflow.run,
                LedgerImportRequest("job-1", GRID),
                id=f"wf-{uuid.uuid4()}",
                task_queue=task_queue,
            )
        else:
            run = env.client.execute_workflow(
                RebuildWorkflow.run, RebuildRequest("job-1"), id=f"wf-{uuid.uuid4()}", task_queue=task_queue
            )
        with pytest.raises(WorkflowFailureError):
            await run
    return fake


@pytest.mark.parametrize("workflow", ["import", "rebuild"])
async def test_a_business_error_fails_the_job_at_once(dev_env: WorkflowEnvironment, workflow: str) -> None:
    gone = ApplicationError("the uploaded file is gone", type=JobError.UPLOAD_MISSING)
    fake = await run_failing(dev_env, workflow, gone)
    assert fake.attempts == 1  # not retried: by its type
    assert fake.failures == [JobFailure("job-1", JobError.UPLOAD_MISSING)]


async def test_an_unexpected_error_fails_the_job_after_the_retries(dev_env: WorkflowEnvironment) -> None:
    fake = await run_failing(dev_env, "import", RuntimeError("database went away"))
    assert fake.attempts == RETRIES.maximum_attempts
    assert fake.failures == [JobFailure("job-1", JobError.INTERRUPTED)]
