"""The SLA countdown's words and colours (display only; deadlines belong to the workflow)."""

from __future__ import annotations

from datetime import datetime, timedelta

from web.sla import WorkingDays, countdown
from workdays import SHANGHAI

WORKDAYS = WorkingDays(None)
# Monday 2026-11-16, 10:00 Beijing time.
MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)


def clock(due: datetime, warn: datetime | None = None, *, overdue: bool = False, provisional: bool = False):
    return countdown(
        due,
        warn,
        MONDAY - timedelta(days=1),
        overdue=overdue,
        provisional=provisional,
        workdays=WORKDAYS,
        now=MONDAY,
    )


def test_working_days_left():
    due = datetime(2026, 11, 18, 23, 59, 59, tzinfo=SHANGHAI)  # Wednesday
    c = clock(due, warn=due - timedelta(days=1))
    assert c.text == "剩余 2 个工作日" and c.level == "ok" and not c.provisional


def test_weekends_and_holidays_do_not_count():
    friday = datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)
    due = datetime(2026, 11, 23, 23, 59, 59, tzinfo=SHANGHAI)  # the next Monday
    c = countdown(due, None, None, overdue=False, provisional=False, workdays=WORKDAYS, now=friday)
    assert c.text == "剩余 1 个工作日"
    before_national_day = datetime(2026, 9, 30, 10, tzinfo=SHANGHAI)
    due = datetime(2026, 10, 9, 23, 59, 59, tzinfo=SHANGHAI)
    c = countdown(
        due, None, None, overdue=False, provisional=False, workdays=WORKDAYS, now=before_national_day
    )
    assert c.text == "剩余 2 个工作日"  # 10-01..10-07 are holidays, 10-08 and 10-09 are working days


def test_due_today_and_warning_is_amber():
    due = datetime(2026, 11, 16, 23, 59, 59, tzinfo=SHANGHAI)
    c = clock(due, warn=datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    assert c.level == "warn" and c.text.startswith("今日到期")


def test_overdue_is_red_and_counts_days():
    c = clock(MONDAY - timedelta(days=1, hours=2), overdue=True)
    assert c.text == "超期 1 天" and c.level == "over" and c.step == 100
    assert clock(MONDAY - timedelta(hours=3)).text == "超期 3 小时"
    assert clock(MONDAY - timedelta(seconds=50)).text == "超期 1 分钟"


def test_provisional_mark_and_seconds_for_drills():
    c = clock(MONDAY + timedelta(minutes=4), provisional=True)
    assert c.provisional and c.text == "剩余 4 分钟"
