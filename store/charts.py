"""The data behind the dashboard charts, each one ``ChartData``: labels on the x axis and one or
more named series. The web turns it into an ECharts option (``xAxis.data = labels``, one series per
``Series``) and into the table one click away (``table()``), so chart and table never disagree.

Every chart uses the same cohorts as ``org_metrics`` (``store.metric_facts.scope_view``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.labels import CATEGORY, OUTCOME, RATING
from store.metric_defs import format_value
from store.metric_facts import Facts, load_facts, scope_view
from store.metrics import as_session, completed_in_time
from store.models import Org, OrgKind
from store.periods import Period, PeriodKind, local_date
from store.scopes import Scope, ScopeKind
from workflows.types import Category, Outcome, RatingValue

UNCATEGORIZED = "未分类"


@dataclass(frozen=True)
class Series:
    name: str  # shown in the legend and as the table column
    values: list[float | None]
    key: str = ""  # a stable id: a Category or RatingValue value, a figure key
    unit: str = "count"  # count | rate (0..1): a rate goes on a second axis, shown as a percentage


@dataclass(frozen=True)
class ChartData:
    title: str
    labels: list[str]  # x axis
    series: list[Series]
    keys: list[str] = field(default_factory=list)  # stable ids of the x values (period keys, org ids)

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows for the table view, values formatted as on the dashboard."""
        header = ["", *(s.name for s in self.series)]
        rows = [[label, *(_cell(s, i) for s in self.series)] for i, label in enumerate(self.labels)]
        return header, rows

    def echarts_option(self, chart_type: str = "bar") -> dict[str, Any]:
        """A plain ECharts option (JSON-ready): counts on the left axis, rates in % on the right."""
        has_rate = any(s.unit == "rate" for s in self.series)
        y_axes: list[dict[str, Any]] = [{"type": "value", "minInterval": 1}]
        if has_rate:
            y_axes.append({"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}})
        series = [
            {
                "name": s.name,
                "type": "line" if s.unit == "rate" else chart_type,
                "yAxisIndex": 1 if s.unit == "rate" else 0,
                "data": [
                    None if v is None else (round(v * 100, 1) if s.unit == "rate" else v) for v in s.values
                ],
            }
            for s in self.series
        ]
        return {
            "title": {"text": self.title},
            "tooltip": {"trigger": "axis"},
            "legend": {"data": [s.name for s in self.series]},
            "xAxis": {"type": "category", "data": self.labels},
            "yAxis": y_axes,
            "series": series,
        }


def _cell(series: Series, i: int) -> str:
    value = series.values[i]
    if series.unit == "rate":
        return format_value("completed_on_time", value)
    return "—" if value is None else f"{value:g}"


def _facts(bind: Session | Engine, period: Period, scope: Scope) -> Facts:
    with as_session(bind) as session:
        return load_facts(session, period, scope)


def _bucket_index(buckets: list[Period]) -> Callable[[datetime | None], int | None]:
    """moment → index of the bucket holding its Asia/Shanghai date (None: outside them all)."""
    by_day = {b.start + timedelta(days=d): i for i, b in enumerate(buckets) for d in range(b.days)}
    return lambda moment: by_day.get(local_date(moment)) if moment is not None else None


def intake_trend(
    bind: Session | Engine, period: Period, scope: Scope, bucket: PeriodKind | str = PeriodKind.DAY
) -> ChartData:
    """Cases received per day / week / month, one series per category (and 未分类 before triage)."""
    buckets = period.buckets(bucket)
    bucket_of = _bucket_index(buckets)
    counts: dict[str, list[float | None]] = {c.value: [0] * len(buckets) for c in Category}
    counts[""] = [0] * len(buckets)
    for case, at in scope_view(_facts(bind, period, scope), scope).intake:
        i = bucket_of(at)
        if i is not None:
            counts[case.category or ""][i] += 1  # type: ignore[operator]
    series = [Series(CATEGORY[c.value], counts[c.value], c.value) for c in Category]
    series.append(Series(UNCATEGORIZED, counts[""], ""))
    return ChartData(
        "登记量趋势（按类别）", [b.short_label for b in buckets], series, [b.key for b in buckets]
    )


def on_time_trend(
    bind: Session | Engine, period: Period, scope: Scope, bucket: PeriodKind | str = PeriodKind.DAY
) -> ChartData:
    """Per bucket: cases completed, of which on time, and the on-time rate (按期办结率)."""
    buckets = period.buckets(bucket)
    done = [0] * len(buckets)
    on_time = [0] * len(buckets)
    bucket_of = _bucket_index(buckets)
    facts = _facts(bind, period, scope)
    for case in scope_view(facts, scope).cases:
        i = bucket_of(case.completed_at)
        if i is not None:
            done[i] += 1
            on_time[i] += completed_in_time(case, facts.deadlines.get(case.code, []))
    rates = [o / d if d else None for o, d in zip(on_time, done, strict=True)]
    return ChartData(
        "按期办结率趋势",
        [b.short_label for b in buckets],
        [
            Series("办结件数", list(done), "completed"),
            Series("按期办结件数", list(on_time), "completed_on_time_count"),
            Series("按期办结率", rates, "completed_on_time", unit="rate"),
        ],
        [b.key for b in buckets],
    )


def overdue_by_department(bind: Session | Engine, period: Period, scope: Scope) -> ChartData:
    """Per department: overdue cases it holds now, and its cases of the period that ever went overdue.

    For an area scope the cases are the area's; a department scope shows that department alone.
    """
    with as_session(bind) as session:
        facts = load_facts(session, period, scope)
        departments = session.exec(
            select(Org).where(Org.kind == OrgKind.DEPARTMENT, col(Org.active).is_(True)).order_by(Org.id)
        ).all()
    if scope.kind == ScopeKind.DEPARTMENT:
        departments = [d for d in departments if d.id == scope.org_id]
    area = None if scope.kind == ScopeKind.DEPARTMENT else {c.code for c in scope_view(facts, scope).cases}
    now: list[float | None] = []
    ever: list[float | None] = []
    for d in departments:
        view = scope_view(facts, Scope.department(d.id))
        now.append(sum(area is None or c.code in area for c in view.overdue_now))
        ever.append(sum(c.ever_overdue and (area is None or c.code in area) for c in view.handled))
    return ChartData(
        "各部门超期情况",
        [d.name for d in departments],
        [Series("当前超期", now, "overdue_now"), Series("本期曾超期", ever, "overdue_ever")],
        [d.id for d in departments],
    )


def satisfaction_distribution(bind: Session | Engine, period: Period, scope: Scope) -> ChartData:
    """Ratings given in the period by value, and cases closed unrated (未评价) or unreachable at the
    callback (回访无法联系) in the period."""
    view = scope_view(_facts(bind, period, scope), scope)
    votes = Counter(r.value for r in view.ratings)
    unrated = [Outcome.NOT_RATED, Outcome.UNREACHABLE]
    closed = Counter(c.outcome for c in view.cases if period.contains(c.closed_at))
    keys = [v.value for v in RatingValue] + [o.value for o in unrated]
    values: list[float | None] = [votes[v.value] for v in RatingValue] + [closed[o.value] for o in unrated]
    labels = [RATING[v.value] for v in RatingValue] + [OUTCOME[o] for o in unrated]
    return ChartData("满意度分布", labels, [Series("件数", values, "count")], keys)


FUNNEL_STEPS = (
    ("received", "点单（登记）"),
    ("reported", "报单"),
    ("signed", "跟单（签收）"),
    ("dispatched", "派单"),
    ("completed", "办结"),
    ("rated", "评单"),
)


def stage_funnel(bind: Session | Engine, period: Period, scope: Scope) -> ChartData:
    """Of the cases received in the period: how many reached each of the six orders, and how many
    stopped there (the furthest order reached so far). A case resolved in its community skips
    报单 / 签收 / 派单 and still reaches 办结."""
    view = scope_view(_facts(bind, period, scope), scope)
    reached = [0] * len(FUNNEL_STEPS)
    stopped = [0] * len(FUNNEL_STEPS)
    for case, _ in view.intake:
        marks = (
            case.received_at,
            case.reported_at,
            case.signed_at,
            case.dispatched_at,
            case.completed_at,
            case.rating,
        )
        hit = [i for i, m in enumerate(marks) if m is not None]
        for i in hit:
            reached[i] += 1
        stopped[max(hit)] += 1
    return ChartData(
        "六单环节漏斗",
        [name for _, name in FUNNEL_STEPS],
        [
            Series("到达", list(reached), "reached"),
            Series("停留于此", list(stopped), "stopped"),
        ],
        [key for key, _ in FUNNEL_STEPS],
    )
