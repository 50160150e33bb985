"""The dashboard's five charts: each an ECharts option (JSON, drawn by /static/charts.js) and the
same ``ChartData`` as a table one click away, so the picture and the numbers cannot disagree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from store.charts import (
    ChartData,
    intake_trend,
    on_time_trend,
    overdue_by_department,
    satisfaction_distribution,
    stage_funnel,
)
from store.periods import Period, PeriodKind
from web.services.dashboard_params import Selection

# A custom range is bucketed by day up to two months, by week up to half a year, then by month.
_DAYS_BY_DAY = 62
_DAYS_BY_WEEK = 183


@dataclass(frozen=True)
class ChartPanel:
    id: str  # element id, and the stable name tests and the report use
    title: str
    note: str  # what is counted, one line under the title
    option_json: str  # the ECharts option, for a data- attribute
    header: list[str]
    rows: list[list[str]]


def trend_bucket(period: Period) -> PeriodKind:
    if period.kind == PeriodKind.QUARTER:
        return PeriodKind.WEEK
    if period.kind != PeriodKind.CUSTOM or period.days <= _DAYS_BY_DAY:
        return PeriodKind.DAY
    return PeriodKind.WEEK if period.days <= _DAYS_BY_WEEK else PeriodKind.MONTH


def _option(data: ChartData, chart_type: str = "bar", **changes: Any) -> dict[str, Any]:
    option = data.echarts_option(chart_type)
    option.pop("title", None)  # the panel's heading names the chart
    option["grid"] = {"left": 8, "right": 8, "top": 36, "bottom": 8, "containLabel": True}
    option["legend"]["top"] = 0
    option["legend"]["type"] = "scroll"
    # Drawn on the canvas: an HTML tooltip would need inline styles, which the CSP forbids.
    option["tooltip"]["renderMode"] = "richText"
    option.update(changes)
    return option


def _every_label(option: dict[str, Any]) -> dict[str, Any]:
    option["xAxis"]["axisLabel"] = {"interval": 0}  # few categories: name each one
    return option


def _stacked(option: dict[str, Any]) -> dict[str, Any]:
    for series in option["series"]:
        series["stack"] = "total"
    return option


def _horizontal(option: dict[str, Any]) -> dict[str, Any]:
    category = {**option["xAxis"], "inverse": True}  # the first department on top
    option["xAxis"], option["yAxis"] = {"type": "value", "minInterval": 1}, category
    for series in option["series"]:
        series.pop("yAxisIndex", None)
    return option


def panel(id: str, data: ChartData, option: dict[str, Any], note: str) -> ChartPanel:
    header, rows = data.table()
    return ChartPanel(
        id=id,
        title=data.title,
        note=note,
        option_json=json.dumps(option, ensure_ascii=False, separators=(",", ":")),
        header=header,
        rows=rows,
    )


def chart_panels(engine: Engine, selection: Selection, bucket: PeriodKind | None = None) -> list[ChartPanel]:
    period, scope = selection.period, selection.scope
    bucket = bucket or trend_bucket(period)
    intake = intake_trend(engine, period, scope, bucket)
    on_time = on_time_trend(engine, period, scope, bucket)
    overdue = overdue_by_department(engine, period, scope)
    ratings = satisfaction_distribution(engine, period, scope)
    funnel = stage_funnel(engine, period, scope)
    return [
        panel("chart-intake", intake, _stacked(_option(intake)), "按登记时间计，未研判的诉求计入“未分类”。"),
        panel("chart-on-time", on_time, _option(on_time), "按办结时间计；折线为按期办结率（右轴）。"),
        panel(
            "chart-overdue",
            overdue,
            _horizontal(_option(overdue)),
            "当前超期为此刻状态；曾超期为本期派给该部门且未退回的诉求。",
        ),
        panel(
            "chart-satisfaction",
            ratings,
            _every_label(_option(ratings)),
            "本期作出的评价，以及本期结案未评价的件数。",
        ),
        panel(
            "chart-funnel",
            funnel,
            _every_label(_option(funnel)),
            "本期受理的诉求到达各环节的件数，以及目前停留的环节。",
        ),
    ]
