"""特别难 as the source has it: the street dispatches without a limit; the lead unit asks (提请) the
district leader in charge of its portfolio (分管区领导), who sets the limit; only then does its completion
clock run. A leader without the unit in their portfolio, a co-department, or a street setting the limit
at dispatch are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.utils.cases import (
    CHENGGUAN,
    LEADER,
    STREET,
    ZHUJIAN,
    accept_all,
    deadlines,
    decided,
    dispatch,
    keep_history,
    read_model,
    report,
    start_case,
)
from workflows.case import CaseWorkflow
from workflows.types import (
    Actor,
    DeadlineKind,
    Difficulty,
    DispatchDecision,
    LimitDecision,
    LimitRequest,
    Role,
    SignDecision,
    Stage,
)

WANG = Actor(
    "leader-wang",
    Role.LEADER,
    "ld-office",
    "王建国",
    ["st-dongcheng"],
    ["dp-zhujian", "dp-chengguan", "dp-jiaotong"],
)
LI = Actor(
    "leader-li", Role.LEADER, "ld-office", "李秀英", ["st-xihu"], ["dp-shichang", "dp-renshe", "dp-minzheng"]
)


async def refused(handle, update, decision) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, decision)
    return str(failed.value.cause)


async def test_the_lead_unit_asks_its_portfolio_leader_who_sets_the_limit(
    client: Client, task_queue: str, engine: Engine, time_env: WorkflowEnvironment
):
    h = await start_case(client, task_queue)
    await report(h)
    await h.execute_update(CaseWorkflow.sign, SignDecision(STREET))
    now = await time_env.get_current_time()
    with_limit = DispatchDecision(
        STREET, ["dp-zhujian"], Difficulty.VERY_HARD, due_at=now + timedelta(days=30)
    )
    assert "提请分管区领导确定" in await refused(h, CaseWorkflow.dispatch, with_limit)
    s = await dispatch(
        h, ("dp-zhujian", "dp-chengguan"), lead="dp-zhujian", difficulty=Difficulty.VERY_HARD, sign=False
    )
    assert s.limit_needed and deadlines(s, DeadlineKind.COMPLETION) == []
    s = await accept_all(h)
    assert s.stage == Stage.HANDLE and deadlines(s, DeadlineKind.COMPLETION) == []
    assert ("dp-zhujian", "department", "request_limit") in read_model(engine, s.code).tasks()

    assert "只有牵头单位可以提请" in await refused(
        h, CaseWorkflow.request_limit, LimitRequest(CHENGGUAN, 20, "协办")
    )
    assert "尚未提请" in await refused(
        h, CaseWorkflow.decide_limit, LimitDecision(WANG, now + timedelta(days=40))
    )
    s = await decided(h, CaseWorkflow.request_limit, LimitRequest(ZHUJIAN, 40, "涉及管网改造，需招标"))
    assert (s.limit_requested_days, s.limit_request_reason) == (40, "涉及管网改造，需招标")
    tasks = read_model(engine, s.code).tasks()
    assert ("dp-zhujian", "leader", "decide_limit") in tasks and (
        "dp-zhujian",
        "department",
        "request_limit",
    ) not in tasks
    assert "已提请" in await refused(h, CaseWorkflow.request_limit, LimitRequest(ZHUJIAN, 30, "再次提请"))

    due = now + timedelta(days=45)
    assert "不在您分管的部门之内" in await refused(h, CaseWorkflow.decide_limit, LimitDecision(LI, due))
    assert "只有分管区领导" in await refused(h, CaseWorkflow.decide_limit, LimitDecision(STREET, due))
    assert "联点区领导" not in await refused(h, CaseWorkflow.decide_limit, LimitDecision(LEADER, due))
    s = await decided(h, CaseWorkflow.decide_limit, LimitDecision(WANG, due, "同意，45日内办结"))
    [completion] = deadlines(s, DeadlineKind.COMPLETION)
    assert (completion.due_at, completion.org_id, completion.label) == (
        due,
        "dp-zhujian",
        "领导确定的办结时限",
    )
    assert not s.limit_needed and s.timeline[-1].note == "同意，45日内办结"
    tasks = read_model(engine, s.code).tasks()
    assert not {t for t in tasks if t[2] in ("request_limit", "decide_limit")}
    await keep_history(h, "very_hard_limit")
