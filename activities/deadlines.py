"""The deadline activity: turns a policy span into a warning point and a deadline.

Run as a local activity, so its result is recorded in the case's history: a calendar loaded later
never changes a running case on replay; it changes it only when the workflow asks again (the
admins' "recompute provisional deadlines").
"""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, time, timedelta

from sqlalchemy.engine import Engine
from temporalio import activity

from store.calendar_cache import StoredCalendar
from workdays import SHANGHAI, CalendarUnavailable, WorkCalendar
from workflows.types import DeadlineRequest, DeadlineResult, SpanUnit


class DeadlineActivities:
    """Holds the calendar: the official one plus the schedules admins load into the read model."""

    def __init__(self, engine: Engine) -> None:
        self._calendar = StoredCalendar(engine)

    @activity.defn(name="compute_deadline")
    async def compute_deadline(self, request: DeadlineRequest) -> DeadlineResult:
        return await asyncio.to_thread(self.compute, request)

    def compute(self, request: DeadlineRequest) -> DeadlineResult:
        try:
            return compute_deadline(self._calendar.official(), request)
        except CalendarUnavailable as missing:
            # Never guess a holiday: count weekends only and say the deadline is provisional.
            if activity.in_activity():
                activity.logger.info("provisional deadline: %s", missing)
            result = compute_deadline(self._calendar.provisional(), request)
            result.provisional = True
            return result


def compute_deadline(calendar: WorkCalendar, request: DeadlineRequest) -> DeadlineResult:
    """The business rules for one clock.

    - An explicit deadline (set by a leader) is kept; its warning comes at 80 % of the time left,
      and never earlier than a day before it.
    - Working days: the deadline is the end of the Nth working day after receipt (office-hours
      cutoff applies); the warning (即将超期) starts when the (N-1)th working day ends, at the latest
      with the due day itself, or at noon of the due day for a same-day deadline.
    - Calendar days (民法典 Art. 201/203): warning a fifth of the span before, at least one day.
    - Seconds (drills): warning at 80 % of the span.
    - Never at the start: a clock started after its warning point (a same-day deadline received in
      the afternoon) warns when four fifths of the time it has are gone. A warning in the same
      instant as the case tells the officer nothing the inbox's due time does not, and it would put
      an 即将超期 entry and a bell notice before the case's first step.
    """
    start = request.start
    if request.due_at is not None:
        return DeadlineResult(
            warn_at=_warn_fraction(start, request.due_at, max_before=timedelta(days=1)), due_at=request.due_at
        )
    span = request.span
    if span is None:
        raise ValueError("a deadline request needs a span or an explicit due_at")
    if span.unit == SpanUnit.SECONDS:
        due = start + timedelta(seconds=span.amount)
        return DeadlineResult(warn_at=_warn_fraction(start, due), due_at=due)
    if span.unit == SpanUnit.CALENDAR_DAYS:
        due = calendar.add_calendar_days(start, span.amount)
        warn = due - timedelta(days=max(1, math.ceil(span.amount / 5)))
        return DeadlineResult(warn_at=_not_at_start(start, warn, due), due_at=due)
    cutoff = time(request.cutoff_hour) if request.cutoff_hour is not None else None
    due = calendar.add_working_days(start, span.amount, cutoff=cutoff)
    due_day = due.astimezone(SHANGHAI)
    if span.amount == 0:
        warn = due_day.replace(hour=12, minute=0, second=0)
    else:
        # Never later than the start of the due day: from a rest day without a cutoff, "0 working
        # days" is already the next working day's end.
        warn = calendar.add_working_days(start, span.amount - 1, cutoff=cutoff) + timedelta(seconds=1)
        warn = min(warn, due_day.replace(hour=0, minute=0, second=0))
    return DeadlineResult(warn_at=_not_at_start(start, warn, due), due_at=due)


def _not_at_start(start: datetime, warn: datetime, due: datetime) -> datetime:
    return warn if warn > start else _warn_fraction(start, due).replace(microsecond=0)


def _warn_fraction(start: datetime, due: datetime, *, max_before: timedelta | None = None) -> datetime:
    before = (due - start) / 5
    if max_before is not None:
        before = min(before, max_before)
    return max(start, due - before)
