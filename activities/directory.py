"""Loads the directory view that decision validators check names against (see workflows.directory).

The worker installs a view before it polls and refreshes it in the background whenever a validator
finds it older than `workflows.directory.MAX_AGE_SECONDS`, so an org an admin adds or deactivates is
seen within seconds, and a validator never waits on the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.models import LeaderDepartment, LeaderStreet, Org, User
from workflows import directory
from workflows.directory import DirectoryView, OrgFacts, UserFacts

log = logging.getLogger("liudan.directory")


def load_directory(engine: Engine) -> DirectoryView:
    with Session(engine) as session:
        streets: dict[str, set[str]] = defaultdict(set)
        for link in session.exec(select(LeaderStreet)):
            streets[link.leader_id].add(link.street_id)
        portfolios: dict[str, set[str]] = defaultdict(set)
        for owned in session.exec(select(LeaderDepartment)):
            portfolios[owned.leader_id].add(owned.department_id)
        orgs = {
            o.id: OrgFacts(o.id, o.kind, o.active, o.parent_id, o.name) for o in session.exec(select(Org))
        }
        users = {
            u.id: UserFacts(
                u.id, u.role, u.org_id, u.active, frozenset(streets[u.id]), frozenset(portfolios[u.id])
            )
            for u in session.exec(select(User))
        }
    return DirectoryView(orgs=orgs, users=users)


class DirectoryRefresher:
    """Installs the directory for this process and reloads it on a thread when asked (one at a time),
    and every `directory.MAX_AGE_SECONDS` in the background, so that an org or user an admin adds is
    known before anyone's decision names it, even on a quiet system."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._busy = threading.Lock()

    def install(self) -> None:
        directory.install(load_directory(self._engine))
        directory.set_refresher(self.refresh)
        _Ticker.follow(self)

    def refresh(self) -> None:
        if self._busy.acquire(blocking=False):
            threading.Thread(target=self._reload, name="directory-refresh", daemon=True).start()

    def _reload(self) -> None:
        try:
            directory.install(load_directory(self._engine))
        except Exception:  # the database is down: keep the view we have, try again next time
            log.warning("could not refresh the directory view", exc_info=True)
        finally:
            self._busy.release()


class _Ticker:
    """One daemon thread per process that refreshes the most recently installed directory."""

    _current: DirectoryRefresher | None = None
    _thread: threading.Thread | None = None

    @classmethod
    def follow(cls, refresher: DirectoryRefresher) -> None:
        cls._current = refresher
        if cls._thread is None:
            cls._thread = threading.Thread(target=cls._run, name="directory-ticker", daemon=True)
            cls._thread.start()

    @classmethod
    def _run(cls) -> None:
        while True:
            time.sleep(max(directory.MAX_AGE_SECONDS, 0.5))
            if cls._current is not None:
                cls._current.refresh()
