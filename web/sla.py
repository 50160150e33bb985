"""SLA countdowns for inboxes and case pages: "剩余 2 个工作日", "超期 1 天", amber and red.

Display only: the workflow's deadline activity owns every real deadline. Counting the working days
left needs the official calendar (the `chinese-calendar` package and schedules admins loaded);
a year neither knows counts weekends only, as provisional deadlines do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.engine import Engine

from store.calendar_cache import StoredCalendar
from web.i18n import TEXT
from web.timeutil import local
from workdays import SHANGHAI

MAX_SCAN_DAYS = 400


class WorkingDays:
    """Working days left until a deadline, on the calendar the deadline activity uses (display only)."""

    def __init__(self, engine: Engine | None) -> None:
        self._calendar = StoredCalendar(engine)

    def is_working_day(self, day: date) -> bool:
        """On the official calendar (a year not yet published: weekends only)."""
        return self._calendar.provisional().is_working_day(day)

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        if end <= start:
            return 0
        end = min(end, start + timedelta(days=MAX_SCAN_DAYS))
        noon = time(12)
        return self._calendar.provisional().working_days_between(
            datetime.combine(start, noon, tzinfo=SHANGHAI), datetime.combine(end, noon, tzinfo=SHANGHAI)
        )


@dataclass(frozen=True)
class Countdown:
    text: str  # 剩余 2 个工作日 / 今日到期 / 超期 1 天
    level: str  # ok, warn (即将超期, amber), over (超期, red)
    percent: int  # how much of the time is used, for the bar
    provisional: bool
    due_text: str  # the deadline in Beijing time
    label: str = ""  # which clock (部门办结时限)

    @property
    def step(self) -> int:
        """The bar's fill in tens of percent (a CSS class: the content policy forbids inline styles)."""
        return min(100, round(self.percent / 10) * 10)


def countdown(
    due_at: datetime | None,
    warn_at: datetime | None,
    started_at: datetime | None,
    *,
    overdue: bool,
    provisional: bool,
    workdays: WorkingDays,
    label: str = "",
    now: datetime | None = None,
) -> Countdown | None:
    if due_at is None:
        return None
    now = now or datetime.now(UTC)
    left = due_at - now
    if overdue or left.total_seconds() <= 0:
        late = -left
        if late < timedelta(hours=1):
            text = TEXT["sla_over_minutes"].format(n=max(1, math.ceil(late.total_seconds() / 60)))
        elif late < timedelta(days=1):
            text = TEXT["sla_over_hours"].format(n=math.ceil(late.total_seconds() / 3600))
        else:
            text = TEXT["sla_over_days"].format(n=late.days)
        return Countdown(text, "over", 100, provisional, local(due_at), label)
    level = "warn" if warn_at is not None and now >= warn_at else "ok"
    today, due_day = now.astimezone(SHANGHAI).date(), due_at.astimezone(SHANGHAI).date()
    if left < timedelta(hours=1):
        text = TEXT["sla_left_minutes"].format(n=max(1, math.ceil(left.total_seconds() / 60)))
    elif due_day == today:
        text = TEXT["sla_due_today"].format(n=math.ceil(left.total_seconds() / 3600))
    else:
        days = workdays.between(today, due_day)
        text = (
            TEXT["sla_left_workdays"].format(n=days)
            if days
            else TEXT["sla_left_days"].format(n=(due_day - today).days)
        )
    percent = 0
    if started_at is not None and due_at > started_at:
        used = (now - started_at) / (due_at - started_at)
        percent = max(0, min(100, round(used * 100)))
    return Countdown(text, level, percent, provisional, local(due_at), label)
