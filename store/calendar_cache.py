"""The official working calendar as this deployment knows it: the `chinese-calendar` package plus
the schedules admins loaded, reloaded as soon as an admin loads a new year.

One object serves the deadline activity (which must never guess a holiday) and the web's SLA
countdowns (which show "剩余 2 个工作日" and count weekends only for a year nobody published yet).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from store.schedules import load_schedules, schedules_stamp
from workdays import WorkCalendar

log = logging.getLogger("liudan.calendar")


class StoredCalendar:
    def __init__(self, engine: Engine | None) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._stamp: Any = None
        self._official = WorkCalendar()
        self._provisional = WorkCalendar(weekends_only=True)

    def official(self) -> WorkCalendar:
        """Raises CalendarUnavailable for a year with no published schedule."""
        self._refresh()
        return self._official

    def provisional(self) -> WorkCalendar:
        """Official where known, weekends only for an unpublished year (marked provisional wherever shown)."""
        self._refresh()
        return self._provisional

    def _refresh(self) -> None:
        if self._engine is None:
            return
        try:
            stamp = schedules_stamp(self._engine)  # one cheap query: count and latest load time
            with self._lock:
                if stamp != self._stamp:
                    schedules = load_schedules(self._engine)
                    self._official = WorkCalendar(schedules)
                    self._provisional = WorkCalendar(schedules, weekends_only=True)
                    self._stamp = stamp
        except SQLAlchemyError:
            # The read model is down: deadlines are computed with the schedules loaded last, so a
            # decision never waits on the database for its clocks (they are checked again next time).
            log.warning("calendar schedules not refreshed (read model unavailable); using the last loaded")
