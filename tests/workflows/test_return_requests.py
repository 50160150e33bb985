"""退单 as the source has it: a department's return is a request the street agrees to (the case comes
back for a new dispatch, or a co-department drops out) or refuses with a reason (the department carries
on). The return that takes effect is recorded in the department's name, as its figures read it."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowUpdateFailedError

from tests.utils.cases import (
    CHENGGUAN,
    STREET,
    ZHUJIAN,
    decided,
    dispatch,
    keep_history,
    read_model,
    report,
    snapshot,
    start_case,
)
from workflows.case import CaseWorkflow
from workflows.types import AcceptDecision, ReturnDecision, ReturnReview, Stage


async def refused(handle, update, decision) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, decision)
    return str(failed.value.cause)


async def test_the_street_refuses_then_agrees_to_a_return(client: Client, task_queue: str, engine: Engine):
    h = await start_case(client, task_queue)
    await report(h)
    await dispatch(h, ("dp-zhujian",))
    s = await decided(h, CaseWorkflow.return_case, ReturnDecision(ZHUJIAN, "路灯归城管局管理"))
    assert (s.stage, s.returns, s.timeline[-1].action) == (Stage.ACCEPT, 0, "return_requested")
    assert read_model(engine, s.code).tasks() == {
        ("dp-zhujian", "department", "accept"),
        ("st-dongcheng", "street", "decide_return"),
    }
    again = ReturnDecision(ZHUJIAN, "再次申请")
    assert "已申请退单，等待街道审核" in await refused(h, CaseWorkflow.return_case, again)
    assert "不同意退单的理由" in await refused(h, CaseWorkflow.decide_return, ReturnReview(STREET, False))
    assert "只有所属街道工作人员" in await refused(h, CaseWorkflow.decide_return, ReturnReview(ZHUJIAN, True))

    s = await decided(h, CaseWorkflow.decide_return, ReturnReview(STREET, False, "路灯维修属住建局职责"))
    assert (s.stage, s.returns, s.assignments[0].return_requested_at) == (Stage.ACCEPT, 0, None)
    assert s.timeline[-1].note == "不同意退单：路灯维修属住建局职责"
    assert read_model(engine, s.code).tasks() == {("dp-zhujian", "department", "accept")}
    assert "没有待审核的退单申请" in await refused(h, CaseWorkflow.decide_return, ReturnReview(STREET, True))

    await decided(h, CaseWorkflow.return_case, ReturnDecision(ZHUJIAN, "经核实产权属城管局"))
    s = await decided(h, CaseWorkflow.decide_return, ReturnReview(STREET, True, "改派城管局"))
    assert (s.stage, s.holder_org_ids, s.returns) == (Stage.DISPATCH, ["st-dongcheng"], 1)
    decision, effect = s.timeline[-2:]
    assert (decision.action, decision.actor_org_id, decision.note) == (
        "decide_return",
        "st-dongcheng",
        "同意退单：改派城管局",
    )
    assert (effect.action, effect.actor_org_id, effect.note) == (
        "return_case",
        "dp-zhujian",
        "经核实产权属城管局",
    )
    model = read_model(engine, s.code)
    assert model.tasks() == {("st-dongcheng", "street", "dispatch")}
    assert [e.action for e in model.events][-2:] == ["decide_return", "return_case"]
    await keep_history(h, "return_request")


async def test_accepting_withdraws_a_request_and_a_co_department_drops_out(
    client: Client, task_queue: str, engine: Engine
):
    h = await start_case(client, task_queue)
    await report(h)
    await dispatch(h, ("dp-zhujian", "dp-chengguan"), lead="dp-zhujian")
    await decided(h, CaseWorkflow.return_case, ReturnDecision(ZHUJIAN, "先申请退单"))
    s = await decided(h, CaseWorkflow.accept, AcceptDecision(ZHUJIAN, "经沟通，我局牵头办理"))
    assert all(a.return_requested_at is None for a in s.assignments)
    assert ("st-dongcheng", "street", "decide_return") not in read_model(engine, s.code).tasks()

    await decided(h, CaseWorkflow.return_case, ReturnDecision(CHENGGUAN, "不属城管职责"))
    s = await decided(h, CaseWorkflow.decide_return, ReturnReview(STREET, True))
    assert (s.stage, s.returns) == (Stage.HANDLE, 1)
    assert [a.department_id for a in s.assignments] == ["dp-zhujian"]
    assert [a.department_id for a in s.departed] == ["dp-chengguan"]
    assert (await snapshot(h)).timeline[-1].actor_org_id == "dp-chengguan"
