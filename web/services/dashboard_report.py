"""The monthly report (月度通报): one scope's figures against the month before, the district's
rankings for those who may see them, the charts' numbers as tables, and the definitions, laid
out to print on A4. Any period works; the default is the current month (so far).

A figure that is a snapshot of today (当前超期) is labelled as of today while the period reaches
today, and left out of a past period's report: today's count is never printed as last month's."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from store.metric_defs import DEFINITIONS
from store.metric_defs import DEFINITIONS as METRICS
from store.periods import Period, PeriodKind
from store.scopes import ScopeKind
from web.i18n import TEXT
from web.services.dashboard import SNAPSHOTS, Card, cards, figures
from web.services.dashboard_charts import ChartPanel, chart_panels
from web.services.dashboard_params import Selection
from web.services.dashboard_rankings import RankingBoard, ranking_board
from web.timeutil import local

_WEEKLY_UP_TO = 62  # days


@dataclass(frozen=True)
class Definition:
    name: str
    text: str


@dataclass(frozen=True)
class Report:
    title: str
    scope_name: str
    period_label: str
    previous_label: str
    generated: str  # when and by whom, for the footer
    rows: list[Card]  # every figure, composite first
    formula: str
    satisfaction_formula: str
    boards: list[RankingBoard]  # departments and streets, in the district's report for those who see them
    rankings_note: bool  # the viewer sees rankings, but this report is not the district's
    tables: list[ChartPanel]
    definitions: list[Definition]
    has_data: bool


def report_bucket(period: Period) -> PeriodKind:
    """Weeks for a month (a page, not 31 rows), months for a quarter or more."""
    return PeriodKind.WEEK if period.days <= _WEEKLY_UP_TO else PeriodKind.MONTH


def _snapshot_names(current: bool) -> dict[str, str | None]:
    """Each snapshot figure's column name: as of today, or None to leave the column out."""
    return {METRICS[k].zh: (METRICS[k].zh + TEXT["as_of_today"] if current else None) for k in SNAPSHOTS}


def _board(board: RankingBoard, current: bool) -> RankingBoard:
    names = _snapshot_names(current)
    keep = [i for i, (name, _) in enumerate(board.columns) if names.get(name, name) is not None]
    columns = [(names.get(n) or n, d) for i, (n, d) in enumerate(board.columns) if i in keep]
    lines = [replace(line, columns=[line.columns[i] for i in keep]) for line in board.lines]
    return replace(board, columns=columns, lines=lines)


def _table(panel: ChartPanel, current: bool) -> ChartPanel:
    """A chart's numbers with its snapshot series labelled as of today, or left out."""
    names = _snapshot_names(current)
    keep = [i for i, name in enumerate(panel.header) if names.get(name, name) is not None]
    if len(keep) == len(panel.header) and not any(n in names for n in panel.header):
        return panel
    header = [names.get(panel.header[i]) or panel.header[i] for i in keep]
    rows = [[row[i] for i in keep] for row in panel.rows]
    return replace(panel, header=header, rows=rows)


def monthly_report(engine: Engine, selection: Selection, author: str) -> Report:
    now, before, weights = figures(engine, selection)
    current = selection.is_current
    composite, groups = cards(now, before, weights, current=current)
    boards = []
    if selection.may_rank and selection.scope.kind == ScopeKind.DISTRICT:
        boards = [
            _board(ranking_board(engine, selection, g, "composite"), current)
            for g in ("department", "street")
        ]
    return Report(
        title=f"{selection.scope_name}诉求办理情况通报（{selection.period.label}）",
        scope_name=selection.scope_name,
        period_label=selection.period.label,
        previous_label=selection.previous.label,
        generated=f"{local(datetime.now(UTC))} · {author}",
        rows=[composite, *(c for g in groups for c in g.cards)],
        formula=weights.composite_formula(),
        satisfaction_formula=weights.satisfaction_formula(),
        boards=boards,
        rankings_note=selection.may_rank and not boards,
        tables=[_table(p, current) for p in chart_panels(engine, selection, report_bucket(selection.period))],
        definitions=[Definition(d.zh, d.definition_zh) for d in DEFINITIONS.values()],
        has_data=now.has_data,
    )
