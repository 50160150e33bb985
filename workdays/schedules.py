"""A year's official schedule (国务院办公厅节假日安排通知): its rest days and adjusted working days.

An admin pastes next year's notice (usually published in November) before the ``chinese-calendar``
package knows that year; ``parse_schedule`` turns the text into a ``YearSchedule`` that
``WorkCalendar`` takes as data. Storing and loading schedules is ``store.schedules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule, as published by the State Council (国务院办公厅通知)."""

    year: int
    # Official rest days (法定节假日及调休放假); a weekend listed here changes nothing.
    holidays: frozenset[date]
    # Adjusted working weekends (调休上班).
    workdays: frozenset[date]

    def __post_init__(self) -> None:
        stray = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if stray:
            raise ValueError(f"schedule for {self.year} lists dates of another year: {stray[0].isoformat()}")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a rest day and a working day")


_LINE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")
_REST_KINDS = {"休", "holiday", "rest"}
_WORK_KINDS = {"班", "workday", "work"}


def parse_schedule(year: int, text: str) -> YearSchedule:
    """Parse the schedule an admin pastes from the year's State Council notice (节假日安排通知).

    One entry per line: ``YYYY-MM-DD`` or ``YYYY-MM-DD..YYYY-MM-DD``, whitespace, then a kind:
    ``休`` / ``holiday`` / ``rest`` for a rest day, ``班`` / ``workday`` / ``work`` for an adjusted
    working day, then an optional name (春节) that is ignored. Blank lines and lines starting with
    ``#`` are ignored. A rest day on a weekend is allowed; an adjusted working day must be a Saturday
    or Sunday. Any mistake raises ``ValueError`` naming the line, and nothing is loaded.
    """
    kinds: dict[date, tuple[bool, int]] = {}  # day -> (is rest day, line it came from)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 2:
            raise ValueError(f"line {number}: expected 'YYYY-MM-DD 休|班 [name]', got {line!r}")
        days = _parse_days(number, parts[0], year)
        kind = parts[1].lower()
        if kind not in _REST_KINDS | _WORK_KINDS:
            raise ValueError(
                f"line {number}: unknown kind {parts[1]!r}; use 休/holiday/rest or 班/workday/work"
            )
        rest = kind in _REST_KINDS
        for day in days:
            if not rest and day.weekday() < 5:
                raise ValueError(
                    f"line {number}: {day.isoformat()} is a weekday; an adjusted working day (班) "
                    "must be a Saturday or Sunday"
                )
            earlier = kinds.get(day)
            if earlier is not None and earlier[0] != rest:
                raise ValueError(
                    f"line {number}: {day.isoformat()} is already a {'rest' if earlier[0] else 'working'} "
                    f"day on line {earlier[1]}; a day cannot be both"
                )
            kinds[day] = (rest, number)
    if not kinds:
        raise ValueError(f"the schedule for {year} lists no dates")
    return YearSchedule(
        year=year,
        holidays=frozenset(d for d, (rest, _) in kinds.items() if rest),
        workdays=frozenset(d for d, (rest, _) in kinds.items() if not rest),
    )


def _parse_days(number: int, field: str, year: int) -> list[date]:
    match = _LINE.match(field)
    if match is None:
        raise ValueError(
            f"line {number}: {field!r} is not a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD"
        )
    try:
        first = date.fromisoformat(match[1])
        last = date.fromisoformat(match[2]) if match[2] else first
    except ValueError as error:
        raise ValueError(f"line {number}: bad date in {field!r}: {error}") from None
    if first.year != year or last.year != year:
        raise ValueError(f"line {number}: {field} is not in {year}")
    if last < first:
        raise ValueError(f"line {number}: range {field} ends before it starts")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
