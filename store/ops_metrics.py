"""The business gauges Prometheus reads: open, overdue and escalated cases and petitions by holder org.

    liudan_cases_open{process="case",org="dept-water"} 12
    liudan_cases_overdue{process="petition",org="st-dongcheng"} 1
    liudan_cases_escalated{process="case",org="dept-water"} 3

`process` is the reconciler's name for the process ("case" for 六单, "petition" for 信访); `org` is
each org the case sits with now (a case held by two departments counts for both); "none" when it
sits with nobody (waiting for the resident's rating). Escalated means 督单 for a case (supervision
level above zero) and 督办 for a petition (the bureau pressed the holding unit at least once).

Two grouped COUNTs (one per process) over the open rows (the stage index), cached for `ttl` seconds: a scrape never
costs more than that, at 100,000 cases or at any scrape rate. Only org ids and counts leave here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from store.models import Case
from store.petitions import Petition
from workflows.petition.types import PetitionStage
from workflows.types import Stage

log = logging.getLogger("liudan.ops_metrics")

NO_HOLDER = "none"
OPEN_CASE_STAGES = [s.value for s in Stage if s is not Stage.CLOSED]
OPEN_PETITION_STAGES = [s.value for s in PetitionStage if s is not PetitionStage.CLOSED]
GAUGES = {
    "open": ("liudan_cases_open", "Open cases by the org holding them now."),
    "overdue": ("liudan_cases_overdue", "Open cases past their current deadline, by holding org."),
    "escalated": (
        "liudan_cases_escalated",
        "Open cases under supervision (督单; a petition: 督办), by holding org.",
    ),
}
LABELS = ["process", "org"]


@dataclass(frozen=True)
class OrgCounts:
    process: str
    org: str
    open: int
    overdue: int
    escalated: int


def open_counts(engine: Engine) -> list[OrgCounts]:
    """Open, overdue and escalated cases and petitions per (process, holding org)."""
    with Session(engine) as session:
        cases = session.exec(_grouped(Case, col(Case.supervision_level) > 0, OPEN_CASE_STAGES)).all()
        petitions = session.exec(_grouped(Petition, col(Petition.presses) > 0, OPEN_PETITION_STAGES)).all()
    return _per_org("case", cases) + _per_org("petition", petitions)


def _grouped(table: Any, escalated: Any, open_stages: list[str]) -> Any:
    """(holders, open, overdue, escalated) per holder set, over the rows in an open stage."""
    return (
        select(
            table.holder_org_ids,
            func.count(),
            func.sum(case((col(table.overdue), 1), else_=0)),
            func.sum(case((escalated, 1), else_=0)),
        )
        .where(col(table.stage).in_(open_stages))
        .group_by(table.holder_org_ids)
    )


def _per_org(process: str, rows: Iterable[tuple[str, int, int | None, int | None]]) -> list[OrgCounts]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for holders, count, overdue, escalated in rows:
        for org in (holders or "").split() or [NO_HOLDER]:
            total = totals[org]
            total[0] += count
            total[1] += int(overdue or 0)
            total[2] += int(escalated or 0)
    return [OrgCounts(process, org, *totals[org]) for org in sorted(totals)]


class CaseGauges(Collector):
    """The three gauges, computed on scrape at most once per `ttl` seconds. When the database does
    not answer, the last figures stay (and the failure is logged) rather than failing the scrape."""

    def __init__(
        self, engine: Engine, *, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: list[OrgCounts] = []
        self._read_at: float | None = None

    def counts(self) -> list[OrgCounts]:
        with self._lock:
            now = self.clock()
            if self._read_at is None or now - self._read_at >= self.ttl:
                try:
                    self._counts = open_counts(self.engine)
                except SQLAlchemyError:
                    log.warning("case gauges not refreshed: the read model did not answer", exc_info=True)
                self._read_at = now
            return self._counts

    def describe(self) -> Iterator[Metric]:
        for name, doc in GAUGES.values():
            yield GaugeMetricFamily(name, doc, labels=LABELS)

    def collect(self) -> Iterator[Metric]:
        families = {key: GaugeMetricFamily(name, doc, labels=LABELS) for key, (name, doc) in GAUGES.items()}
        for row in self.counts():
            families["open"].add_metric([row.process, row.org], row.open)
            families["overdue"].add_metric([row.process, row.org], row.overdue)
            families["escalated"].add_metric([row.process, row.org], row.escalated)
        yield from families.values()
