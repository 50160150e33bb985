"""The official PRC working calendar (法定节假日与调休) and its deadline arithmetic.

Pure: no I/O of its own, importing only the stdlib and ``chinese-calendar``. Schedules an admin loaded
for a year the package does not know are handed in as ``YearSchedule`` values; reading and storing
them is the read model's job (``store.schedules``, ``store.calendar_cache``).
"""

from workdays.calendar import (
    SHANGHAI,
    CalendarUnavailable,
    WorkCalendar,
    add_calendar_days,
    add_working_days,
)
from workdays.schedules import YearSchedule, parse_schedule

__all__ = [
    "SHANGHAI",
    "CalendarUnavailable",
    "WorkCalendar",
    "YearSchedule",
    "add_calendar_days",
    "add_working_days",
    "parse_schedule",
]
