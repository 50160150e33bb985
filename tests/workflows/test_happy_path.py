from __future__ import annotations

from tests.utils.cases import (
    CHENGGUAN,
    COMMUNITY,
    RESIDENT,
    STREET,
    ZHUJIAN,
    closed_result,
    decided,
    keep_history,
    start_case,
    timer_summaries,
)
from workflows.case import CaseWorkflow
from workflows.types import (
    AcceptDecision,
    Category,
    Difficulty,
    DispatchDecision,
    Outcome,
    RatingDecision,
    RatingValue,
    ReportUp,
    ResultSubmission,
    SignDecision,
    Stage,
    TriageDecision,
    Urgency,
)


async def test_six_orders(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    s = await decided(
        h, CaseWorkflow.triage, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE)
    )
    assert s.stage == Stage.REPORT
    await h.execute_update(CaseWorkflow.report_up, ReportUp(COMMUNITY))
    await h.execute_update(CaseWorkflow.sign, SignDecision(STREET))
    s = await decided(
        h,
        CaseWorkflow.dispatch,
        DispatchDecision(
            STREET, ["dp-zhujian", "dp-chengguan"], Difficulty.ORDINARY, lead_department_id="dp-zhujian"
        ),
    )
    assert s.stage == Stage.ACCEPT
    await h.execute_update(CaseWorkflow.accept, AcceptDecision(ZHUJIAN, "已联系群众"))
    s = await decided(h, CaseWorkflow.accept, AcceptDecision(CHENGGUAN, "已联系群众"))
    assert s.stage == Stage.HANDLE
    await h.execute_update(CaseWorkflow.submit_result, ResultSubmission(CHENGGUAN, "已清理"))
    s = await decided(h, CaseWorkflow.submit_result, ResultSubmission(ZHUJIAN, "路灯已修复"))
    assert s.stage == Stage.RATE
    s = await decided(
        h, CaseWorkflow.rate, RatingDecision(RESIDENT, RatingValue.SATISFIED, "很快", solved=True)
    )
    assert s.stage == Stage.CLOSED and s.outcome == Outcome.RESOLVED
    assert "部门办结时限·即将超期" in await timer_summaries(h)
    result = await closed_result(time_env, h)
    assert result.outcome == Outcome.RESOLVED
    await keep_history(h, "six_orders")
