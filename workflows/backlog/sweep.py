"""BacklogRulesWorkflow: one pass of the 积案 rules, started nightly by the Temporal Schedule
`liudan-backlog-rules` (nothing recurring runs outside Temporal). The activity finds the open petitions
a rule designates (still unresolved past their handling limit, a petitioner's repeated petitions, a
matter handed down from above) and starts each one's backlog workflow; a petition already designated
is left as it is (one backlog workflow per petition)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities import api
    from workflows.backlog.types import BacklogRuleReport, BacklogRuleRequest


@workflow.defn
class BacklogRulesWorkflow:
    @workflow.run
    async def run(self, request: BacklogRuleRequest) -> BacklogRuleReport:
        report: BacklogRuleReport = await workflow.execute_activity(
            api.designate_by_rule,
            request,
            start_to_close_timeout=timedelta(minutes=30),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
        return report
