"""What the job workflows share: how their activity retries, and marking a job failed for its page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import api
    from workflows.jobs.types import JobError, JobFailure

# A worker that dies mid-job is noticed within the heartbeat timeout; the retry resumes where the
# last heartbeat left off. A business error (the file gone or unreadable) is not retried.
HEARTBEAT_TIMEOUT = timedelta(seconds=30)
WORK_TIMEOUT = timedelta(hours=4)
RETRIES = RetryPolicy(maximum_attempts=5, non_retryable_error_types=JobError.business())


async def mark_failed(job_id: str, failed: ActivityError) -> None:
    """Writes the failure's type on the job, so its page stops waiting and says why."""
    cause = failed.cause
    known = {e.value for e in JobError}
    error = JobError(cause.type) if isinstance(cause, ApplicationError) and cause.type in known else None
    await workflow.execute_activity(
        api.fail_job,
        JobFailure(job_id, error or JobError.INTERRUPTED),
        start_to_close_timeout=timedelta(seconds=30),
    )


async def run_job(activity_fn: Any, request: Any, job_id: str) -> Any:
    """A job's one long activity, heartbeating, retried as `RETRIES` says; when it fails for good the
    job is marked failed for its page and the workflow fails too (the Temporal UI shows it)."""
    try:
        return await workflow.execute_activity(
            activity_fn,
            request,
            start_to_close_timeout=WORK_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRIES,
        )
    except ActivityError as failed:
        await mark_failed(job_id, failed)
        raise
