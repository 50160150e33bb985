"""The deadline activity: warning points per unit, explicit deadlines, and the provisional fallback for
a year whose official calendar is not published (then picked up as soon as an admin loads it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import ActivityEnvironment

from activities.deadlines import DeadlineActivities, compute_deadline
from store.schedules import save_schedule
from workdays import SHANGHAI, WorkCalendar, parse_schedule
from workflows.types import DeadlineKind, DeadlineRequest, Span, SpanUnit

WD, CD, SEC = SpanUnit.WORKING_DAYS, SpanUnit.CALENDAR_DAYS, SpanUnit.SECONDS
CALENDAR = WorkCalendar()

# TEST FIXTURE, not the official 2027 schedule (unpublished when this was written).
SCHEDULE_2027 = """
2027-01-01 休 元旦
2027-01-04..2027-01-05 休 test
"""


def at(day: str, clock: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


def end(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=SHANGHAI)


def request(start: datetime, amount: int, unit: SpanUnit, cutoff_hour: int | None = 17) -> DeadlineRequest:
    return DeadlineRequest(DeadlineKind.COMPLETION, start, Span(amount, unit), cutoff_hour=cutoff_hour)


@pytest.mark.parametrize(
    ("start", "amount", "warn", "due"),
    [
        # Thursday + 3 working days: due Tuesday; the warning starts when Monday (the 2nd) ends.
        (at("2026-03-05"), 3, end("2026-03-09") + timedelta(seconds=1), end("2026-03-10")),
        # 1 working day: the warning starts with the due day itself.
        (at("2026-03-05"), 1, at("2026-03-06", "00:00"), end("2026-03-06")),
        # Across National Day 2026 (10-01..10-07 off, Saturday 10-10 a working day).
        (at("2026-09-30"), 3, end("2026-10-09") + timedelta(seconds=1), end("2026-10-10")),
        # After the 17:00 cutoff: received the next working day.
        (at("2026-03-05", "17:30"), 1, at("2026-03-07", "00:00"), end("2026-03-09")),
        # Same day: warning at noon of the due day; received after noon, when four fifths of the
        # time left are gone (15:00 → 23:59:59 is 8h59m59s, a fifth before is 1h48m, to the second).
        (at("2026-03-05", "09:00"), 0, at("2026-03-05", "12:00"), end("2026-03-05")),
        (at("2026-03-05", "12:00"), 0, at("2026-03-05", "21:35:59"), end("2026-03-05")),
        (at("2026-03-05", "15:00"), 0, at("2026-03-05", "22:11:59"), end("2026-03-05")),
        (at("2026-03-07", "09:00"), 0, at("2026-03-09", "12:00"), end("2026-03-09")),
    ],
)
def test_working_days(start, amount, warn, due):
    result = compute_deadline(CALENDAR, request(start, amount, WD))
    assert (result.warn_at, result.due_at, result.provisional) == (warn, due, False)


def test_working_days_from_a_rest_day_without_cutoff_warns_before_it_is_due():
    """An extension counted on from a leader-set deadline on a Saturday: 1 working day is Monday, and
    the warning comes with Monday, not after the deadline."""
    result = compute_deadline(CALENDAR, request(at("2026-12-05"), 1, WD, cutoff_hour=None))
    assert result.due_at == end("2026-12-07")
    assert result.warn_at == at("2026-12-07", "00:00")


@pytest.mark.parametrize(
    ("start", "amount", "warn", "due"),
    [
        # 7 days: a fifth is 1.4, so the warning comes 2 days before.
        (at("2026-03-02"), 7, end("2026-03-07"), end("2026-03-09")),
        # 60 days: 12 days before; 2026-05-01 is Labour Day, moved to 05-06 (05-01..05-05 off).
        (at("2026-03-02"), 60, end("2026-04-24"), end("2026-05-06")),
        # 1 day: at least a day before; never at the start (then four fifths of the time left).
        (at("2026-03-05"), 1, end("2026-03-05"), end("2026-03-06")),
        (at("2026-03-05"), 0, at("2026-03-05", "21:11:59"), end("2026-03-05")),
    ],
)
def test_calendar_days(start, amount, warn, due):
    result = compute_deadline(CALENDAR, request(start, amount, CD))
    assert (result.warn_at, result.due_at) == (warn, due)


def test_seconds_warn_at_eighty_percent():
    start = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
    result = compute_deadline(CALENDAR, request(start, 20, SEC, cutoff_hour=None))
    assert (result.warn_at, result.due_at) == (start + timedelta(seconds=16), start + timedelta(seconds=20))


@pytest.mark.parametrize(
    ("left", "before"),
    [
        (timedelta(days=10), timedelta(days=1)),  # at most a day before
        (timedelta(hours=10), timedelta(hours=2)),  # 80 % of the time left
    ],
)
def test_explicit_deadline_keeps_its_date(left, before):
    start = at("2026-12-05")  # a Saturday: a leader's deadline is a moment, not a working day
    result = compute_deadline(CALENDAR, DeadlineRequest(DeadlineKind.SUPERVISION, start, due_at=start + left))
    assert (result.due_at, result.warn_at, result.provisional) == (start + left, start + left - before, False)


def test_a_request_needs_a_span_or_a_date():
    with pytest.raises(ValueError, match="span or an explicit due_at"):
        compute_deadline(CALENDAR, DeadlineRequest(DeadlineKind.COMPLETION, at("2026-03-05")))


async def test_provisional_into_an_unpublished_year_then_the_loaded_schedule(engine: Engine):
    if CALENDAR.is_published(2027):
        pytest.skip("chinese-calendar now knows 2027: pick the first unpublished year")
    activities = DeadlineActivities(engine)
    env = ActivityEnvironment()
    into_2027 = request(at("2026-12-28"), 10, WD)
    provisional = await env.run(activities.compute_deadline, into_2027)
    # Weekends only for 2027 (01-01 counts: a holiday is never guessed), official holidays for 2026.
    assert (provisional.due_at, provisional.provisional) == (end("2027-01-11"), True)
    assert provisional.warn_at == end("2027-01-08") + timedelta(seconds=1)
    # Within a published year nothing is provisional.
    assert not (await env.run(activities.compute_deadline, request(at("2026-12-21"), 5, WD))).provisional

    # An admin loads 2027: the same activity instance picks it up (no restart), no longer provisional.
    save_schedule(engine, parse_schedule(2027, SCHEDULE_2027), source_text=SCHEDULE_2027, loaded_by="admin")
    official = await env.run(activities.compute_deadline, into_2027)
    assert (official.due_at, official.provisional) == (end("2027-01-14"), False)

    # A corrected notice replaces the year; the change is seen at once as well.
    save_schedule(engine, parse_schedule(2027, "2027-01-01 休 元旦"), source_text="", loaded_by="admin")
    assert (await env.run(activities.compute_deadline, into_2027)).due_at == end("2027-01-12")


def test_calendar_days_into_an_unpublished_year(engine: Engine):
    if CALENDAR.is_published(2027):
        pytest.skip("chinese-calendar now knows 2027")
    result = DeadlineActivities(engine).compute(request(at("2026-11-23"), 60, CD))
    # 2027-01-22 is a Friday: weekends-only keeps it.
    assert (result.due_at, result.provisional) == (end("2027-01-22"), True)
