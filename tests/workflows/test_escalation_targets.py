"""督单 where the source sends it: a community's missed same-day report goes to its street, a street's
missed sign or dispatch to the street's own head; a supervision deadline the street (or its head) set
that passes goes to the linked leader, and the leader's to the discipline commission. Handling past its
limit goes to the leader (test_supervision_paths). On the time-skipping server, read back from the
read model as the inboxes show it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.utils.cases import (
    LEADER,
    STREET,
    decided,
    inbox,
    keep_history,
    read_model,
    report,
    running,
    sleep_until,
    snapshot,
    start_case,
)
from workflows.case import CaseWorkflow
from workflows.types import Actor, EscalationTarget, Role, Stage, SupervisionDecision

STREET_HEAD = Actor("head-dongcheng", Role.UNIT_HEAD, "st-dongcheng", "东城街道主要负责人")
OTHER_HEAD = Actor("head-xihu", Role.UNIT_HEAD, "st-xihu", "西湖街道主要负责人")
DEPARTMENT_HEAD = Actor("head-zhujian", Role.UNIT_HEAD, "dp-zhujian", "区住建局负责人")


async def refused(handle, update, decision) -> str:  # type: ignore[no-untyped-def]
    """The refusal an officer reads (on the time-skipping server, which records even refused Updates;
    that a refusal writes nothing is test_refusals' proof, on a real server)."""
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, decision)
    return str(failed.value.cause)


async def _past_due(handle, time_env: WorkflowEnvironment):  # type: ignore[no-untyped-def]
    [clock] = running(await snapshot(handle))
    await sleep_until(time_env, clock.due_at + timedelta(minutes=1))
    return await snapshot(handle)


async def test_a_missed_report_goes_to_the_street_then_the_leader_then_the_commission(
    client: Client, task_queue: str, engine: Engine, time_env: WorkflowEnvironment
):
    handle = await start_case(client, task_queue)
    s = await _past_due(handle, time_env)
    assert (s.stage, s.overdue, s.escalation, s.supervision_level) == (
        Stage.REPORT,
        True,
        EscalationTarget.STREET,
        0,
    )
    assert s.timeline[-1].note == "已超期，转街道督办"
    assert s.code in inbox(engine, "st-dongcheng", Role.STREET)
    assert s.code not in inbox(engine, "st-dongcheng", Role.LEADER)  # not the leader's yet
    assert ("st-dongcheng", "street", "supervise") in read_model(engine, s.code).tasks()

    # The street presses its community with a new deadline (督促当日报单).
    now = await time_env.get_current_time()
    s = await decided(
        handle,
        CaseWorkflow.supervise,
        SupervisionDecision(STREET, "请社区今日内报单", now + timedelta(hours=4)),
    )
    assert (s.overdue, s.supervised, s.supervisor_role) == (False, True, "street")
    assert s.code not in inbox(engine, "st-dongcheng", Role.STREET)

    # The street's own deadline passes too: now the linked leader's.
    s = await _past_due(handle, time_env)
    assert (s.escalation, s.supervision_level, s.timeline[-1].note) == (
        EscalationTarget.LEADER,
        1,
        "已超期，转联点区领导督办",
    )
    assert s.code in inbox(engine, "st-dongcheng", Role.LEADER)
    now = await time_env.get_current_time()
    await decided(
        handle, CaseWorkflow.supervise, SupervisionDecision(LEADER, "现场督办", now + timedelta(hours=4))
    )
    s = await _past_due(handle, time_env)
    assert (s.escalation, s.supervision_level) == (EscalationTarget.DISCIPLINE, 2)
    assert s.code in inbox(engine, "st-dongcheng", Role.DISCIPLINE)
    await keep_history(handle, "escalation_by_stage")


async def test_a_missed_sign_goes_to_the_street_head(
    client: Client, task_queue: str, engine: Engine, time_env: WorkflowEnvironment
):
    handle = await start_case(client, task_queue)
    await report(handle)
    s = await _past_due(handle, time_env)
    assert (s.stage, s.escalation, s.supervision_level) == (Stage.SIGN, EscalationTarget.STREET_HEAD, 0)
    assert s.timeline[-1].note == "已超期，转街道主要负责人督办"
    assert s.code in inbox(engine, "st-dongcheng", Role.UNIT_HEAD)
    assert s.code not in inbox(engine, "st-dongcheng", Role.LEADER)
    now = await time_env.get_current_time()
    decision = SupervisionDecision(OTHER_HEAD, "请尽快签收", now + timedelta(hours=2))
    assert "不属于您所在的单位" in await refused(handle, CaseWorkflow.supervise, decision)
    decision = SupervisionDecision(DEPARTMENT_HEAD, "请尽快签收", now + timedelta(hours=2))
    assert "不属于您所在的单位" in await refused(handle, CaseWorkflow.supervise, decision)
    decision = SupervisionDecision(STREET, "自己督办自己", now + timedelta(hours=2))
    assert "只有联点区领导或督查室可以办理此操作" in await refused(handle, CaseWorkflow.supervise, decision)
    s = await decided(
        handle, CaseWorkflow.supervise, SupervisionDecision(STREET_HEAD, "今日签收", now + timedelta(hours=2))
    )
    assert (s.overdue, s.supervisor_role) == (False, "unit_head")
    assert s.code not in inbox(engine, "st-dongcheng", Role.UNIT_HEAD)
    s = await _past_due(handle, time_env)
    assert (s.escalation, s.supervision_level) == (EscalationTarget.LEADER, 1)
    assert s.code in inbox(engine, "st-dongcheng", Role.LEADER)
