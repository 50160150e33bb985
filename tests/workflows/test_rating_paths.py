"""评单: the rating window, a dissatisfied rating reviewed by the leader (reopen once, or close with a
note), and the window passing without a rating (未评价)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.utils.cases import (
    CHENGGUAN,
    COMMUNITY,
    LEADER,
    RESIDENT,
    ZHUJIAN,
    assert_due,
    closed_result,
    deadlines,
    decided,
    expected_calendar_days,
    expected_working_days,
    keep_history,
    officer_rating,
    projected,
    running,
    sleep_until,
    start_case,
    submit_all,
    to_rate,
    to_review,
)
from workflows.case import CaseWorkflow
from workflows.types import (
    CallbackFailure,
    Category,
    DeadlineKind,
    DeadlineState,
    LocalResolution,
    Outcome,
    RatingChannel,
    RatingDecision,
    RatingValue,
    ResultSubmission,
    ReviewDecision,
    Role,
    Stage,
    TriageDecision,
    Urgency,
)


async def test_dissatisfied_reopened_then_rated_again(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    s = await to_review(h, ("dp-zhujian", "dp-chengguan"))
    assert (s.stage, s.holder_org_ids, s.holder_role) == (Stage.REVIEW, ["st-dongcheng"], Role.LEADER)
    [review] = running(s)
    assert review.kind == DeadlineKind.REVIEW
    assert_due(review, expected_working_days(review.started_at, 5))
    assert deadlines(s, DeadlineKind.RATING)[0].state == DeadlineState.MET
    model = await projected(h, engine)
    assert model.tasks() == {("st-dongcheng", "leader", "reopen")}
    assert [(r.round, r.value, r.comment) for r in model.ratings] == [(1, "dissatisfied", "路灯还是不亮")]
    assert (model.case.stage, model.case.rating) == ("review", "dissatisfied")

    now = await time_env.get_current_time()
    s = await decided(
        h,
        CaseWorkflow.reopen,
        ReviewDecision(LEADER, "重新排查线路，彻底修复", new_due_at=now + timedelta(days=3)),
    )
    assert (s.stage, s.holder_org_ids, s.reopened) == (Stage.HANDLE, ["dp-zhujian", "dp-chengguan"], 1)
    assert (s.result, s.completed_at) == ("", None)
    assert all(a.reported_at is None and a.accepted_at is not None for a in s.assignments)
    [redo] = running(s)
    assert (redo.kind, redo.label, redo.due_at, redo.org_id) == (
        DeadlineKind.COMPLETION,
        "重办时限",
        now + timedelta(days=3),
        "dp-zhujian",
    )
    assert review.id in {d.id for d in s.deadlines if d.closed_at is not None}
    model = await projected(h, engine)
    assert model.tasks() == {
        ("dp-zhujian", "department", "submit_result"),
        ("dp-chengguan", "department", "submit_result"),
    }
    assert (model.case.reopened, model.case.due_at, model.case.deadline_label) == (1, redo.due_at, "重办时限")

    # The departments resubmit, the co-department first; the lead still cannot finish before it.
    with pytest.raises(WorkflowUpdateFailedError):
        await h.execute_update(CaseWorkflow.submit_result, ResultSubmission(ZHUJIAN, "已修复"))
    await h.execute_update(CaseWorkflow.submit_result, ResultSubmission(CHENGGUAN, "已更换电缆"))
    s = await decided(h, CaseWorkflow.submit_result, ResultSubmission(ZHUJIAN, "线路已彻底修复"))
    assert (s.stage, s.result) == (Stage.RATE, "线路已彻底修复")
    rating = running(s)[0]
    assert rating.kind == DeadlineKind.RATING
    assert_due(rating, expected_calendar_days(rating.started_at, 7))

    s = await decided(
        h, CaseWorkflow.rate, RatingDecision(RESIDENT, RatingValue.SATISFIED, "这次修好了", solved=True)
    )
    assert (s.stage, s.outcome) == (Stage.CLOSED, Outcome.RESOLVED)
    assert [r.value for r in s.ratings] == [RatingValue.DISSATISFIED, RatingValue.SATISFIED]
    model = await projected(h, engine)
    assert [(r.round, r.value) for r in model.ratings] == [(1, "dissatisfied"), (2, "satisfied")]
    assert model.actions[-6:] == ["submit_result", "rate", "reopen", "submit_result", "submit_result", "rate"]
    assert (model.case.rating, model.case.outcome, model.inbox) == ("satisfied", "resolved", [])


async def test_second_reopen_refused_then_closed_after_review(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    await to_review(h)
    now = await time_env.get_current_time()
    await h.execute_update(
        CaseWorkflow.reopen, ReviewDecision(LEADER, "重办", new_due_at=now + timedelta(days=2))
    )
    await submit_all(h)
    s = await decided(h, CaseWorkflow.rate, officer_rating(RatingValue.DISSATISFIED, "仍未解决"))
    assert (s.stage, s.reopened) == (Stage.REVIEW, 1)

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await h.execute_update(
            CaseWorkflow.reopen, ReviewDecision(LEADER, "再办一次", new_due_at=now + timedelta(days=9))
        )
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.message == "案件已重办过一次，请复查后办结"

    s = await decided(
        h, CaseWorkflow.close_after_review, ReviewDecision(LEADER, "经复查已按政策办理，予以办结")
    )
    # 不满意结案: closed after a dissatisfied review, never 已解决.
    assert (s.stage, s.outcome, s.reopened) == (Stage.CLOSED, Outcome.CLOSED_DISSATISFIED, 1)
    assert running(s) == []
    model = await projected(h, engine)
    assert [(r.round, r.value, r.by_role, r.by_user_id, r.solved) for r in model.ratings] == [
        (1, "dissatisfied", "resident", "", False),
        (2, "dissatisfied", "community", COMMUNITY.user_id, False),
    ]
    assert model.case.outcome == "closed_dissatisfied"
    assert model.actions[-1] == "close_after_review" and model.inbox == []
    assert (await closed_result(time_env, h)).outcome == Outcome.CLOSED_DISSATISFIED
    await keep_history(h, "close_after_review")


async def test_callbacks_that_never_reach_the_resident_close_as_unreachable(client, task_queue, engine):
    """回访: the community calls; two failed calls are recorded with who called and when; a rating
    without 是否解决 is refused; the third failed callback closes the case as 回访无法联系."""
    h = await start_case(client, task_queue)
    await to_rate(h)
    no_answer = CallbackFailure(COMMUNITY, RatingChannel.PHONE, "无人接听")
    s = await decided(h, CaseWorkflow.callback_failed, no_answer)
    s = await decided(
        h, CaseWorkflow.callback_failed, CallbackFailure(COMMUNITY, RatingChannel.VISIT, "上门未遇")
    )
    assert (s.stage, s.callback_failures) == (Stage.RATE, 2)
    assert [e.note for e in s.timeline[-2:]] == [
        "第 1 次电话回访未联系上群众：无人接听",
        "第 2 次上门回访未联系上群众：上门未遇",
    ]
    assert {(e.actor_user_id, e.action) for e in s.timeline[-2:]} == {(COMMUNITY.user_id, "callback_failed")}
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await h.execute_update(
            CaseWorkflow.rate, RatingDecision(COMMUNITY, RatingValue.SATISFIED, "", RatingChannel.PHONE)
        )
    assert refused.value.cause.message == "请选择群众反映的问题是否已解决（已解决 / 未解决）"
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await h.execute_update(CaseWorkflow.callback_failed, CallbackFailure(RESIDENT, RatingChannel.PORTAL))
    assert refused.value.cause.message == "群众本人请直接在评价页面评价"
    s = await decided(h, CaseWorkflow.callback_failed, no_answer)
    assert (s.stage, s.outcome) == (Stage.CLOSED, Outcome.UNREACHABLE)
    assert s.timeline[-1].note.endswith("3 次回访均未联系上，按回访无法联系结案")
    assert deadlines(s, DeadlineKind.RATING)[0].state == DeadlineState.MET
    model = await projected(h, engine)
    assert (model.case.outcome, model.case.callback_failures, model.ratings) == ("unreachable", 3, [])
    assert model.inbox == []
    await keep_history(h, "callbacks_unreachable")


async def test_a_callback_records_the_residents_answer_not_solved(client, task_queue, engine):
    """A callback by phone that reaches the resident: 未解决 but 基本满意, recorded with the caller."""
    h = await start_case(client, task_queue)
    await to_rate(h)
    await decided(h, CaseWorkflow.callback_failed, CallbackFailure(COMMUNITY, RatingChannel.PHONE, "忙音"))
    s = await decided(
        h,
        CaseWorkflow.rate,
        RatingDecision(COMMUNITY, RatingValue.AVERAGE, "灯修了但还闪", RatingChannel.PHONE, solved=False),
    )
    assert (s.stage, s.outcome, s.ratings[-1].solved) == (Stage.CLOSED, Outcome.RESOLVED, False)
    model = await projected(h, engine)
    assert [(r.value, r.channel, r.by_user_id, r.solved) for r in model.ratings] == [
        ("average", "phone", COMMUNITY.user_id, False)
    ]
    assert model.case.callback_failures == 1


async def test_no_rating_within_the_window_closes_as_not_rated(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    s = await to_rate(h)
    [rating] = running(s)
    assert_due(rating, expected_calendar_days(rating.started_at, 7))
    await sleep_until(time_env, rating.due_at + timedelta(minutes=1))
    result = await closed_result(time_env, h)
    assert (result.stage, result.outcome) == (Stage.CLOSED, Outcome.NOT_RATED)
    assert result.closed_at is not None
    assert rating.due_at <= result.closed_at < rating.due_at + timedelta(seconds=1)
    assert deadlines(result, DeadlineKind.RATING)[0].state == DeadlineState.OVERDUE
    assert (result.overdue, result.supervision_level, result.ratings) == (False, 0, [])
    assert (
        result.timeline[-1].action == "not_rated" and result.timeline[-1].note == "评价期限届满，群众未评价"
    )
    model = await projected(h, engine)
    assert (model.case.outcome, model.case.closed_at, model.case.rating) == (
        "not_rated",
        result.closed_at,
        None,
    )
    assert model.actions[-1] == "not_rated" and model.inbox == [] and model.ratings == []
    await keep_history(h, "not_rated")


async def test_locally_resolved_case_reopened_goes_back_to_the_street(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    await h.execute_update(
        CaseWorkflow.triage, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.LIVELIHOOD)
    )
    await h.execute_update(CaseWorkflow.resolve_locally, LocalResolution(COMMUNITY, "已协调"))
    await h.execute_update(
        CaseWorkflow.rate, RatingDecision(RESIDENT, RatingValue.DISSATISFIED, "没解决", solved=False)
    )
    now = await time_env.get_current_time()
    s = await decided(
        h, CaseWorkflow.reopen, ReviewDecision(LEADER, "街道派单办理", new_due_at=now + timedelta(days=2))
    )
    assert (s.stage, s.holder_org_ids, s.holder_role) == (Stage.DISPATCH, ["st-dongcheng"], Role.STREET)
    [clock] = running(s)
    assert (clock.kind, clock.label, clock.due_at) == (
        DeadlineKind.DISPATCH,
        "重办时限",
        now + timedelta(days=2),
    )
    assert (await projected(h, engine)).tasks() == {("st-dongcheng", "street", "dispatch")}


async def test_a_late_review_goes_to_the_discipline_commission(client, task_queue, engine, time_env):
    """If the leader leaves a dissatisfied rating undecided past the review limit, the case is
    overdue and lands in the discipline commission's inbox; the leader can still decide it."""
    h = await start_case(client, task_queue)
    s = await to_review(h)
    [review] = running(s)
    await sleep_until(time_env, review.due_at + timedelta(seconds=1))
    model = await projected(h, engine)
    assert model.case.overdue and model.case.supervision_level == 2
    assert model.tasks() == {
        ("st-dongcheng", "leader", "reopen"),
        ("st-dongcheng", "discipline", "supervise"),
    }
    s = await decided(h, CaseWorkflow.close_after_review, ReviewDecision(LEADER, "已复查，维持原处理意见"))
    assert (s.stage, s.overdue) == (Stage.CLOSED, False)
    assert deadlines(s, DeadlineKind.REVIEW)[0].state == DeadlineState.OVERDUE
