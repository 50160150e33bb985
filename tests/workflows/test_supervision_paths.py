"""督单: overdue cases go to the street's linked leader, then to the discipline commission; a street or
department may escalate before the deadline; a leader may take personal charge (领导包案)."""

from __future__ import annotations

from datetime import timedelta

from tests.utils.cases import (
    DISCIPLINE,
    LEADER,
    STREET,
    SUPERVISION,
    ZHUJIAN,
    accept_all,
    cancelled_timers,
    deadlines,
    decided,
    dispatch,
    inbox,
    keep_history,
    last_entry,
    projected,
    registration,
    report,
    running,
    sleep_until,
    snapshot,
    start_case,
    steps,
    submit_all,
    timer_summaries,
    to_handle,
)
from workflows import search_attributes as sa
from workflows.case import CaseWorkflow
from workflows.types import (
    DeadlineKind,
    DeadlineState,
    Escalation,
    Role,
    SignDecision,
    Stage,
    SupervisionDecision,
    TakeCharge,
)


def _leader_warning(d) -> timedelta:  # type: ignore[no-untyped-def]
    """An explicit deadline warns at 80 % of the time left, and at most a day before it."""
    return min((d.due_at - d.started_at) / 5, timedelta(days=1))


async def test_overdue_goes_to_leader_then_discipline_commission(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    s = await to_handle(h, ("dp-zhujian", "dp-chengguan"))
    [completion] = running(s)
    code = s.code

    await sleep_until(time_env, completion.due_at + timedelta(minutes=1))
    s = await snapshot(h)
    completion = deadlines(s, DeadlineKind.COMPLETION)[0]
    assert completion.state == DeadlineState.OVERDUE and completion.closed_at is None
    assert (s.overdue, s.ever_overdue, s.supervision_level, s.stage) == (True, True, 1, Stage.HANDLE)
    assert steps(s)[-1] == "overdue" and "warning" in [e.action for e in s.timeline]
    assert (await last_entry(h)).note == "已超期，转联点区领导督办" and (
        await last_entry(h)
    ).actor_role == Role.SYSTEM
    model = await projected(h, engine)
    assert (model.case.overdue, model.case.ever_overdue, model.case.supervision_level) == (True, True, 1)
    assert model.tasks() == {
        ("dp-zhujian", "department", "submit_result"),
        ("dp-chengguan", "department", "submit_result"),
        ("st-dongcheng", "leader", "supervise"),
    }
    assert all(i.overdue for i in model.inbox)
    assert code in inbox(engine, "st-dongcheng", Role.LEADER)
    assert code not in inbox(engine, "st-xihu", Role.LEADER)
    assert (await h.describe()).typed_search_attributes.get(sa.CASE_OVERDUE) is True

    # 督单: on-site supervision, a new deadline, the other department made lead, and 约谈.
    now = await time_env.get_current_time()
    s = await decided(
        h,
        CaseWorkflow.supervise,
        SupervisionDecision(
            LEADER,
            "现场督办，三日内修复",
            new_due_at=now + timedelta(days=2),
            lead_department_id="dp-chengguan",
            talk_ordered=True,
        ),
    )
    assert (s.overdue, s.supervised, s.talk_ordered, s.supervision_level) == (False, True, True, 1)
    assert [(a.department_id, a.lead) for a in s.assignments] == [
        ("dp-zhujian", False),
        ("dp-chengguan", True),
    ]
    assert (await last_entry(h)).note == "现场督办，三日内修复（约谈部门负责人）"
    [supervision] = running(s)
    assert supervision.kind == DeadlineKind.SUPERVISION and supervision.due_at == now + timedelta(days=2)
    assert supervision.warn_at == supervision.due_at - _leader_warning(supervision)
    assert deadlines(s, DeadlineKind.COMPLETION)[0].closed_at is not None
    model = await projected(h, engine)
    assert ("st-dongcheng", "leader", "supervise") not in model.tasks()
    assert (model.case.supervised, model.case.talk_ordered, model.case.due_at) == (
        True,
        True,
        supervision.due_at,
    )
    assert (model.case.lead_department_id, model.case.deadline_label) == ("dp-chengguan", "督办整改时限")

    # Still late after the leader's deadline: on to the discipline commission (纪工委).
    await sleep_until(time_env, supervision.due_at + timedelta(minutes=1))
    s = await snapshot(h)
    assert (s.overdue, s.supervision_level) == (True, 2)
    assert deadlines(s, DeadlineKind.SUPERVISION)[0].state == DeadlineState.OVERDUE
    assert (await last_entry(h)).note == "已超期，转纪工委督办"
    model = await projected(h, engine)
    assert {
        ("st-dongcheng", "leader", "supervise"),
        ("st-dongcheng", "discipline", "supervise"),
    } <= model.tasks()
    assert code in inbox(engine, "st-dongcheng", Role.DISCIPLINE)
    assert model.case.supervision_level == 2
    assert "督办整改时限" in await timer_summaries(h)

    now = await time_env.get_current_time()
    s = await decided(
        h,
        CaseWorkflow.supervise,
        SupervisionDecision(DISCIPLINE, "纪工委介入督办", new_due_at=now + timedelta(days=1)),
    )
    assert (s.overdue, s.supervision_level) == (False, 2)
    assert [d.kind for d in running(s)] == [DeadlineKind.SUPERVISION]
    s = await submit_all(h)
    assert s.stage == Stage.RATE and s.ever_overdue
    model = await projected(h, engine)
    assert model.actions == [
        "registered",
        "triage",
        "report_up",
        "sign",
        "dispatch",
        "accept",
        "accept",
        "overdue",
        "supervise",
        "overdue",
        "supervise",
        "submit_result",
        "submit_result",
    ]
    await keep_history(h, "overdue_supervision")


async def test_escalate_before_the_deadline(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    s = await to_handle(h)
    [completion] = running(s)
    s = await decided(h, CaseWorkflow.escalate, Escalation(ZHUJIAN, "需住建、城管联合处置，请领导协调"))
    assert (s.escalated, s.overdue, s.supervision_level) == (True, False, 0)
    assert running(s) == [completion]
    model = await projected(h, engine)
    assert ("st-dongcheng", "leader", "supervise") in model.tasks() and model.case.escalated
    assert [i.escalated for i in model.inbox] == [True, True]

    now = await time_env.get_current_time()
    s = await decided(
        h,
        CaseWorkflow.supervise,
        SupervisionDecision(SUPERVISION, "督查室协调联合处置", new_due_at=now + timedelta(days=5)),
    )
    assert (s.escalated, s.supervised, s.supervision_level) == (False, True, 0)
    [supervision] = running(s)
    assert supervision.kind == DeadlineKind.SUPERVISION and supervision.org_id == "dp-zhujian"
    assert deadlines(s, DeadlineKind.COMPLETION)[0].state == DeadlineState.CANCELLED
    assert "部门办结时限·即将超期" in await cancelled_timers(h)
    model = await projected(h, engine)
    assert model.tasks() == {("dp-zhujian", "department", "submit_result")}
    assert (model.case.escalated, model.case.due_at) == (False, supervision.due_at)


async def test_street_escalates_before_dispatch(client, task_queue, engine):
    h = await start_case(client, task_queue)
    await report(h)
    await h.execute_update(CaseWorkflow.sign, SignDecision(STREET))
    s = await decided(h, CaseWorkflow.escalate, Escalation(STREET, "涉及多个部门，请领导定牵头单位"))
    assert s.escalated and s.stage == Stage.DISPATCH
    assert ("st-dongcheng", "leader", "supervise") in (await projected(h, engine)).tasks()


async def test_leader_takes_charge(client, task_queue, engine):
    h = await start_case(client, task_queue)
    await report(h)
    s = await decided(h, CaseWorkflow.take_charge, TakeCharge(LEADER, "本人包案"))
    assert s.leader_in_charge == "leader-wang" and s.stage == Stage.SIGN
    assert (await last_entry(h)).note == "本人包案" and not (await last_entry(h)).public
    assert (await projected(h, engine)).case.leader_in_charge == "leader-wang"
    await dispatch(h)
    s = await accept_all(h)
    assert s.leader_in_charge == "leader-wang"


async def test_drill_policy_goes_overdue_in_seconds(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue, registration("drill"))
    await report(h)
    s = await dispatch(h)
    completion = deadlines(s, DeadlineKind.COMPLETION)[0]
    assert completion.due_at == completion.started_at + timedelta(seconds=20)
    assert completion.warn_at == completion.started_at + timedelta(seconds=16)
    await accept_all(h)
    await time_env.sleep(timedelta(seconds=25))
    s = await snapshot(h)
    assert (s.overdue, s.supervision_level) == (True, 1)
    assert deadlines(s, DeadlineKind.COMPLETION)[0].state == DeadlineState.OVERDUE
    assert [e.action for e in s.timeline][-2:] == ["warning", "overdue"]
    model = await projected(h, engine)
    assert ("st-dongcheng", "leader", "supervise") in model.tasks() and model.case.overdue
