"""ReconcileWorkflow: one pass of the reconciler (activities.reconcile), started by the Temporal
Schedules `liudan-reconcile-recent` (every 10 minutes) and `liudan-reconcile-all` (nightly).

A workflow rather than a cron job, so that nothing recurring runs outside Temporal: each pass is in the
Temporal UI with its report (checked, repaired, missing, failed case codes).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities import api
    from workflows.types import ReconcileReport, ReconcileRequest


@workflow.defn
class ReconcileWorkflow:
    @workflow.run
    async def run(self, request: ReconcileRequest) -> ReconcileReport:
        report: ReconcileReport = await workflow.execute_activity(
            api.reconcile_cases,
            request,
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
        return report
