"""Deadline arithmetic on the official calendar.

Holiday dates below were checked against chinese-calendar 1.11.0 (the State Council notices for
2025 and 2026). 2027 is not published in that package; the 2027 schedule here is a test fixture.
"""

import pickle
from datetime import UTC, date, datetime, time

import pytest

from workdays import (
    SHANGHAI,
    CalendarUnavailable,
    WorkCalendar,
    YearSchedule,
    add_calendar_days,
    add_working_days,
    parse_schedule,
)

CUTOFF = time(17, 0)


def at(day: str, clock: str = "10:00") -> datetime:
    """A moment in Asia/Shanghai."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


def due(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=SHANGHAI)


# TEST FIXTURE, not the official 2027 schedule (unpublished when this was written).
TEST_SCHEDULE_2027 = """
# 2027 test fixture
2027-01-01 休 元旦
2027-02-06..2027-02-13 休 春节
2027-02-20 班 春节
"""


# --- working days across official holidays -------------------------------------------------


def test_spring_festival_2026_with_adjusted_saturdays():
    # 2026-02-15 (Sun) .. 02-23 (Mon) off; Sat 02-14 and Sat 02-28 are working days.
    assert add_working_days(at("2026-02-13"), 1) == due("2026-02-14")
    assert add_working_days(at("2026-02-13"), 2) == due("2026-02-24")
    assert add_working_days(at("2026-02-12"), 5) == due("2026-02-26")
    assert add_working_days(at("2026-02-27"), 1) == due("2026-02-28")


def test_national_day_2025_with_adjusted_weekends():
    # 2025-10-01 .. 10-08 off; Sun 09-28 and Sat 10-11 are working days.
    assert add_working_days(at("2025-09-26"), 1) == due("2025-09-28")
    assert add_working_days(at("2025-09-26"), 4) == due("2025-10-09")
    assert add_working_days(at("2025-09-26"), 6) == due("2025-10-11")
    assert add_working_days(at("2025-09-26"), 7) == due("2025-10-13")


def test_national_day_2026_with_adjusted_weekends():
    # Mid-autumn 2026-09-25 .. 09-27 and National Day 10-01 .. 10-07 off; Sun 09-20 and Sat 10-10 work.
    assert add_working_days(at("2026-09-18"), 1) == due("2026-09-20")
    assert add_working_days(at("2026-09-24"), 1) == due("2026-09-28")
    assert add_working_days(at("2026-09-30"), 1) == due("2026-10-08")
    assert add_working_days(at("2026-09-30"), 3) == due("2026-10-10")


def test_receipt_on_a_holiday():
    holiday = at("2025-10-03", "11:00")
    assert add_working_days(holiday, 0) == due("2025-10-09")
    assert add_working_days(holiday, 1) == due("2025-10-09")
    # With office hours, the receipt itself moves to 10-09, and the first working day after it is 10-10.
    assert add_working_days(holiday, 0, cutoff=CUTOFF) == due("2025-10-09")
    assert add_working_days(holiday, 1, cutoff=CUTOFF) == due("2025-10-10")


def test_same_day_on_a_working_day():
    assert add_working_days(at("2026-03-05", "16:00"), 0) == due("2026-03-05")
    assert add_working_days(at("2026-03-05", "18:00"), 0, cutoff=CUTOFF) == due("2026-03-06")


def test_cutoff():
    # Thursday 2026-03-05, no holidays that week.
    assert add_working_days(at("2026-03-05", "16:59"), 1, cutoff=CUTOFF) == due("2026-03-06")
    assert add_working_days(at("2026-03-05", "17:00"), 1, cutoff=CUTOFF) == due("2026-03-09")
    # Friday evening counts as received Monday.
    assert add_working_days(at("2026-03-06", "18:00"), 1, cutoff=CUTOFF) == due("2026-03-10")
    assert add_working_days(at("2026-03-06", "18:00"), 1) == due("2026-03-09")


def test_result_is_end_of_day_in_shanghai():
    result = add_working_days(at("2026-03-05"), 1)
    assert result.tzinfo is SHANGHAI
    assert result == datetime(2026, 3, 6, 15, 59, 59, tzinfo=UTC)


def test_utc_input_already_next_day_in_shanghai():
    # 16:30 UTC on Thursday is 00:30 on Friday in Shanghai.
    received = datetime(2026, 3, 5, 16, 30, tzinfo=UTC)
    assert add_working_days(received, 1) == due("2026-03-09")
    assert add_calendar_days(received, 1) == due("2026-03-09")
    # 08:59 UTC is 16:59 in Shanghai (before the cutoff), 09:00 UTC is 17:00 (at it).
    assert add_working_days(datetime(2026, 3, 5, 8, 59, tzinfo=UTC), 1, cutoff=CUTOFF) == due("2026-03-06")
    assert add_working_days(datetime(2026, 3, 5, 9, 0, tzinfo=UTC), 1, cutoff=CUTOFF) == due("2026-03-09")


def test_naive_and_negative_inputs_rejected():
    naive = datetime(2026, 3, 5, 10, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_calendar_days(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        WorkCalendar().working_days_between(at("2026-03-05"), naive)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(at("2026-03-05"), -1)
    with pytest.raises(ValueError, match="negative"):
        add_calendar_days(at("2026-03-05"), -1)


# --- calendar days (民法典 Art. 201/203) -------------------------------------------------------


def test_calendar_days_moves_off_rest_days():
    assert add_calendar_days(at("2026-09-24"), 7) == due("2026-10-08")  # lands on National Day
    assert add_calendar_days(at("2026-03-02"), 5) == due("2026-03-09")  # lands on a Saturday
    assert add_calendar_days(at("2025-09-21"), 7) == due("2025-09-28")  # adjusted working Sunday stays
    assert add_calendar_days(at("2026-03-02"), 3) == due("2026-03-05")
    assert add_calendar_days(at("2026-03-07"), 0) == due("2026-03-09")
    assert add_calendar_days(at("2026-03-05"), 0) == due("2026-03-05")


def test_calendar_days_across_new_year():
    # 2026-01-01 .. 01-03 off, Sunday 01-04 is a working day.
    assert add_calendar_days(at("2025-12-25"), 7) == due("2026-01-04")
    assert add_calendar_days(at("2025-12-20"), 15) == due("2026-01-04")
    assert add_calendar_days(at("2025-12-25"), 6) == due("2025-12-31")


# --- unpublished years -------------------------------------------------------------------------


def test_span_into_unpublished_year_raises():
    with pytest.raises(CalendarUnavailable) as raised:
        add_working_days(at("2026-12-28"), 10)
    assert raised.value.year == 2027
    assert "2027" in str(raised.value)
    with pytest.raises(CalendarUnavailable):
        add_calendar_days(at("2026-12-25"), 7)
    with pytest.raises(CalendarUnavailable):
        WorkCalendar().is_working_day(date(2003, 12, 31))
    # A span that stays inside 2026 never looks at 2027.
    assert add_working_days(at("2026-12-28"), 3) == due("2026-12-31")


def test_calendar_unavailable_pickles():
    copy = pickle.loads(pickle.dumps(CalendarUnavailable(2027)))
    assert copy.year == 2027
    assert str(copy) == str(CalendarUnavailable(2027))


def test_weekends_only_gives_provisional_date():
    provisional = WorkCalendar(weekends_only=True)
    # 12-29, 12-30, 12-31, then Mon-Fri of 2027 (01-01 counts: no holiday is guessed).
    assert provisional.add_working_days(at("2026-12-28"), 10) == due("2027-01-11")
    assert provisional.add_calendar_days(at("2026-12-25"), 7) == due("2027-01-01")
    # Published years keep their official holidays in provisional mode.
    assert provisional.add_working_days(at("2026-09-30"), 1) == due("2026-10-08")
    assert not provisional.is_published(2027)


def test_loaded_schedule_for_next_year():
    calendar = WorkCalendar([parse_schedule(2027, TEST_SCHEDULE_2027)])
    assert calendar.is_published(2027)
    assert calendar.is_published(2026)
    assert not WorkCalendar().is_published(2027)
    assert calendar.add_working_days(at("2026-12-28"), 10) == due("2027-01-12")
    assert calendar.add_calendar_days(at("2026-12-25"), 7) == due("2027-01-04")
    assert calendar.add_working_days(at("2027-02-05"), 1) == due("2027-02-15")
    assert calendar.add_working_days(at("2027-02-19"), 1) == due("2027-02-20")


def test_loaded_schedule_overrides_package():
    # TEST FIXTURE: a made-up correction to 2026; it replaces the package's whole year.
    calendar = WorkCalendar([parse_schedule(2026, "2026-03-06 休 test\n2026-03-07 班 test\n")])
    assert not calendar.is_working_day(date(2026, 3, 6))
    assert calendar.is_working_day(date(2026, 3, 7))
    assert calendar.is_working_day(date(2026, 10, 1))
    assert calendar.add_working_days(at("2026-03-05"), 1) == due("2026-03-07")
    # Other years still come from the package.
    assert not calendar.is_working_day(date(2025, 10, 1))


def test_duplicate_year_schedules_rejected():
    schedule = parse_schedule(2027, TEST_SCHEDULE_2027)
    with pytest.raises(ValueError, match="2027"):
        WorkCalendar([schedule, schedule])


def test_is_working_day_takes_a_date():
    with pytest.raises(TypeError):
        WorkCalendar().is_working_day(at("2026-03-05"))


# --- working_days_between ----------------------------------------------------------------------


def test_working_days_between():
    calendar = WorkCalendar()
    assert calendar.working_days_between(at("2026-02-13"), at("2026-02-24", "09:00")) == 2
    assert calendar.working_days_between(at("2025-09-30"), at("2025-10-09")) == 1
    assert calendar.working_days_between(at("2026-03-05", "08:00"), at("2026-03-05", "18:00")) == 0
    assert calendar.working_days_between(at("2026-03-09"), at("2026-03-05")) == 0
    # Dates are taken in Shanghai: 16:30 UTC on 03-05 is Friday 03-06.
    assert calendar.working_days_between(at("2026-03-05"), datetime(2026, 3, 5, 16, 30, tzinfo=UTC)) == 1
    for n in (1, 5, 20):
        start = at("2026-09-15")
        assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n
    with pytest.raises(CalendarUnavailable):
        calendar.working_days_between(at("2026-12-28"), at("2027-01-05"))


# --- parse_schedule ------------------------------------------------------------------------------


def test_parse_schedule():
    text = """
    # 2026 excerpt
    2026-01-01..2026-01-03 休 元旦
    2026-01-04 班 元旦

    2026-10-01 holiday National Day
    2026-10-10 WORK
    2026-10-03 rest
    """
    schedule = parse_schedule(2026, text)
    assert schedule == YearSchedule(
        year=2026,
        holidays=frozenset(
            {date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 10, 1), date(2026, 10, 3)}
        ),
        workdays=frozenset({date(2026, 1, 4), date(2026, 10, 10)}),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-01-01 休\n2027-02-30 休", r"line 2: bad date"),
        ("2027-01-01 休\n\n2027/02/03 休", r"line 3: .*is not a date"),
        ("2026-12-31 休", r"line 1: 2026-12-31 is not in 2027"),
        ("2027-02-06..2028-01-01 休", r"line 1: .* is not in 2027"),
        ("2027-02-13..2027-02-06 休", r"line 1: range .* ends before it starts"),
        ("# header\n2027-01-01 放", r"line 2: unknown kind '放'"),
        ("2027-01-01", r"line 1: expected"),
        ("2027-02-06 休\n2027-02-06 班", r"line 2: 2027-02-06 is already a rest day on line 1"),
        ("2027-02-06..2027-02-07 班\n2027-02-07 休", r"line 2: 2027-02-07 is already a working day"),
        ("2027-02-22 班", r"line 1: 2027-02-22 is a weekday"),
        ("2027-02-19..2027-02-20 班", r"line 1: 2027-02-19 is a weekday"),
    ],
)
def test_parse_schedule_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_schedule(2027, text)


def test_parse_schedule_allows_rest_on_weekend():
    schedule = parse_schedule(2027, "2027-02-06 休 春节")  # a Saturday
    assert schedule.holidays == frozenset({date(2027, 2, 6)})
    assert schedule.workdays == frozenset()


def test_parse_schedule_empty_is_an_error():
    with pytest.raises(ValueError, match="lists no dates"):
        parse_schedule(2027, "")
    with pytest.raises(ValueError, match="lists no dates"):
        parse_schedule(2027, "# nothing yet\n\n")


def test_year_schedule_rejects_inconsistent_dates():
    with pytest.raises(ValueError, match="another year"):
        YearSchedule(year=2027, holidays=frozenset({date(2026, 1, 1)}), workdays=frozenset())
    with pytest.raises(ValueError, match="both"):
        same = frozenset({date(2027, 2, 6)})
        YearSchedule(year=2027, holidays=same, workdays=same)
