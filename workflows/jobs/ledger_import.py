"""LedgerImportWorkflow: one ledger import (民情走访台账导入) in the background. The web starts it once the
uploaded file is stored (`web.services.ledger_import.start_import`); the officer's page
(`/ledger/import/jobs/<job id>`) polls the progress the activity writes on the job's row.

No handlers: the import runs to its end. The activity heartbeats how far it got, so an attempt retried
after a worker died skips ahead, and each row's claim and outcome are in the read model, so no row is
ever registered twice. When the retries run out, or the file is gone, the job is marked failed for its
page and the workflow fails, as the Temporal UI shows.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # The payloads' field types (Actor's Role) resolve against `workflows.types` in the sandbox.
    import workflows.types  # noqa: F401
    from activities import api
    from workflows.jobs.failure import run_job
    from workflows.jobs.types import LedgerImportOutcome, LedgerImportRequest


@workflow.defn
class LedgerImportWorkflow:
    @workflow.run
    async def run(self, request: LedgerImportRequest) -> LedgerImportOutcome:
        outcome: LedgerImportOutcome = await run_job(api.import_ledger, request, request.job_id)
        return outcome
