"""Loading next year's official holiday schedule, and recomputing the provisional deadlines of
running cases once it is loaded."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from store.models import CalendarYear
from store.petition_queries import open_provisional_petitions
from store.queries import open_provisional_codes
from store.schedules import save_schedule
from web.i18n import TEXT
from web.services.cases import CaseUnavailable, DecisionRefused, decide
from web.services.petitions import recompute_petition
from workdays import parse_schedule
from workflows.types import Action, Actor, RecomputeDeadlines

log = logging.getLogger("liudan.web.calendar")
CONCURRENT_UPDATES = 8


class ScheduleRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CalendarLoaded:
    year: int
    holidays: int
    workdays: int
    recomputed: int
    failed: int


def loaded_years(engine: Engine) -> list[CalendarYear]:
    with Session(engine) as session:
        return list(session.exec(select(CalendarYear).order_by(col(CalendarYear.year).desc())).all())


def allowed_years() -> list[int]:
    this_year = datetime.now(UTC).year
    return [this_year, this_year + 1, this_year + 2]


async def load_calendar(engine: Engine, client: Client, admin: Actor, year: int, text: str) -> CalendarLoaded:
    """Parses and saves the schedule, then sends `recompute_deadlines` to every open case whose
    running deadline is provisional, and every petition with a provisional clock running; one that
    refuses or cannot be reached is counted, not fatal."""
    if year not in allowed_years():
        raise ScheduleRejected(TEXT["calendar_bad_year"])
    try:
        schedule = parse_schedule(year, text)
    except ValueError as error:
        raise ScheduleRejected(TEXT["calendar_parse_error"].format(detail=error)) from error
    await asyncio.to_thread(save_schedule, engine, schedule, source_text=text, loaded_by=admin.user_id)
    codes = await asyncio.to_thread(open_provisional_codes, engine)
    petitions = await asyncio.to_thread(open_provisional_petitions, engine)
    gate = asyncio.Semaphore(CONCURRENT_UPDATES)

    async def recompute(code: str, petition: bool) -> bool:
        async with gate:
            try:
                if petition:
                    await recompute_petition(client, code, RecomputeDeadlines(admin))
                else:
                    await decide(client, code, Action.RECOMPUTE_DEADLINES, RecomputeDeadlines(admin))
            except (DecisionRefused, CaseUnavailable) as problem:
                log.warning("%s: provisional deadlines not recomputed: %s", code, problem)
                return False
            return True

    results = await asyncio.gather(
        *(recompute(c, False) for c in codes), *(recompute(p, True) for p in petitions)
    )
    codes = [*codes, *petitions]
    done = sum(results)
    log.info(
        "calendar %s loaded by %s; %s cases recomputed, %s failed",
        year,
        admin.user_id,
        done,
        len(codes) - done,
    )
    return CalendarLoaded(year, len(schedule.holidays), len(schedule.workdays), done, len(codes) - done)
