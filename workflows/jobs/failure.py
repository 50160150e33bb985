"""What the job workflows share: how their activity retries, and marking a job failed for its page."""

from __future__ import annotations

from datetime import timedelta

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
