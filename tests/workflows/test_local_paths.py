"""Cases that never reach a department: resolved by the community or the street ("small matters stay
in the village"), closed as unreasonable, or withdrawn by the resident."""

from __future__ import annotations

from tests.utils.cases import (
    COMMUNITY,
    RESIDENT,
    STREET,
    closed_result,
    decided,
    dispatch,
    expected_calendar_days,
    expected_working_days,
    keep_history,
    last_entry,
    projected,
    report,
    running,
    snapshot,
    start_case,
)
from workflows.case import CaseWorkflow
from workflows.types import (
    Category,
    DeadlineKind,
    DeadlineState,
    LocalResolution,
    Outcome,
    RatingChannel,
    RatingDecision,
    RatingValue,
    Role,
    SignDecision,
    Stage,
    TriageDecision,
    UnreasonableClosure,
    Urgency,
    Withdrawal,
)


async def test_community_resolves_locally(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    s = await snapshot(h)
    assert (s.stage, s.holder_org_ids, s.holder_role) == (Stage.REPORT, ["cm-qinghe"], Role.COMMUNITY)
    [clock] = running(s)
    assert clock.kind == DeadlineKind.REPORT and clock.org_id == "cm-qinghe"
    assert (clock.due_at, clock.provisional) == expected_working_days(s.registration.received_at, 0)
    model = await projected(h, engine)
    assert model.tasks() == {("cm-qinghe", "community", "triage")}
    assert model.case.due_at == clock.due_at and model.case.deadline_label == "社区报单时限"

    await h.execute_update(
        CaseWorkflow.triage, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE)
    )
    assert (await projected(h, engine)).tasks() == {("cm-qinghe", "community", "report_up")}
    s = await decided(
        h, CaseWorkflow.resolve_locally, LocalResolution(COMMUNITY, "已联系物业更换灯泡", "物业李经理")
    )
    assert (s.stage, s.holder_org_ids, s.holder_role) == (Stage.RATE, ["cm-qinghe"], Role.COMMUNITY)
    assert s.result == "已联系物业更换灯泡" and s.completed_at is not None and s.assignments == []
    assert (await last_entry(h)).note == "已联系物业更换灯泡（责任人：物业李经理）"
    report_clock, rating_clock = s.deadlines
    assert report_clock.state == DeadlineState.MET and report_clock.closed_at is not None
    assert rating_clock.kind == DeadlineKind.RATING and rating_clock.closed_at is None
    assert (rating_clock.due_at, rating_clock.provisional) == expected_calendar_days(
        rating_clock.started_at, 7
    )
    model = await projected(h, engine)
    assert model.tasks() == {("cm-qinghe", "community", "rate")}
    assert (model.case.stage, model.case.due_at) == ("rate", rating_clock.due_at)

    # The community calls the resident and records the rating (电话询问).
    s = await decided(
        h,
        CaseWorkflow.rate,
        RatingDecision(COMMUNITY, RatingValue.SATISFIED, "很满意", RatingChannel.PHONE, solved=True),
    )
    assert (s.stage, s.outcome, s.holder_org_ids) == (Stage.CLOSED, Outcome.RESOLVED, [])
    assert running(s) == []
    model = await projected(h, engine)
    assert model.actions == ["registered", "triage", "resolve_locally", "rate"]
    assert [e.seq for e in model.events] == sorted(e.seq for e in model.events)
    assert model.inbox == []
    assert (model.case.stage, model.case.outcome, model.case.rating) == ("closed", "resolved", "satisfied")
    [rating] = model.ratings
    assert (rating.value, rating.channel, rating.by_role, rating.street_org_id) == (
        "satisfied",
        "phone",
        "community",
        "st-dongcheng",
    )
    assert rating.lead_department_id is None
    assert (await closed_result(time_env, h)).outcome == Outcome.RESOLVED
    await keep_history(h, "community_resolves")


async def test_street_resolves_locally(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    await report(h)
    s = await decided(h, CaseWorkflow.sign, SignDecision(STREET, "已签收"))
    assert (s.stage, s.holder_org_ids, s.holder_role) == (Stage.DISPATCH, ["st-dongcheng"], Role.STREET)
    assert s.signed_at is not None and s.reported_at is not None
    [clock] = running(s)
    # 合理缓办: dispatched at the street's weekly review, 5 working days.
    assert clock.kind == DeadlineKind.DISPATCH
    assert (clock.due_at, clock.provisional) == expected_working_days(clock.started_at, 5)
    assert (await projected(h, engine)).tasks() == {("st-dongcheng", "street", "dispatch")}

    s = await decided(
        h, CaseWorkflow.resolve_locally, LocalResolution(STREET, "街道城建办已修复路灯", "城建办王科长")
    )
    assert (s.stage, s.holder_org_ids) == (Stage.RATE, ["cm-qinghe"])
    assert [d.kind for d in running(s)] == [DeadlineKind.RATING]
    assert all(d.state == DeadlineState.MET for d in s.deadlines if d.closed_at)

    s = await decided(
        h,
        CaseWorkflow.rate,
        RatingDecision(STREET, RatingValue.AVERAGE, "修得有点慢", RatingChannel.VISIT, solved=True),
    )
    assert (s.stage, s.outcome) == (Stage.CLOSED, Outcome.RESOLVED)
    model = await projected(h, engine)
    assert model.actions == ["registered", "triage", "report_up", "sign", "resolve_locally", "rate"]
    assert [(r.value, r.channel, r.by_role) for r in model.ratings] == [("average", "visit", "street")]
    assert model.inbox == [] and model.case.rating == "average"


async def test_sign_for_urgent_item_arms_same_day_dispatch(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    await report(h, Urgency.URGENT)
    s = await decided(h, CaseWorkflow.sign, SignDecision(STREET))
    [clock] = running(s)
    assert clock.kind == DeadlineKind.DISPATCH
    assert (clock.due_at, clock.provisional) == expected_working_days(clock.started_at, 0)


async def test_unreasonable_request_closed_with_explanation(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    await h.execute_update(
        CaseWorkflow.triage, TriageDecision(COMMUNITY, Urgency.UNREASONABLE, Category.DISPUTE)
    )
    assert (await projected(h, engine)).tasks() == {("cm-qinghe", "community", "close_unreasonable")}
    explanation = "诉求涉及私人合同纠纷，已告知可向人民法院起诉。"
    s = await decided(h, CaseWorkflow.close_unreasonable, UnreasonableClosure(COMMUNITY, explanation))
    assert (s.stage, s.outcome, s.urgency) == (Stage.CLOSED, Outcome.UNREASONABLE, Urgency.UNREASONABLE)
    assert (await last_entry(h)).note == explanation and (await last_entry(h)).public
    assert running(s) == [] and s.deadlines[0].state == DeadlineState.MET
    model = await projected(h, engine)
    assert model.actions == ["registered", "triage", "close_unreasonable"]
    assert (model.case.outcome, model.case.urgency, model.inbox, model.ratings) == (
        "unreasonable",
        "unreasonable",
        [],
        [],
    )
    assert (await closed_result(time_env, h)).outcome == Outcome.UNREASONABLE


async def test_withdraw_before_acceptance(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    await report(h)
    s = await dispatch(h, ("dp-zhujian", "dp-chengguan"), lead="dp-zhujian")
    assert {d.kind for d in running(s)} == {DeadlineKind.RESPONSE, DeadlineKind.COMPLETION}
    s = await decided(h, CaseWorkflow.withdraw, Withdrawal(RESIDENT, "问题已自行解决"))
    assert (s.stage, s.outcome, s.holder_org_ids) == (Stage.CLOSED, Outcome.WITHDRAWN, [])
    assert running(s) == []
    model = await projected(h, engine)
    assert model.actions[-1] == "withdraw" and model.inbox == []
    assert (model.case.outcome, model.case.closed_at) == ("withdrawn", s.closed_at)
    assert (await closed_result(time_env, h)).outcome == Outcome.WITHDRAWN
    await keep_history(h, "withdraw")
