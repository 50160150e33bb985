"""The statutory petition path (信访) through the workflow on the time-skipping server: every clock
against the official calendar, and every path from the letter on the desk to its end."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from store.petitions import Petition, PetitionDocumentRow, PetitionTask
from store.schedules import save_schedule
from tests.utils.cases import (
    ADMIN,
    assert_due,
    expected_calendar_days,
    expected_working_days,
    keep_history,
    sleep_until,
)
from tests.utils.petitions import (
    BUREAU_HEAD,
    CLERK,
    OTHER_HEAD,
    RECHECKER,
    REVIEWER,
    UNIT,
    UNIT_HEAD,
    act,
    answer,
    completed,
    delivered,
    petition,
    review_opinion,
    review_request,
    start_petition,
    state,
    to_handling,
)
from workdays import SHANGHAI, WorkCalendar, YearSchedule
from workflows.petition.policy import petition_policy
from workflows.petition.types import (
    DeclineGround,
    DocumentKind,
    HearingEnd,
    HearingStart,
    MatterType,
    ObjectionDecision,
    PetitionChannel,
    PetitionDecline,
    Petitioner,
    PetitionExtensionDecision,
    PetitionExtensionRequest,
    PetitionMerge,
    PetitionObjection,
    PetitionOutcome,
    PetitionPress,
    PetitionReferral,
    PetitionStage,
    PetitionTransfer,
    ReferralChannel,
    ReviewOutcome,
)
from workflows.petition.workflow import PetitionWorkflow
from workflows.types import DeadlineKind as K
from workflows.types import DeadlineState, RecomputeDeadlines


def clock(s, kind):  # type: ignore[no-untyped-def]
    return [d for d in s.deadlines if d.kind == kind][-1]


async def test_letter_to_conclusion_through_review_recheck_and_a_hearing(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    handle = await start_petition(client, task_queue)
    s = await state(handle)
    assert s.stage == PetitionStage.REGISTERED
    assert s.registration.received_at is not None
    # 15 calendar days from receipt, the receipt day not counted, a rest day moving to the next working day.
    assert_due(clock(s, K.PETITION_INTAKE), expected_calendar_days(s.registration.received_at, 15))

    s = await to_handling(handle)
    assert s.stage == PetitionStage.HANDLING and s.handling_org_id == "dp-zhujian"
    assert clock(s, K.PETITION_INTAKE).state == DeadlineState.MET
    assert clock(s, K.UNIT_OBJECTION).state == DeadlineState.CANCELLED
    assert s.accepted_at is not None
    # The 60 days count from 受理, not from the transfer or the receipt.
    handling = clock(s, K.HANDLING)
    assert_due(handling, expected_calendar_days(s.accepted_at, 60))
    assert [d.kind for d in s.documents] == [DocumentKind.TRANSFER, DocumentKind.ACCEPTANCE]
    assert s.documents[0].number.startswith("和信转〔") and s.documents[1].number.endswith("号")

    # One extension of at most 30 days, approved by the unit's own head, its reason told publicly.
    s = await act(
        handle, "xf_request_extension", PetitionExtensionRequest(UNIT, days=20, reason="需委托第三方评估")
    )
    s = await act(handle, "xf_decide_extension", PetitionExtensionDecision(UNIT_HEAD, approve=True))
    extended = clock(s, K.HANDLING)
    assert extended.id != handling.id and extended.label == "延期后办理期限"
    assert extended.due_at.date() >= (handling.due_at + timedelta(days=20)).date()
    assert s.documents[-1].kind == DocumentKind.EXTENSION and s.documents[-1].body == "需委托第三方评估"
    assert s.timeline[-1].public

    s = await act(handle, "xf_answer", answer())
    assert s.stage == PetitionStage.DELIVERY
    received = await time_env.get_current_time() + timedelta(hours=1)
    await sleep_until(time_env, received + timedelta(minutes=1))
    s = await delivered(handle, received)
    assert s.stage == PetitionStage.REVIEW_WINDOW
    # The 复查 window counts from the day the petitioner received the answer.
    assert_due(clock(s, K.REVIEW_REQUEST), expected_calendar_days(received, 30))

    s = await act(handle, "xf_request_review", review_request("hj"))
    assert s.stage == PetitionStage.REVIEW and s.review_org_id == "hj"
    s = await act(handle, "xf_decide_review", review_opinion(REVIEWER, ReviewOutcome.UPHELD))
    now = await time_env.get_current_time()
    s = await delivered(handle, now, by=REVIEWER)
    assert s.stage == PetitionStage.RECHECK_WINDOW

    s = await act(handle, "xf_request_recheck", review_request("city"))
    assert s.stage == PetitionStage.RECHECK and s.recheck_org_id == "city"
    before = clock(s, K.RECHECK_DECISION)
    s = await act(handle, "xf_start_hearing", HearingStart(RECHECKER, note="召开听证会"))
    assert clock(s, K.RECHECK_DECISION).state == DeadlineState.CANCELLED
    # The hearing takes 3 days, which do not count toward the 30.
    await sleep_until(time_env, await time_env.get_current_time() + timedelta(days=2, hours=20))
    s = await act(handle, "xf_end_hearing", HearingEnd(RECHECKER, summary="听证会听取了各方意见"))
    after = clock(s, K.RECHECK_DECISION)
    assert after.due_at == before.due_at + timedelta(days=3) and s.hearing_days == 3
    assert not s.overdue

    s = await act(handle, "xf_decide_recheck", review_opinion(RECHECKER))
    s = await delivered(handle, await time_env.get_current_time(), by=RECHECKER)
    assert s.stage == PetitionStage.CLOSED and s.outcome == PetitionOutcome.CONCLUDED
    assert [d.kind for d in s.documents][-3:] == [
        DocumentKind.OPINION,
        DocumentKind.REVIEW,
        DocumentKind.RECHECK,
    ]
    assert all(d.delivered_at for d in s.documents)
    final = await completed(handle)
    assert final.version == s.version
    await keep_history(handle, "petition_conclusion")

    with Session(engine) as session:
        row = session.get(Petition, s.code)
        assert row is not None and row.stage == PetitionStage.CLOSED and row.outcome == "concluded"
        docs = session.exec(
            select(PetitionDocumentRow).where(PetitionDocumentRow.petition_code == s.code)
        ).all()
        assert len(docs) == len(s.documents) == 6 and len({d.number for d in docs}) == 6
        assert not session.exec(select(PetitionTask).where(PetitionTask.petition_code == s.code)).all()


async def test_objection_agreed_restarts_the_bureau_clock_and_a_refused_one_keeps_the_units(
    time_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    handle = await start_petition(client, task_queue)
    s = await act(handle, "xf_transfer", PetitionTransfer(CLERK, org_id="dp-zhujian"))
    accept_clock = clock(s, K.UNIT_ACCEPT)
    # 5 working days to object, from the unit's receipt.
    assert_due(clock(s, K.UNIT_OBJECTION), expected_working_days(s.transferred_at, 5, cutoff=None))
    s = await act(
        handle,
        "xf_object",
        PetitionObjection(UNIT, reason="属于区城管局职责", suggested_org_id="dp-chengguan"),
    )
    assert s.stage == PetitionStage.OBJECTION and s.holder_role.value == "petition_head"
    s = await act(
        handle, "xf_decide_objection", ObjectionDecision(BUREAU_HEAD, agree=False, note="职责清楚，请受理")
    )
    assert s.stage == PetitionStage.UNIT_ACCEPT and clock(s, K.UNIT_ACCEPT).id == accept_clock.id
    with pytest.raises(WorkflowUpdateFailedError):  # one objection window, now used
        await act(handle, "xf_object", PetitionObjection(UNIT, reason="再次异议"))

    other = await start_petition(client, task_queue)
    await act(other, "xf_transfer", PetitionTransfer(CLERK, org_id="dp-zhujian"))
    await act(other, "xf_object", PetitionObjection(UNIT, reason="属于区城管局职责"))
    await sleep_until(time_env, await time_env.get_current_time() + timedelta(days=3))
    s = await act(other, "xf_decide_objection", ObjectionDecision(BUREAU_HEAD, agree=True))
    assert s.stage == PetitionStage.REGISTERED and s.handling_org_id == ""
    restarted = clock(s, K.PETITION_INTAKE)
    assert restarted.label == "重新转送期限"
    assert_due(restarted, expected_calendar_days(restarted.started_at, 15))
    assert not s.overdue
    await keep_history(handle, "petition_objection_refused")


async def test_an_extension_needs_the_units_own_head_and_is_granted_once(
    time_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    handle = await start_petition(client, task_queue)
    await to_handling(handle)
    with pytest.raises(WorkflowUpdateFailedError):  # at most 30 days
        await act(handle, "xf_request_extension", PetitionExtensionRequest(UNIT, days=31, reason="太复杂"))
    await act(handle, "xf_request_extension", PetitionExtensionRequest(UNIT, days=10, reason="需要现场勘验"))
    for wrong in (OTHER_HEAD, BUREAU_HEAD, UNIT):
        with pytest.raises(WorkflowUpdateFailedError):
            await act(handle, "xf_decide_extension", PetitionExtensionDecision(wrong, approve=True))
    s = await act(handle, "xf_decide_extension", PetitionExtensionDecision(UNIT_HEAD, approve=True))
    assert s.extensions_granted == 1
    with pytest.raises(WorkflowUpdateFailedError):
        await act(handle, "xf_request_extension", PetitionExtensionRequest(UNIT, days=5, reason="再延"))


async def test_late_intake_is_overdue_and_pressed_and_an_unasked_review_makes_the_answer_final(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    handle = await start_petition(client, task_queue)
    s = await state(handle)
    await sleep_until(time_env, clock(s, K.PETITION_INTAKE).due_at + timedelta(seconds=1))
    s = await state(handle)
    assert s.overdue and s.ever_overdue and s.timeline[-1].action == "overdue"
    with Session(engine) as session:
        tasks = {
            (t.org_id, t.role, t.task)
            for t in session.exec(select(PetitionTask).where(PetitionTask.petition_code == s.code))
        }
    assert ("xf-bureau", "petition_head", "xf_press") in tasks
    s = await act(handle, "xf_press", PetitionPress(BUREAU_HEAD, note="请立即转送"))
    assert s.presses == 1

    await to_handling(handle)
    await act(handle, "xf_answer", answer())
    s = await delivered(handle, await time_env.get_current_time())
    await sleep_until(time_env, clock(s, K.REVIEW_REQUEST).due_at + timedelta(seconds=1))
    final = await completed(handle)
    assert final.stage == PetitionStage.CLOSED and final.outcome == PetitionOutcome.ANSWERED
    await keep_history(handle, "petition_overdue_then_final")


async def test_decline_refer_out_and_a_concluded_matter_answered_no_more(
    time_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    declined = await start_petition(client, task_queue)
    s = await act(
        declined,
        "xf_decline",
        PetitionDecline(CLERK, DeclineGround.NOT_A_PETITION, explanation="所提事项属于个人咨询"),
    )
    assert s.outcome == PetitionOutcome.DECLINED and s.documents[0].kind == DocumentKind.DECLINE

    referred = await start_petition(client, task_queue)
    s = await act(
        referred, "xf_refer_out",
        PetitionReferral(CLERK, ReferralChannel.LITIGATION, body="和静区人民法院", explanation="属于民事合同纠纷，请依法向人民法院起诉"),
    )  # fmt: skip
    assert s.outcome == PetitionOutcome.REFERRED and s.documents[0].referral_body == "和静区人民法院"

    fresh = await start_petition(client, task_queue)
    with pytest.raises(WorkflowUpdateFailedError):  # 不再受理 only for a repeat of a concluded matter
        await act(fresh, "xf_decline", PetitionDecline(CLERK, DeclineGround.CONCLUDED, explanation="已终结"))
    repeat = await start_petition(client, task_queue, petition(repeat_of="XF-2026-000001", first_time=False))
    s = await state(repeat)
    assert "已终结" in s.timeline[0].note
    s = await act(
        repeat,
        "xf_decline",
        PetitionDecline(CLERK, DeclineGround.CONCLUDED, explanation="该事项已于复核后终结，不再受理"),
    )
    assert s.outcome == PetitionOutcome.DECLINED and s.documents[0].detail == "concluded"


async def test_three_day_practice_and_handed_down_deadline_are_clocks_of_their_own(
    time_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    now = await time_env.get_current_time()
    policy = petition_policy(
        PetitionChannel.VISIT, MatterType.CLAIM, first_time=True, three_day_practice=True
    )
    assert "本地做法" in policy.name
    handle = await start_petition(
        client, task_queue,
        petition(channel=PetitionChannel.VISIT, policy=policy, handed_down_by="市信访局", handed_down_due=now + timedelta(days=20)),
    )  # fmt: skip
    s = await state(handle)
    assert_due(clock(s, K.THREE_DAY), expected_working_days(s.registration.received_at, 3, cutoff=None))
    assert clock(s, K.HANDED_DOWN).due_at == now + timedelta(days=20)
    # A matter handed down, or a repeat, never runs on the local practice; drills never outside drill mode.
    assert (
        petition_policy(
            PetitionChannel.HANDED_DOWN, MatterType.CLAIM, first_time=True, three_day_practice=True
        ).three_day
        is None
    )
    assert (
        petition_policy(
            PetitionChannel.VISIT, MatterType.CLAIM, first_time=False, three_day_practice=True
        ).three_day
        is None
    )
    s = await to_handling(handle)
    assert clock(s, K.THREE_DAY).state == DeadlineState.MET
    s = await act(handle, "xf_answer", answer())
    assert clock(s, K.HANDED_DOWN).state == DeadlineState.MET


async def test_a_clock_into_an_unpublished_year_is_provisional_until_its_calendar_is_loaded(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    if WorkCalendar().is_published(2027):
        pytest.skip("chinese-calendar now knows 2027: pick the first unpublished year")
    handle = await start_petition(client, task_queue)
    s = await to_handling(handle)
    handling = clock(s, K.HANDLING)
    assert handling.due_at.year == 2027 and handling.provisional  # 60 days from late November
    due_day = handling.due_at.astimezone(SHANGHAI).date()
    schedule = YearSchedule(
        2027, holidays=frozenset({due_day, due_day + timedelta(days=1)}), workdays=frozenset()
    )
    save_schedule(engine, schedule, source_text="test fixture", loaded_by="admin")
    with pytest.raises(WorkflowUpdateFailedError):  # admins only
        await handle.execute_update(PetitionWorkflow.recompute_deadlines, RecomputeDeadlines(UNIT))
    await handle.execute_update(PetitionWorkflow.recompute_deadlines, RecomputeDeadlines(ADMIN))
    s = await state(handle)
    official = clock(s, K.HANDLING)
    assert official.id == handling.id and not official.provisional
    assert official.due_at == WorkCalendar([schedule]).add_calendar_days(handling.started_at, 60)
    assert official.due_at > handling.due_at


async def test_calendar_days_skip_the_receipt_day_and_a_deadline_on_a_holiday_moves(
    time_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    """民法典 Art. 201/203 on the official calendar, checked against chinese-calendar itself: a letter
    received on 17 September 2026 has 15 days from the 18th, ending on 2 October, inside the National
    Day holiday, so the deadline is the end of the first working day after it."""
    received = datetime(2026, 9, 17, 10, 0, tzinfo=SHANGHAI)
    nominal = date(2026, 10, 2)
    assert (received.date() + timedelta(days=15)) == nominal and not chinese_calendar.is_workday(nominal)
    first_working = next(
        nominal + timedelta(days=i)
        for i in range(1, 30)
        if chinese_calendar.is_workday(nominal + timedelta(days=i))
    )
    handle = await start_petition(client, task_queue, petition(received_at=received))
    s = await state(handle)
    due = clock(s, K.PETITION_INTAKE).due_at.astimezone(SHANGHAI)
    assert (due.date(), due.time()) == (first_working, time(23, 59, 59)) and first_working == date(
        2026, 10, 8
    )
    # A receipt long past: the clock has already run out, and says so.
    assert s.overdue and clock(s, K.PETITION_INTAKE).state == DeadlineState.OVERDUE


async def test_a_group_petition_merged_into_another_closes_with_its_clocks_cancelled(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    """并案: the second letter on the matter is closed as merged into the first, which carries on; the
    merged petition keeps its own timeline, and no clock of it runs on (nor makes it overdue)."""
    first = await start_petition(client, task_queue)
    target = (await state(first)).code
    group = petition(
        people_count=8, representatives=["王建国", "刘秀英"], petitioner=Petitioner(
            name="王建国", phone="13900002222", address="东城街道清河社区", id_masked="110105********002X"
        ),
    )  # fmt: skip
    second = await start_petition(client, task_queue, group)
    s = await act(second, "xf_merge", PetitionMerge(CLERK, into=target, reason="反映同一事项，并案办理"))
    assert s.stage == PetitionStage.CLOSED and s.outcome == PetitionOutcome.MERGED
    assert s.merged_into == target and s.holder_org_ids == []
    assert all(d.closed_at is not None and d.state == DeadlineState.CANCELLED for d in s.deadlines)
    assert [e.action for e in s.timeline] == ["registered", "xf_merge"]
    assert s.timeline[-1].note == f"并入 {target}：反映同一事项，并案办理"
    final = await completed(second)
    assert final.outcome == PetitionOutcome.MERGED
    with Session(engine) as session:
        row = session.get(Petition, group.code)
        assert row is not None and row.merged_into == target and row.outcome == "merged"
        assert row.representatives == "王建国\n刘秀英" and row.petitioner_id_masked == "110105********002X"
        assert not session.exec(select(PetitionTask).where(PetitionTask.petition_code == group.code)).all()
    still = await state(first)
    assert still.stage == PetitionStage.REGISTERED and still.outcome is None  # the target carries on
    await keep_history(second, "petition_merged")
