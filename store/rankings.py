"""Rankings of departments and streets, as on the district's public notice board (红黑榜).

Ordered by the composite score or any single figure (best first: higher rates first, lower
overdue / return / dissatisfaction first). Ties share a rank and the next rank skips (competition
ranking: 1, 1, 3). An org with no data for the figure is listed last, unranked, with value None.
The change is against the previous period of the same kind: ↑3 moved up three places, ↓1 down
one, — unchanged (or unranked now), 新 ranked now but not in the previous period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.metric_defs import DEFINITIONS, RANKABLE, format_value
from store.metric_facts import load_facts
from store.metrics import Metrics, as_session, compute_metrics, metrics_calendar
from store.models import Org, OrgKind
from store.periods import Period
from store.scopes import Scope, ScopeKind, district_scope
from store.weights import ScoreWeights, load_weights
from workdays import WorkCalendar

_KINDS = {
    "department": (OrgKind.DEPARTMENT, ScopeKind.DEPARTMENT),
    "street": (OrgKind.STREET, ScopeKind.STREET),
}


@dataclass(frozen=True)
class RankRow:
    rank: int | None  # None: no data this period, listed last
    org_id: str
    org_name: str
    value: float | None
    display: str  # the value as shown ("93.5%", "—")
    previous_rank: int | None
    change: int | None  # places moved up (negative: down); None when new or unranked
    change_label: str  # ↑3 / ↓1 / — / 新
    metrics: Metrics  # every figure of the org, for the table under the board


def rankings(
    bind: Session | Engine,
    period: Period,
    kind: str = "department",
    by: str = "composite",
    *,
    weights: ScoreWeights | None = None,
    calendar: WorkCalendar | None = None,
    as_of: datetime | None = None,
) -> list[RankRow]:
    """Departments or streets ranked by ``by`` (``composite`` or a key of ``DEFINITIONS``)."""
    if kind not in _KINDS:
        raise ValueError(f"rankings are of departments or streets, not {kind!r}")
    if by not in RANKABLE:
        raise ValueError(f"cannot rank by {by!r}; choose one of {', '.join(RANKABLE)}")
    org_kind, scope_kind = _KINDS[kind]
    as_of = as_of or datetime.now(UTC)
    with as_session(bind) as session:
        engine = session.get_bind()
        weights = weights or load_weights(engine)  # type: ignore[arg-type]
        calendar = calendar or metrics_calendar(engine)  # type: ignore[arg-type]
        orgs = session.exec(
            select(Org).where(Org.kind == org_kind, col(Org.active).is_(True)).order_by(Org.id)
        ).all()
        district = district_scope(session)
        current = load_facts(session, period, district)
        previous = load_facts(session, period.previous(), district)
    now_rows = {
        o.id: compute_metrics(current, Scope(scope_kind, o.id), weights, calendar, as_of) for o in orgs
    }
    before = {
        o.id: compute_metrics(previous, Scope(scope_kind, o.id), weights, calendar, as_of) for o in orgs
    }
    better = DEFINITIONS[by].better
    ranks_now = rank_values({o: _value(m, by) for o, m in now_rows.items()}, better)
    ranks_before = rank_values({o: _value(m, by) for o, m in before.items()}, better)
    rows = []
    for org in orgs:
        rank, prev = ranks_now.get(org.id), ranks_before.get(org.id)
        value = _value(now_rows[org.id], by)
        change = prev - rank if rank is not None and prev is not None else None
        rows.append(
            RankRow(
                rank=rank,
                org_id=org.id,
                org_name=org.name,
                value=value,
                display=format_value(by, value),
                previous_rank=prev,
                change=change,
                change_label=change_label(rank, prev),
                metrics=now_rows[org.id],
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.org_name))
    return rows


def _value(m: Metrics, by: str) -> float | None:
    # An org without any case in the period is unranked, even for counts (0 overdue is no merit).
    return m.value(by) if m.has_data else None


def rank_values(values: dict[str, float | None], better: str | None) -> dict[str, int]:
    """Competition ranks (1, 1, 3) of the orgs that have a value; best first."""
    # Rounded so that 2/3 and 4/6 tie: the same displayed figure must share a rank.
    keyed = {o: round(v, 9) for o, v in values.items() if v is not None}
    sign = 1 if better == "lower" else -1
    return {o: 1 + sum(sign * other < sign * v for other in keyed.values()) for o, v in keyed.items()}


def change_label(rank: int | None, previous: int | None) -> str:
    if rank is None:
        return "—"
    if previous is None:
        return "新"
    if previous > rank:
        return f"↑{previous - rank}"
    if previous < rank:
        return f"↓{rank - previous}"
    return "—"
