"""Dispatched cases: return and re-dispatch (退单), several departments under a lead unit, extensions,
and the objection window of the 《信访工作条例》 policy."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.utils.cases import (
    CHENGGUAN,
    RESIDENT,
    STREET,
    ZHUJIAN,
    accept_all,
    assert_due,
    cancelled_timers,
    deadlines,
    decided,
    dispatch,
    expected_calendar_days,
    expected_working_days,
    keep_history,
    last_entry,
    projected,
    registration,
    report,
    returned,
    running,
    sleep_until,
    snapshot,
    start_case,
    to_handle,
)
from workdays import SHANGHAI, WorkCalendar
from workflows.case import CaseWorkflow
from workflows.types import (
    AcceptDecision,
    DeadlineKind,
    DeadlineState,
    Difficulty,
    ExtensionDecision,
    ExtensionRequest,
    Outcome,
    RatingDecision,
    RatingValue,
    ResultSubmission,
    ReturnDecision,
    Role,
    Stage,
    Urgency,
)


async def test_return_and_redispatch_rearms_the_dispatch_clock(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    await report(h)
    s = await dispatch(h, ("dp-zhujian",))
    [first_dispatch] = deadlines(s, DeadlineKind.DISPATCH)
    response = deadlines(s, DeadlineKind.RESPONSE)[0]
    assert first_dispatch.closed_at is not None and first_dispatch.state == DeadlineState.MET
    assert {d.kind for d in running(s)} == {DeadlineKind.RESPONSE, DeadlineKind.COMPLETION}
    assert (await projected(h, engine)).tasks() == {("dp-zhujian", "department", "accept")}

    # Return after the office-hours cutoff of the response day: the response clock is still running
    # (past its warning), and the re-armed dispatch clock counts from the next working day.
    await sleep_until(time_env, response.due_at.replace(hour=18, minute=0, second=0))
    s = await returned(h, ReturnDecision(ZHUJIAN, "路灯归城管局管理"))
    assert (s.stage, s.holder_org_ids, s.holder_role) == (Stage.DISPATCH, ["st-dongcheng"], Role.STREET)
    assert (s.assignments, s.difficulty, s.returns) == ([], None, 1)
    assert not s.overdue
    old, new = deadlines(s, DeadlineKind.DISPATCH)
    assert new.id != old.id and new.closed_at is None and new.state == DeadlineState.RUNNING
    assert new.started_at > old.started_at and new.due_at > old.due_at
    assert_due(new, expected_working_days(new.started_at, 5))
    assert all(d.closed_at is not None for d in s.deadlines if d is not new)
    assert {d.kind for d in running(s)} == {DeadlineKind.DISPATCH}
    # The old clocks' timers are cancelled, not left to fire: the response deadline (its warning had
    # fired) and the completion warning.
    assert {"部门首次响应时限", "部门办结时限·即将超期"} <= set(await cancelled_timers(h))
    model = await projected(h, engine)
    assert model.tasks() == {("st-dongcheng", "street", "dispatch")}
    assert (model.case.returns, model.case.due_at, model.case.stage) == (1, new.due_at, "dispatch")
    assert not model.events[-1].public  # a return is internal: the resident sees no reason text

    s = await dispatch(h, ("dp-chengguan",), sign=False)
    assert s.stage == Stage.ACCEPT and [a.department_id for a in s.assignments] == ["dp-chengguan"]
    assert new.id in {d.id for d in s.deadlines if d.closed_at is not None}
    s = await accept_all(h)
    # The old completion clock never fires: long after its due date the case is not overdue.
    await sleep_until(time_env, deadlines(s, DeadlineKind.COMPLETION)[0].due_at + timedelta(hours=1))
    s = await snapshot(h)
    assert s.stage == Stage.HANDLE
    assert all(d.state != DeadlineState.OVERDUE for d in deadlines(s, DeadlineKind.COMPLETION)[:1])
    model = await projected(h, engine)
    assert {d.department_id for d in model.departments} == {"dp-zhujian", "dp-chengguan"}
    assert model.actions[:9] == [
        "registered",
        "triage",
        "report_up",
        "sign",
        "dispatch",
        "return_requested",
        "decide_return",
        "return_case",
        "dispatch",
    ]


async def test_returned_urgent_item_is_redispatched_the_same_day(client, task_queue, engine):
    """合理急办 stays urgent after a return: the re-armed dispatch clock is the same-day one."""
    h = await start_case(client, task_queue)
    await report(h, Urgency.URGENT)
    await dispatch(h)
    s = await returned(h, ReturnDecision(ZHUJIAN, "应由城管局办理"))
    first, rearmed = deadlines(s, DeadlineKind.DISPATCH)
    assert_due(first, expected_working_days(first.started_at, 0))
    assert_due(rearmed, expected_working_days(rearmed.started_at, 0))


async def test_several_departments_with_a_lead_unit(client, task_queue, engine):
    h = await start_case(client, task_queue)
    await report(h)
    s = await dispatch(h, ("dp-zhujian", "dp-chengguan"), lead="dp-chengguan")
    assert (s.stage, s.holder_org_ids, s.holder_role) == (
        Stage.ACCEPT,
        ["dp-zhujian", "dp-chengguan"],
        Role.DEPARTMENT,
    )
    assert [(a.department_id, a.lead) for a in s.assignments] == [
        ("dp-zhujian", False),
        ("dp-chengguan", True),
    ]
    completion = deadlines(s, DeadlineKind.COMPLETION)[0]
    assert completion.org_id == "dp-chengguan"
    assert_due(completion, expected_working_days(completion.started_at, 3))
    response = deadlines(s, DeadlineKind.RESPONSE)[0]
    assert_due(response, expected_working_days(response.started_at, 0))
    assert (await projected(h, engine)).tasks() == {
        ("dp-zhujian", "department", "accept"),
        ("dp-chengguan", "department", "accept"),
    }

    s = await decided(h, CaseWorkflow.accept, AcceptDecision(ZHUJIAN, "已到现场查看"))
    assert (s.stage, s.holder_org_ids) == (Stage.ACCEPT, ["dp-chengguan"])
    assert (await projected(h, engine)).tasks() == {("dp-chengguan", "department", "accept")}
    s = await decided(h, CaseWorkflow.accept, AcceptDecision(CHENGGUAN, "已电话回复群众"))
    assert (s.stage, s.holder_org_ids) == (Stage.HANDLE, ["dp-zhujian", "dp-chengguan"])
    assert deadlines(s, DeadlineKind.RESPONSE)[0].state == DeadlineState.MET
    assert [d.kind for d in running(s)] == [DeadlineKind.COMPLETION]

    # The lead unit cannot finish before the co-department has reported.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await h.execute_update(CaseWorkflow.submit_result, ResultSubmission(CHENGGUAN, "已修复"))
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.message == "请等待协办单位报告办理结果后再办结"

    s = await decided(h, CaseWorkflow.submit_result, ResultSubmission(ZHUJIAN, "已更换线路"))
    assert (s.stage, s.holder_org_ids) == (Stage.HANDLE, ["dp-chengguan"])
    assert (await last_entry(h)).public is False
    assert (await projected(h, engine)).tasks() == {("dp-chengguan", "department", "submit_result")}
    s = await decided(h, CaseWorkflow.submit_result, ResultSubmission(CHENGGUAN, "三盏路灯已修复"))
    assert (s.stage, s.holder_org_ids, s.result) == (Stage.RATE, ["cm-qinghe"], "三盏路灯已修复")
    s = await decided(
        h, CaseWorkflow.rate, RatingDecision(RESIDENT, RatingValue.SATISFIED, "谢谢", solved=True)
    )
    assert (s.stage, s.outcome) == (Stage.CLOSED, Outcome.RESOLVED)

    model = await projected(h, engine)
    assert model.actions == [
        "registered",
        "triage",
        "report_up",
        "sign",
        "dispatch",
        "accept",
        "accept",
        "submit_result",
        "submit_result",
        "rate",
    ]
    assert (model.case.department_ids, model.case.lead_department_id) == (
        "dp-zhujian dp-chengguan",
        "dp-chengguan",
    )
    assert all(d.accepted_at and d.reported_at for d in model.departments)
    assert [(r.value, r.channel, r.by_role, r.lead_department_id) for r in model.ratings] == [
        ("satisfied", "portal", "resident", "dp-chengguan")
    ]


async def test_extension_granted_runs_on_from_the_old_deadline(client, task_queue, engine):
    h = await start_case(client, task_queue)
    s = await to_handle(h)
    [old] = running(s)
    s = await decided(h, CaseWorkflow.request_extension, ExtensionRequest(ZHUJIAN, 2, "需采购灯具"))
    assert s.extension_pending_days == 2
    assert (await projected(h, engine)).tasks() == {
        ("dp-zhujian", "department", "submit_result"),
        ("st-dongcheng", "street", "decide_extension"),
    }
    s = await decided(h, CaseWorkflow.decide_extension, ExtensionDecision(STREET, True, "同意"))
    assert (s.extension_pending_days, s.extensions_granted) == (0, 1)
    closed, new = deadlines(s, DeadlineKind.COMPLETION)
    assert closed.id == old.id and closed.closed_at is not None
    assert (new.label, new.started_at, new.org_id, new.closed_at) == (
        "延期后办结时限",
        old.due_at,
        "dp-zhujian",
        None,
    )
    # Two working days after the old due date, not three: no office-hours cutoff on an extension.
    assert_due(new, expected_working_days(old.due_at, 2, cutoff=None))
    if not new.provisional:
        assert WorkCalendar().working_days_between(old.due_at, new.due_at) == 2
    assert new.warn_at.astimezone(SHANGHAI).date() > old.due_at.astimezone(SHANGHAI).date()
    assert "部门办结时限·即将超期" in await cancelled_timers(h)
    model = await projected(h, engine)
    assert (model.case.due_at, model.case.extensions_granted, model.case.deadline_label) == (
        new.due_at,
        1,
        "延期后办结时限",
    )
    assert model.tasks() == {("dp-zhujian", "department", "submit_result")}
    await keep_history(h, "extension")


async def test_extension_refused_keeps_the_deadline(client, task_queue, engine):
    h = await start_case(client, task_queue)
    s = await to_handle(h)
    [clock] = running(s)
    await h.execute_update(CaseWorkflow.request_extension, ExtensionRequest(ZHUJIAN, 5, "工程量大"))
    s = await decided(
        h, CaseWorkflow.decide_extension, ExtensionDecision(STREET, False, "一般事项应按期办结")
    )
    assert (s.extension_pending_days, s.extensions_granted) == (0, 0)
    assert running(s) == [clock]
    assert (await last_entry(h)).note == "不同意延期：一般事项应按期办结"
    # A refused request does not use up the extension: the lead unit may ask again.
    s = await decided(h, CaseWorkflow.request_extension, ExtensionRequest(ZHUJIAN, 1, "材料到货延迟"))
    assert s.extension_pending_days == 1
    assert (await projected(h, engine)).case.extensions_granted == 0


async def test_xinfang_objection_window(client, task_queue, engine, time_env):
    """《信访工作条例》: a department may object to a wrong assignment within 5 working days, not after."""
    h = await start_case(client, task_queue, registration("xinfang-2022"))
    await report(h)
    s = await dispatch(h, ("dp-zhujian",))
    received = s.registration.received_at
    assert received is not None
    dispatch_clock = deadlines(s, DeadlineKind.DISPATCH)[0]
    assert dispatch_clock.started_at == received  # 三天工作法: counted from receipt
    assert_due(dispatch_clock, expected_working_days(received, 3))
    response = deadlines(s, DeadlineKind.RESPONSE)[0]
    assert_due(response, expected_calendar_days(received, 15))
    assert_due(deadlines(s, DeadlineKind.COMPLETION)[0], expected_calendar_days(s.dispatched_at, 60))
    objection = deadlines(s, DeadlineKind.OBJECTION)[0]
    assert_due(objection, expected_working_days(s.dispatched_at, 5))

    await sleep_until(time_env, objection.due_at + timedelta(minutes=1))
    s = await snapshot(h)
    objection = deadlines(s, DeadlineKind.OBJECTION)[0]
    assert objection.state == DeadlineState.OVERDUE
    # The objection window is not an escalating clock: nobody is late, nothing goes to the leader.
    assert (s.overdue, s.supervision_level, s.stage) == (False, 0, Stage.ACCEPT)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await h.execute_update(CaseWorkflow.return_case, ReturnDecision(ZHUJIAN, "不属于本部门职责"))
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.message == "已超过退单（异议）期限"
    assert ("st-dongcheng", "leader", "supervise") not in (await projected(h, engine)).tasks()
    s = await decided(h, CaseWorkflow.accept, AcceptDecision(ZHUJIAN, "已受理，书面告知信访人"))
    assert s.stage == Stage.HANDLE
    await keep_history(h, "xinfang_objection")


async def test_xinfang_return_within_window(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue, registration("xinfang-2022"))
    await report(h)
    await dispatch(h, ("dp-zhujian",))
    await sleep_until(time_env, (await time_env.get_current_time()) + timedelta(days=4))
    s = await returned(h, ReturnDecision(ZHUJIAN, "不属于本部门职责"))
    assert (s.stage, s.returns) == (Stage.DISPATCH, 1)
    assert deadlines(s, DeadlineKind.OBJECTION)[0].state == DeadlineState.CANCELLED
    # The new dispatch clock counts from the return, not from the original receipt (issue 10): a
    # returned petition is not overdue the moment it is back.
    returned_at = s.timeline[-1].at
    again = deadlines(s, DeadlineKind.DISPATCH)[-1]
    assert again.started_at == returned_at and not s.overdue
    assert_due(again, expected_working_days(returned_at, 3))
    s = await dispatch(h, ("dp-chengguan",), sign=False)
    response = deadlines(s, DeadlineKind.RESPONSE)[-1]
    assert response.started_at == s.dispatched_at
    await keep_history(h, "xinfang_return")


async def test_two_officers_accepting_at_once(client, task_queue, engine):
    """Two clicks at once: exactly one accept is recorded; the other is refused, never applied twice."""
    h = await start_case(client, task_queue)
    await report(h)
    await dispatch(h, ("dp-zhujian",))
    results = await asyncio.gather(
        *(h.execute_update(CaseWorkflow.accept, AcceptDecision(ZHUJIAN, "已联系")) for _ in range(2)),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 1, results
    assert isinstance(failures[0], WorkflowUpdateFailedError)
    assert isinstance(failures[0].cause, ApplicationError)
    assert failures[0].cause.type in {"DecisionRefused", "StageMismatch"}
    s = await snapshot(h)
    assert [e.action for e in s.timeline].count("accept") == 1 and s.stage == Stage.HANDLE


async def test_co_department_returns_and_the_others_carry_on(client, task_queue, engine):
    """A co-department that is not the lead unit drops out; the case stays with the others."""
    h = await start_case(client, task_queue)
    await report(h)
    await dispatch(h, ("dp-zhujian", "dp-chengguan"), lead="dp-zhujian")
    await h.execute_update(CaseWorkflow.accept, AcceptDecision(ZHUJIAN, "已联系群众"))
    s = await returned(h, ReturnDecision(CHENGGUAN, "路灯不归城管负责"))
    assert (s.stage, s.returns) == (Stage.HANDLE, 1)
    assert [(a.department_id, a.lead) for a in s.assignments] == [("dp-zhujian", True)]
    assert deadlines(s, DeadlineKind.COMPLETION)[0].closed_at is None  # the lead's clock runs on
    assert (await projected(h, engine)).tasks() == {("dp-zhujian", "department", "submit_result")}
    s = await decided(h, CaseWorkflow.submit_result, ResultSubmission(ZHUJIAN, "已修复"))
    assert s.stage == Stage.RATE


async def test_very_hard_under_xinfang_takes_the_policy_limit(client, task_queue, engine):
    """《信访工作条例》 has 60 days for every matter, so a very hard one needs no leader-set date."""
    h = await start_case(client, task_queue, registration("xinfang-2022"))
    await report(h)
    s = await dispatch(h, difficulty=Difficulty.VERY_HARD)
    [completion] = deadlines(s, DeadlineKind.COMPLETION)
    assert_due(completion, expected_calendar_days(completion.started_at, 60))
