"""Time as officers read it: stored in UTC, shown in Beijing time (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime, time

from workdays import SHANGHAI


def as_aware(value: datetime) -> datetime:
    """A naive time entered in a form is Beijing time."""
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


def end_of_day(day: date) -> datetime:
    """23:59:59 Beijing time of `day`: when a deadline set as a date ends (as policy deadlines do)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return as_aware(value).astimezone(SHANGHAI).strftime(fmt)


def local_date(value: datetime | None) -> str:
    return local(value, "%Y-%m-%d")
