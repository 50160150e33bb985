"""JSON API: the figures of a scope and period, and the rankings, with the same access rules as the
dashboard (a leader their streets, a department its own figures, the supervision office and admins
everything)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from store.metric_defs import DEFINITIONS
from store.metrics import Metrics
from store.periods import Period
from web.deps import ApiUser, EngineDep
from web.schemas.dashboard import FiguresQuery, RankingsQuery
from web.services.dashboard import figures
from web.services.dashboard_params import require_rankings, select_figures
from web.services.dashboard_rankings import ranking_board

router = APIRouter(prefix="/metrics", tags=["metrics"])


class FigureOut(BaseModel):
    key: str
    name: str
    unit: str  # count | rate (0..1) | days | score (0..100)
    value: float | None
    display: str
    numerator: int | None = None
    denominator: int | None = None
    previous: float | None
    definition: str


class PeriodOut(BaseModel):
    key: str
    label: str
    start: date
    end: date


class MetricsOut(BaseModel):
    period: PeriodOut
    previous_period: PeriodOut
    scope_kind: str
    scope_org_id: str
    scope_name: str
    composite_formula: str
    satisfaction_formula: str
    ratings: dict[str, int]
    figures: list[FigureOut]


class RankOut(BaseModel):
    rank: int | None
    tied: bool
    org_id: str
    org_name: str
    display: str
    change: str  # ↑3 / ↓1 / — / 新
    previous_rank: int | None


class RankingsOut(BaseModel):
    period: PeriodOut
    group: str
    by: str
    rows: list[RankOut]


def _period(p: Period) -> PeriodOut:
    return PeriodOut(key=p.key, label=p.label, start=p.start, end=p.end)


def _figure(now: Metrics, before: Metrics, key: str) -> FigureOut:
    d = DEFINITIONS[key]
    n, den = now.fractions.get(key, (None, None))
    return FigureOut(
        key=key,
        name=d.zh,
        unit=d.unit,
        value=now.value(key),
        display=now.display(key),
        numerator=n,
        denominator=den,
        previous=before.value(key),
        definition=d.definition,
    )


@router.get("", response_model=MetricsOut)
def metrics(me: ApiUser, engine: EngineDep, q: Annotated[FiguresQuery, Query()]) -> MetricsOut:
    """某单位某统计周期的全部指标及上期值。period 如 2026-03、2026-Q1、2026-W10、2026-03-05、
    2026-03-01..2026-03-15（默认本月）；scope 为单位编码（默认可查看的最大范围）。无权查看返回 403。"""
    selection = select_figures(engine, me.actor, q)
    now, before, weights = figures(engine, selection)
    return MetricsOut(
        period=_period(selection.period),
        previous_period=_period(selection.previous),
        scope_kind=selection.scope.kind.value,
        scope_org_id=selection.scope.org_id,
        scope_name=selection.scope_name,
        composite_formula=weights.composite_formula(),
        satisfaction_formula=weights.satisfaction_formula(),
        ratings=now.ratings,
        figures=[_figure(now, before, k) for k in DEFINITIONS],
    )


@router.get("/rankings", response_model=RankingsOut)
def rankings(me: ApiUser, engine: EngineDep, q: Annotated[RankingsQuery, Query()]) -> RankingsOut:
    """部门或街道排名（group=department|street，by 为指标，默认三率加权得分），含较上期名次变化；
    仅区领导、督查室、纪工委和系统管理员可查看。"""
    selection = select_figures(engine, me.actor, q.model_copy(update={"scope": ""}))
    require_rankings(selection)
    board = ranking_board(engine, selection, q.group, q.by)
    return RankingsOut(
        period=_period(selection.period),
        group=q.group,
        by=q.by,
        rows=[
            RankOut(
                rank=line.position,
                tied=line.tied,
                org_id=line.org_id,
                org_name=line.org_name,
                display=line.value,
                change=line.move,
                previous_rank=line.previous_position,
            )
            for line in board.lines
        ],
    )
