"""The reconciler runs as a workflow on Temporal Schedules (nothing recurring runs outside Temporal):
the worker creates the schedules, and a pass repairs a phantom and reports it."""

from __future__ import annotations

import uuid

from sqlalchemy.engine import Engine
from temporalio.client import Client, ScheduleActionStartWorkflow

from activities.reconcile import SCHEDULES, ensure_schedules
from tests.activities.test_reconcile import _phantom
from tests.utils.cases import read_model, report, snapshot, start_case
from workflows.reconcile import ReconcileWorkflow
from workflows.types import ReconcileReport, ReconcileRequest, ReconcileScope


async def test_a_reconcile_pass_repairs_and_reports(dev_client: Client, engine: Engine, task_queue: str):
    h = await start_case(dev_client, task_queue)
    await report(h)
    await _phantom(engine, h)
    code = (await snapshot(h)).code
    result: ReconcileReport = await dev_client.execute_workflow(
        ReconcileWorkflow.run,
        ReconcileRequest(ReconcileScope.RECENT, window_minutes=5),
        id=f"reconcile-{uuid.uuid4()}",
        task_queue=task_queue,
    )
    assert code in result.repaired and not result.failed
    assert read_model(engine, code).case.stage == "sign"
    await h.terminate()


async def test_the_worker_creates_the_schedules(dev_client: Client, task_queue: str):
    await ensure_schedules(dev_client, task_queue)
    await ensure_schedules(dev_client, task_queue)  # a second start finds them
    try:
        for schedule_id in SCHEDULES:
            described = await dev_client.get_schedule_handle(schedule_id).describe()
            action = described.schedule.action
            assert isinstance(action, ScheduleActionStartWorkflow)
            assert (action.workflow, action.task_queue) == ("ReconcileWorkflow", task_queue)
        rules = (await dev_client.get_schedule_handle("liudan-backlog-rules").describe()).schedule.action
        assert isinstance(rules, ScheduleActionStartWorkflow) and rules.workflow == "BacklogRulesWorkflow"
    finally:
        for schedule_id in (*SCHEDULES, "liudan-backlog-rules"):
            await dev_client.get_schedule_handle(schedule_id).delete()
