"""RebuildWorkflow: the read model rebuilt from Temporal (every process, open and closed, as
`server.py rebuild-read-model` does), started by an admin from `/admin/rebuild`; its page
(`/admin/rebuild/jobs/<job id>`) polls the progress the activity writes on the job's row.

One at a time: it runs under the fixed id `REBUILD_WORKFLOW_ID`, so Temporal refuses a second start
while one runs. No handlers. The rebuild is idempotent and the activity heartbeats the processes it has
finished, so an attempt retried after a worker died skips them.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # The payloads' field types (Actor's Role) resolve against `workflows.types` in the sandbox.
    import workflows.types  # noqa: F401
    from activities import api
    from workflows.jobs.failure import run_job
    from workflows.jobs.types import RebuildOutcome, RebuildRequest


@workflow.defn
class RebuildWorkflow:
    @workflow.run
    async def run(self, request: RebuildRequest) -> RebuildOutcome:
        outcome: RebuildOutcome = await run_job(api.rebuild_read_model, request, request.job_id)
        return outcome
