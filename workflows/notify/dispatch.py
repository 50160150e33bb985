"""NotificationDispatchWorkflow: delivers the notices queued by the projections, one activity per notice.

Started every minute by the Temporal Schedule `liudan-notifications` (and by tests directly). Each
notice's delivery is its own activity with retries: a provider outage is retried with backoff, a
notice the provider refuses is recorded as failed, and the delivery log on the case says which. A
notice is sent at most once however often its activity runs (`activities.notifications`). Notices held
for quiet hours stay queued with the morning as `not_before`; the first run after it sends them.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.notify import api
    from workflows.notify.types import Delivery, DispatchReport, DispatchRequest


@workflow.defn
class NotificationDispatchWorkflow:
    @workflow.run
    async def run(self, request: DispatchRequest) -> DispatchReport:
        ids: list[int] = await workflow.execute_activity(
            api.due_notifications, request, start_to_close_timeout=timedelta(minutes=1)
        )
        report = DispatchReport()
        retry = RetryPolicy(
            initial_interval=timedelta(seconds=5),
            backoff_coefficient=2.0,
            maximum_interval=timedelta(minutes=2),
            maximum_attempts=request.max_attempts,
        )
        for start in range(0, len(ids), max(1, request.concurrency)):
            batch = ids[start : start + max(1, request.concurrency)]
            handles = [
                workflow.start_activity(
                    api.deliver_notification,
                    Delivery(i, request.max_attempts),
                    start_to_close_timeout=timedelta(seconds=request.timeout_seconds),
                    retry_policy=retry,
                )
                for i in batch
            ]
            for notice_id, handle in zip(batch, handles, strict=True):
                try:
                    status = await handle
                except Exception:  # retries exhausted: recorded as failed by its last attempt
                    report.failed.append(notice_id)
                    continue
                if status == "sent":
                    report.delivered += 1
                elif status == "held":
                    report.held += 1
                elif status == "failed":
                    report.failed.append(notice_id)
                else:
                    report.skipped += 1
        return report
