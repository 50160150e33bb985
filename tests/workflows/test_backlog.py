"""积案 / 包案 through the workflow on the time-skipping server: the owners named, a weekly report
missed (counted, overdue, before the supervision office) and the next week's clock opened, reports
that restart the clock, and the resolution."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from activities.reconcile import BACKLOGS, Reconciler
from store.backlogs import Backlog, BacklogEvent
from tests.utils.cases import (
    LEADER,
    OTHER_LEADER,
    SUPERVISION,
    _started,
    assert_due,
    expected_calendar_days,
    keep_history,
    sleep_until,
)
from tests.utils.petitions import BUREAU_HEAD, CLERK, UNIT, finished, petition, start_petition, state
from workflows.backlog.ids import backlog_workflow_id
from workflows.backlog.policy import BACKLOG
from workflows.backlog.sweep import BacklogRulesWorkflow
from workflows.backlog.types import (
    BacklogAssignment,
    BacklogOutcome,
    BacklogPress,
    BacklogReason,
    BacklogRegistration,
    BacklogResolution,
    BacklogRuleReport,
    BacklogRuleRequest,
    BacklogStage,
    Duty,
    ProgressReport,
)
from workflows.backlog.workflow import BacklogWorkflow
from workflows.petition.types import PetitionChannel
from workflows.types import Actor, DeadlineState, Role
from workflows.types import DeadlineKind as K


async def _start(client: Client, task_queue: str) -> Any:
    reg = BacklogRegistration(
        code=f"XF-2026-{uuid.uuid4().int % 10**6:06d}", title="拆迁补偿久拖未决", reason=BacklogReason.REPEAT,
        bureau_org_id="xf-bureau", designated_by=BUREAU_HEAD, policy=BACKLOG, note="三年内反映9次", org_id="dp-zhujian",
    )  # fmt: skip
    handle = await client.start_workflow(
        BacklogWorkflow.run, reg, id=backlog_workflow_id(reg.code), task_queue=task_queue
    )
    _started.append(handle)
    for _ in range(250):  # the run's first commit: designated, its first clock open
        if (await handle.query(BacklogWorkflow.snapshot)).version > 0:
            return handle
        await asyncio.sleep(0.02)
    raise AssertionError("the backlog case did not start within 5 s")


async def test_owned_reported_missed_pressed_and_resolved(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    h = await _start(client, task_queue)
    s = await h.query(BacklogWorkflow.snapshot)
    assert s.stage == BacklogStage.AWAITING and s.deadlines[0].kind == K.BACKLOG_ASSIGN
    with pytest.raises(WorkflowUpdateFailedError):  # only the bureau's head names the owners
        await h.execute_update(
            BacklogWorkflow.jz_assign, BacklogAssignment(CLERK, leader_ids=["leader-wang"])
        )
    await h.execute_update(
        BacklogWorkflow.jz_assign,
        BacklogAssignment(
            BUREAU_HEAD, leader_ids=["leader-wang"], team_org_ids=["dp-zhujian"], note="一月内化解"
        ),
    )
    s = await h.query(BacklogWorkflow.snapshot)
    report_clock = [d for d in s.deadlines if d.kind == K.BACKLOG_REPORT][-1]
    assert s.stage == BacklogStage.IN_CHARGE and s.leader_ids == ["leader-wang"]
    assert_due(report_clock, expected_calendar_days(report_clock.started_at, 7))

    # A week passes without a report: counted, overdue, the supervision office may press, and the next
    # report is due a week on.
    await sleep_until(time_env, report_clock.due_at + timedelta(seconds=1))
    s = await h.query(BacklogWorkflow.snapshot)
    assert (s.missed_reports, s.overdue) == (1, True)
    assert s.timeline[-1].action == "report_missed"
    assert len([d for d in s.deadlines if d.kind == K.BACKLOG_REPORT and d.closed_at is None]) == 2
    await h.execute_update(BacklogWorkflow.jz_press, BacklogPress(SUPERVISION, note="请于三日内报告"))
    for wrong in (OTHER_LEADER, Actor("dept-chengguan", Role.DEPARTMENT, "dp-chengguan")):
        with pytest.raises(WorkflowUpdateFailedError):  # only the owners report
            await h.execute_update(BacklogWorkflow.jz_report, ProgressReport(wrong, progress="x"))
    await h.execute_update(
        BacklogWorkflow.jz_report,
        ProgressReport(LEADER, "已约见信访人", [Duty.FACTS, Duty.EDUCATION]),
    )
    await h.execute_update(BacklogWorkflow.jz_report, ProgressReport(UNIT, "补偿款已核算", [Duty.SOLVING]))
    s = await h.query(BacklogWorkflow.snapshot)
    assert (s.reports, s.overdue) == (2, False)
    assert s.duties_done == [Duty.EDUCATION, Duty.FACTS, Duty.SOLVING]
    late = next(d for d in s.deadlines if d.kind == K.BACKLOG_REPORT)
    assert late.state == DeadlineState.OVERDUE  # a missed report stays late on record

    await h.execute_update(
        BacklogWorkflow.jz_resolve,
        BacklogResolution(LEADER, BacklogOutcome.STOPPED, "签订息诉罢访协议"),
    )
    # The run's own result, not a query. A query of the closed run replays its whole history on the
    # time-skipping server, and in 2 of 5 full-suite runs (never alone) that replay failed on a patch
    # marker (TMPRL1100, convergent-projection); the cause was not found. This flow's recorded history
    # replays green in test_replay.py (backlog_missed_then_resolved.b1), which covers the replay.
    # Awaited without time skipping: the server shared by the whole suite would otherwise skip to the
    # next timer of any workflow still running (other tests' clocks, years ahead) while this run
    # finishes, and every later test would see the wrong year.
    with time_env.auto_time_skipping_disabled():
        s = await h.result()
    assert (s.stage, s.outcome) == (BacklogStage.CLOSED, BacklogOutcome.STOPPED)
    assert all(d.closed_at for d in s.deadlines)
    await keep_history(h, "backlog_missed_then_resolved")

    # The reconciler rewrites a lost backlog row from Temporal, as for cases and petitions.
    with Session(engine) as session:
        session.execute(delete(BacklogEvent).where(BacklogEvent.backlog_code == s.code))  # type: ignore[arg-type]
        session.execute(delete(Backlog).where(Backlog.code == s.code))  # type: ignore[arg-type]
        session.commit()
    assert await Reconciler(client, engine, BACKLOGS).reconcile_case(s.code) == "repaired"
    with Session(engine) as session:
        row = session.get(Backlog, s.code)
        assert row is not None and (row.outcome, row.reports, row.missed_reports) == ("stopped", 2, 1)


async def test_the_rules_designate_overdue_repeated_and_handed_down_petitions(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    """A pass of the nightly rules: each open petition a rule names becomes 积案 once, by rule."""
    key = "k-" + uuid.uuid4().hex[:12]
    repeated = [await start_petition(client, task_queue, petition(petitioner_key=key)) for _ in range(3)]
    now = await time_env.get_current_time()
    handed = await start_petition(
        client, task_queue, petition(channel=PetitionChannel.HANDED_DOWN, handed_down_by="市信访局", handed_down_due=now + timedelta(days=20))
    )  # fmt: skip
    quiet = await start_petition(client, task_queue)
    handle = await client.start_workflow(
        BacklogRulesWorkflow.run, BacklogRuleRequest(), id=f"rules-{uuid.uuid4()}", task_queue=task_queue
    )
    report = await finished(handle, BacklogRuleReport)
    codes = {(await state(h)).code for h in (*repeated, handed)}
    assert set(report.designated) == codes and (await state(quiet)).code not in report.designated
    for code in codes:  # each started backlog case goes on the list to be ended after the test
        _started.append(client.get_workflow_handle(backlog_workflow_id(code)))
    for _ in range(250):  # their first projections are written by their own workflows
        with Session(engine) as session:
            rows = {b.code: (b.reason, b.by_rule) for b in session.exec(select(Backlog))}
        if codes <= set(rows):
            break
        await asyncio.sleep(0.02)
    assert rows[(await state(handed)).code] == ("handed_down", True)
    assert {rows[(await state(h)).code] for h in repeated} == {("repeat", True)}
    again = await finished(
        await client.start_workflow(
            BacklogRulesWorkflow.run, BacklogRuleRequest(), id=f"rules-{uuid.uuid4()}", task_queue=task_queue
        ),
        BacklogRuleReport,
    )
    assert not set(again.designated) & codes  # once only
