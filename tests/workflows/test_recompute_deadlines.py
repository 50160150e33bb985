"""Provisional deadlines: a span into a year whose official calendar is not published is counted on
weekends only and flagged; once an admin loads that year's schedule, `recompute_deadlines` gives the
running case its official dates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store.schedules import save_schedule
from tests.utils.cases import (
    ADMIN,
    assert_due,
    cancelled_timers,
    deadlines,
    decided,
    dispatch,
    expected_calendar_days,
    keep_history,
    last_entry,
    projected,
    registration,
    report,
    running,
    start_case,
)
from workdays import SHANGHAI, WorkCalendar, YearSchedule
from workflows.case import CaseWorkflow
from workflows.types import DeadlineKind, DeadlineState, RecomputeDeadlines


async def test_deadline_into_2027_is_provisional_until_the_schedule_is_loaded(client, task_queue, engine):
    if WorkCalendar().is_published(2027):
        pytest.skip("chinese-calendar now knows 2027: pick the first unpublished year")
    # 《信访工作条例》: 60 days to handle, so a case dispatched from November on runs into 2027.
    h = await start_case(client, task_queue, registration("xinfang-2022"))
    await report(h)
    s = await dispatch(h)
    completion = deadlines(s, DeadlineKind.COMPLETION)[0]
    assert completion.due_at.year == 2027 and completion.provisional
    assert_due(completion, expected_calendar_days(completion.started_at, 60))
    model = await projected(h, engine)
    assert (model.case.provisional, model.case.due_at) == (True, completion.due_at)
    assert all(i.provisional for i in model.inbox)

    # The State Council's notice, as an admin loads it: here it makes the provisional due day (and the
    # day after) rest days, so the official deadline must move.
    due_day = completion.due_at.astimezone(SHANGHAI).date()
    schedule = YearSchedule(
        2027, holidays=frozenset({due_day, due_day + timedelta(days=1)}), workdays=frozenset()
    )
    save_schedule(engine, schedule, source_text="test fixture", loaded_by="admin")
    provisional = [d for d in running(s) if d.provisional]  # the response clock too, late in December
    s = await decided(h, CaseWorkflow.recompute_deadlines, RecomputeDeadlines(ADMIN))

    recomputed = deadlines(s, DeadlineKind.COMPLETION)[0]
    official = WorkCalendar([schedule]).add_calendar_days(completion.started_at, 60)
    assert official > completion.due_at
    assert (recomputed.id, recomputed.due_at, recomputed.provisional) == (completion.id, official, False)
    assert recomputed.state == DeadlineState.RUNNING and recomputed.closed_at is None
    assert (await last_entry(h)).action == "deadlines_recomputed"
    assert (await last_entry(h)).note == f"按新发布的节假日安排重算 {len(provisional)} 个临时时限"
    assert "部门办结时限·即将超期" in await cancelled_timers(h)  # the old timer gives way to the new one
    model = await projected(h, engine)
    assert (model.case.provisional, model.case.due_at) == (False, official)
    assert not any(i.provisional for i in model.inbox)
    await keep_history(h, "recompute_2027")
