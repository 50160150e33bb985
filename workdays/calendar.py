"""Deadline arithmetic on the official PRC working calendar (法定节假日与调休).

Pure functions, no I/O: the deadline activity calls them and records the result in history, so a
later calendar update never changes a running case on replay.

Business rules (DESIGN.md, "Deadlines"): inputs are timezone-aware moments, the rules apply in
Asia/Shanghai, and every deadline is 23:59:59 Asia/Shanghai of its due date. Holidays are rest days
and adjusted working weekends (调休上班) are working days, per the ``chinese-calendar`` package or a
``YearSchedule`` an admin loaded for that year, which wins. A year neither knows raises
``CalendarUnavailable`` (a holiday is never guessed); the caller may then compute a provisional
deadline with ``weekends_only=True``.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]

from workdays.schedules import YearSchedule

# Beijing time: every deadline, reporting period and displayed time is read in it. Defined here only.
SHANGHAI = ZoneInfo("Asia/Shanghai")
_END_OF_DAY = time(23, 59, 59)


class CalendarUnavailable(Exception):
    """A span needs a year whose official schedule (holidays and adjusted working days) is not published."""

    def __init__(self, year: int) -> None:
        # args stay (year,) so the exception pickles and re-raises with the same year.
        super().__init__(year)
        self.year = year

    def __str__(self) -> str:
        return (
            f"{self.year}年节假日安排尚未发布或未导入，无法计算期限"
            f" (the official holiday schedule for {self.year} is not published or not loaded)"
        )


class WorkCalendar:
    """Working days and deadlines on the official calendar.

    A ``YearSchedule`` loaded by an admin replaces the package's data for its whole year. A year that
    neither knows raises ``CalendarUnavailable``, unless ``weekends_only`` is set: then, for those
    years only, Monday to Friday are working days (provisional mode, shown to users as provisional;
    recomputed when the year's schedule is loaded). Years that are known keep their official holidays.
    """

    def __init__(self, schedules: Iterable[YearSchedule] = (), *, weekends_only: bool = False) -> None:
        self._schedules: dict[int, YearSchedule] = {}
        for schedule in schedules:
            if schedule.year in self._schedules:
                raise ValueError(f"two schedules given for {schedule.year}")
            self._schedules[schedule.year] = schedule
        self._weekends_only = weekends_only

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day; raises ``CalendarUnavailable`` for an unknown year."""
        if isinstance(day, datetime):
            raise TypeError("is_working_day takes a date; convert the moment to Asia/Shanghai first")
        schedule = self._schedules.get(day.year)
        if schedule is not None:
            return day in schedule.workdays or (day.weekday() < 5 and day not in schedule.holidays)
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if self._weekends_only:
                return day.weekday() < 5
            raise CalendarUnavailable(day.year) from None

    def is_published(self, year: int) -> bool:
        """Whether the official schedule of ``year`` is known (loaded by an admin or in the package)."""
        if year in self._schedules:
            return True
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    def add_working_days(self, start: datetime, n: int, *, cutoff: time | None = None) -> datetime:
        """Deadline of ``n`` working days for a case received at ``start``.

        The day of receipt never counts: the deadline is 23:59:59 Asia/Shanghai of the ``n``-th working
        day after it. ``n = 0`` ("same day") is the receipt day itself, or the next working day when
        the receipt day is not a working day. With ``cutoff`` (office hours end, policies use 17:00),
        a case received on a non-working day, or at or after the cutoff on a working day, counts as
        received on the next working day, and the rules above apply from that day.
        """
        local = _in_shanghai(start, "start")
        _check_count(n)
        receipt = local.date()
        if cutoff is not None:
            if cutoff.tzinfo is not None:
                raise ValueError("cutoff is a wall-clock time in Asia/Shanghai and must be naive")
            if not self.is_working_day(receipt) or local.time() >= cutoff:
                receipt = self._next_working_day(receipt)
        if n == 0:
            due = receipt if self.is_working_day(receipt) else self._next_working_day(receipt)
        else:
            due = receipt
            for _ in range(n):
                due = self._next_working_day(due)
        return _end_of(due)

    def add_calendar_days(self, start: datetime, n: int) -> datetime:
        """Deadline of ``n`` calendar days (the regulation's bare 日) for a case received at ``start``.

        民法典 Art. 201/203: the day of receipt is not counted, so the due date is the receipt date
        plus ``n`` days; a due date on a rest day moves to the next working day (an adjusted working
        weekend is a working day and does not move). ``n = 0`` is the receipt day, moved the same way.
        The deadline is 23:59:59 Asia/Shanghai of the due date.
        """
        local = _in_shanghai(start, "start")
        _check_count(n)
        due = local.date() + timedelta(days=n)
        if not self.is_working_day(due):
            due = self._next_working_day(due)
        return _end_of(due)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after ``start``'s day up to and including ``end``'s day (Asia/Shanghai dates).

        Dashboards use it for "working days to completion"; it is 0 when ``end`` falls on or before
        ``start``'s day. For ``n >= 1`` it inverts ``add_working_days`` (without cutoff).
        """
        first = _in_shanghai(start, "start").date()
        last = _in_shanghai(end, "end").date()
        count = 0
        day = first + timedelta(days=1)
        while day <= last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def _next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def add_working_days(start: datetime, n: int, *, cutoff: time | None = None) -> datetime:
    """``WorkCalendar.add_working_days`` on the package's official calendar (no admin schedules)."""
    return WorkCalendar().add_working_days(start, n, cutoff=cutoff)


def add_calendar_days(start: datetime, n: int) -> datetime:
    """``WorkCalendar.add_calendar_days`` on the package's official calendar (no admin schedules)."""
    return WorkCalendar().add_calendar_days(start, n)


def _in_shanghai(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware (got naive {moment.isoformat()}); "
            "deadlines are computed in Asia/Shanghai"
        )
    return moment.astimezone(SHANGHAI)


def _check_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"a deadline cannot be a negative number of days (got {n})")


def _end_of(day: date) -> datetime:
    return datetime.combine(day, _END_OF_DAY, tzinfo=SHANGHAI)
