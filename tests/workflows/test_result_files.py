"""A department's result carries its files (stored by the web before the decision): the lead unit may
make them public, a co-department may not, and a reopened case starts its results afresh."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError

from tests.utils.cases import (
    CHENGGUAN,
    RESIDENT,
    ZHUJIAN,
    accept_all,
    decided,
    dispatch,
    keep_history,
    report,
    start_case,
)
from workflows.case import CaseWorkflow
from workflows.types import RatingDecision, RatingValue, ResultAttachment, ResultSubmission, Stage

PHOTO = ResultAttachment("a" * 22 + ".png", "修复后.png", public=True)
REPORT = ResultAttachment("b" * 22 + ".pdf", "协办报告.pdf")


async def test_results_keep_their_files(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    await report(h)
    await dispatch(h, ("dp-zhujian", "dp-chengguan"), lead="dp-zhujian")
    await accept_all(h)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await h.execute_update(CaseWorkflow.submit_result, ResultSubmission(CHENGGUAN, "配合清理", [PHOTO]))
    assert refused.value.cause.message == "协办单位的附件只报送牵头单位，由牵头单位决定是否向群众公开"
    await h.execute_update(CaseWorkflow.submit_result, ResultSubmission(CHENGGUAN, "配合清理", [REPORT]))
    s = await decided(h, CaseWorkflow.submit_result, ResultSubmission(ZHUJIAN, "路灯已修复", [PHOTO]))
    assert s.stage == Stage.RATE
    files = {a.department_id: a.attachments for a in s.assignments}
    assert files == {"dp-chengguan": [REPORT], "dp-zhujian": [PHOTO]}
    await keep_history(h, "result_files")
    s = await decided(h, CaseWorkflow.rate, RatingDecision(RESIDENT, RatingValue.SATISFIED, solved=True))
    assert s.stage == Stage.CLOSED
