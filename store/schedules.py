"""Official calendar schedules admins load for years the `chinese-calendar` package does not know yet.

When the State Council publishes next year's holiday notice (usually in November), an admin pastes
it (parsed by ``workdays.parse_schedule``) and it is stored here; the deadline activity then uses it,
and running cases' provisional deadlines are recomputed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from store.models import CalendarYear
from workdays import YearSchedule


def save_schedule(engine: Engine, schedule: YearSchedule, *, source_text: str, loaded_by: str) -> None:
    """Stores (or replaces) a year's schedule."""
    with Session(engine) as session:
        row = session.get(CalendarYear, schedule.year) or CalendarYear(
            year=schedule.year, holidays="", workdays=""
        )
        row.holidays = " ".join(sorted(d.isoformat() for d in schedule.holidays))
        row.workdays = " ".join(sorted(d.isoformat() for d in schedule.workdays))
        row.source_text = source_text
        row.loaded_by = loaded_by
        row.loaded_at = datetime.now(UTC)
        session.add(row)
        session.commit()


def load_schedules(engine: Engine) -> list[YearSchedule]:
    with Session(engine) as session:
        rows = session.exec(select(CalendarYear).order_by(CalendarYear.year)).all()
    return [
        YearSchedule(
            year=r.year,
            holidays=frozenset(date.fromisoformat(d) for d in r.holidays.split()),
            workdays=frozenset(date.fromisoformat(d) for d in r.workdays.split()),
        )
        for r in rows
    ]


def schedules_stamp(engine: Engine) -> tuple[int, datetime | None]:
    """A cheap fingerprint of the loaded schedules, to know when a cached calendar is stale."""
    with Session(engine) as session:
        count, latest = session.exec(select(func.count(), func.max(CalendarYear.loaded_at))).one()
    return int(count), latest
