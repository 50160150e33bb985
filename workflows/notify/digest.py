"""LeaderDigestWorkflow: each district leader's morning digest (每日摘要) of the streets linked to them.

Started at 08:30 Beijing time every day by the Temporal Schedule `liudan-leader-digest`; on a day the
official calendar says is not a working day it queues nothing. The digest is queued as notices (in the
app, and by email where the leader has an address); the dispatcher delivers them.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.notify import api
    from workflows.notify.types import DigestReport, DigestRequest


@workflow.defn
class LeaderDigestWorkflow:
    @workflow.run
    async def run(self, request: DigestRequest) -> DigestReport:
        report: DigestReport = await workflow.execute_activity(
            api.queue_digests,
            request,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
        return report
