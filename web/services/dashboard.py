"""The dashboard: every figure of one scope and period as a card (value, definition, what it is
made of, the change since the previous period) and the charts, all from ``store.metrics`` and
``store.charts``; nothing here counts cases itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from store.metric_defs import DEFINITIONS
from store.metrics import Metrics, metrics_calendar, org_metrics
from store.scopes import ScopeKind
from store.weights import ScoreWeights, load_weights
from web.i18n import TEXT
from web.services.dashboard_charts import ChartPanel, chart_panels
from web.services.dashboard_params import Selection, href

# The cards in the order an officer reads them, under four headings; the composite stands apart.
CARD_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("登记与响应", ("received", "signed_on_time", "responded", "returned")),
    ("办结", ("completed_on_time", "avg_days", "p90_days", "avg_calendar_days", "extension_rate")),
    ("超期与督办", ("overdue_now", "overdue_ever", "supervised", "reopened", "repeat_requests")),
    ("群众评价", ("rating_participation", "resolved", "satisfaction", "dissatisfaction", "unreachable")),
)
_EPSILON = 1e-9
# Figures that are a snapshot of the moment of the query, not of the period (store.metric_defs says
# so in their definitions): shown as of today for a period that reaches today, never compared with
# the period before (its "previous" value would be today's again), and not shown for a past period.
SNAPSHOTS = frozenset({"overdue_now"})


@dataclass(frozen=True)
class Card:
    key: str
    name: str
    value: str  # as shown: 93.5%, 2.3, 12, — (no data), 不适用
    definition: str  # zh and en, for the hover title
    detail: str  # what the value is made of: 12 / 15, 满意 3 · 基本满意 1 · 不满意 0
    previous: str  # the previous period's value as shown, "" when it had none
    change: str  # ▲ 2.3 个百分点 / ▼ 1 / 持平 / 上期无数据 ("" when not applicable)
    trend: str  # better | worse | same | neutral | none: the colour
    compare: str  # the card's line: 较上期 ▲ 2.3 个百分点（上期 45.0%）, or 上期无数据
    formula: str = ""


@dataclass(frozen=True)
class CardGroup:
    title: str
    cards: list[Card]


@dataclass(frozen=True)
class DashboardView:
    composite: Card
    groups: list[CardGroup]
    charts: list[ChartPanel]
    satisfaction_formula: str
    has_data: bool
    links: dict[str, str]  # rankings ("" unless the viewer sees them), report, ledger: same scope and period


def change(key: str, now: float | None, before: float | None) -> tuple[str, str]:
    """The change since the previous period, and whether it is for the better (by the figure's
    ``better``); counts without a better direction (received) are neutral."""
    if now is None or before is None:
        return TEXT["change_none"], "none"
    diff = now - before
    if abs(diff) < _EPSILON:
        return TEXT["change_same"], "same"
    unit = DEFINITIONS[key].unit
    size = abs(diff)
    if unit == "rate":
        amount = TEXT["change_points"].format(n=f"{size * 100:.1f}")
    elif unit in ("days", "score"):
        amount = f"{size:.1f}"
    else:
        amount = str(round(size))
    arrow = "▲" if diff > 0 else "▼"
    better = DEFINITIONS[key].better
    if better is None:
        trend = "neutral"
    else:
        trend = "better" if (diff > 0) == (better == "higher") else "worse"
    return f"{arrow} {amount}", trend


def _detail(m: Metrics, key: str) -> str:
    if key in m.fractions:
        n, d = m.fractions[key]
        return f"{n} / {d}" if d else ""
    if key == "satisfaction":
        r = m.ratings
        if not sum(r.values()):
            return ""
        return TEXT["ratings_detail"].format(
            s=r.get("satisfied", 0), a=r.get("average", 0), d=r.get("dissatisfied", 0)
        )
    if key in ("avg_days", "p90_days") and m.completed:
        return TEXT["completed_n"].format(n=m.completed)
    return ""


def snapshot_card(m: Metrics, key: str, current: bool) -> Card:
    """A "now" figure: as of today for a period that reaches today; for a past period, no value."""
    d = DEFINITIONS[key]
    return Card(
        key=key,
        name=d.zh + (TEXT["as_of_today"] if current else ""),
        value=m.display(key) if current else "—",
        definition=d.definition,
        detail=TEXT["snapshot_now"] if current else TEXT["snapshot_past"],
        previous="",
        change="",
        trend="none",
        compare=TEXT["snapshot_now"] if current else TEXT["snapshot_past"],
    )


def card(m: Metrics, before: Metrics, key: str, formula: str = "", *, current: bool = True) -> Card:
    if key in SNAPSHOTS:
        return snapshot_card(m, key, current)
    d = DEFINITIONS[key]
    not_applicable = key == "signed_on_time" and m.scope.kind == ScopeKind.DEPARTMENT
    text, trend = change(key, m.value(key), before.value(key))
    previous = "" if before.value(key) is None else before.display(key)
    if not_applicable:
        compare = ""
    elif m.value(key) is None or not previous:
        compare = text
    else:
        compare = TEXT["compare_line"].format(change=text, previous=previous)
    return Card(
        key=key,
        # A weighted 满意率 (an admin gave 基本满意 a weight) is never shown under the pure name.
        name="加权满意率" if key == "satisfaction" and m.weighted_satisfaction else d.zh,
        value=TEXT["not_applicable"] if not_applicable else m.display(key),
        definition=d.definition,
        detail=_detail(m, key),
        previous=previous,
        change="" if not_applicable else text,
        trend="none" if not_applicable else trend,
        compare=compare,
        formula=formula,
    )


def figures(
    engine: Engine, selection: Selection, weights: ScoreWeights | None = None
) -> tuple[Metrics, Metrics, ScoreWeights]:
    """The scope's figures for the period and the period before, on one calendar and one weighting."""
    weights = weights or load_weights(engine)
    calendar = metrics_calendar(engine)
    as_of = datetime.now(UTC)
    now = org_metrics(
        engine, selection.period, selection.scope, weights=weights, calendar=calendar, as_of=as_of
    )
    before = org_metrics(
        engine, selection.previous, selection.scope, weights=weights, calendar=calendar, as_of=as_of
    )
    return now, before, weights


def cards(
    now: Metrics, before: Metrics, weights: ScoreWeights, *, current: bool = True
) -> tuple[Card, list[CardGroup]]:
    composite = card(now, before, "composite", weights.composite_formula())
    groups = [
        CardGroup(
            title,
            [
                card(
                    now,
                    before,
                    k,
                    weights.satisfaction_formula() if k == "satisfaction" else "",
                    current=current,
                )
                for k in keys
            ],
        )
        for title, keys in CARD_GROUPS
    ]
    return composite, groups


def dashboard_view(engine: Engine, selection: Selection) -> DashboardView:
    now, before, weights = figures(engine, selection)
    composite, groups = cards(now, before, weights, current=selection.is_current)
    key, scope = selection.period.key, selection.scope.org_id
    return DashboardView(
        composite=composite,
        groups=groups,
        charts=chart_panels(engine, selection),
        satisfaction_formula=weights.satisfaction_formula(),
        has_data=now.has_data,
        links={
            "rankings": href("/dashboard/rankings", period=key) if selection.may_rank else "",
            "report": href("/dashboard/report", period=key, scope=scope),
            "ledger": href("/ledger", period=key, scope=scope),
        },
    )
