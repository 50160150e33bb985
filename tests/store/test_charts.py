"""Chart data over the March of ``conftest.march``: the same cohorts as the figures, by week."""

from __future__ import annotations

import json

from sqlalchemy.engine import Engine

from store.charts import (
    intake_trend,
    on_time_trend,
    overdue_by_department,
    satisfaction_distribution,
    stage_funnel,
)
from store.periods import Period
from store.scopes import Scope

MARCH = Period.month(2026, 3)
DISTRICT = Scope.district("hj")
# 1 March is the Sunday of ISO week 9, and 30-31 March open week 14: both clipped to March.
WEEKS = ["03-01~03-01", "W10", "W11", "W12", "W13", "03-30~03-31"]


def test_intake_trend_by_category(march: Engine) -> None:
    chart = intake_trend(march, MARCH, DISTRICT, bucket="week")
    assert chart.labels == WEEKS
    assert chart.keys[1] == "2026-W10"
    by_name = {s.name: s.values for s in chart.series}
    # W10: C1 C3 基础建设, C2 民生保障; W11: C4 生态环境, C10 untriaged; W12 C7; W13 C8; 30-31: C9 C5
    assert by_name == {
        "基础建设": [0, 2, 0, 0, 0, 0],
        "民生保障": [0, 1, 0, 0, 0, 0],
        "生态环境": [0, 0, 1, 0, 0, 0],
        "矛盾纠纷": [0, 0, 0, 0, 0, 0],
        "信访舆情": [0, 0, 0, 0, 0, 0],
        "未分类": [0, 0, 1, 1, 1, 2],
    }
    # 31 days by day: the sum is the month's 9 received cases
    daily = intake_trend(march, MARCH, DISTRICT)
    assert len(daily.labels) == 31 and sum(sum(s.values) for s in daily.series) == 9  # type: ignore[misc]


def test_on_time_trend(march: Engine) -> None:
    chart = on_time_trend(march, MARCH, DISTRICT, bucket="week")
    done, on_time, rate = (s.values for s in chart.series)
    # completed: C6 C1 (W10 ✓✓), C4 C10 (W11 ✓✓), C2 (W12 ✗), C3 (W13 ✗)
    assert done == [0, 2, 2, 1, 1, 0]
    assert on_time == [0, 2, 2, 0, 0, 0]
    assert rate == [None, 1.0, 1.0, 0.0, 0.0, None]
    header, rows = chart.table()
    assert header == ["", "办结件数", "按期办结件数", "按期办结率"]
    assert rows[0] == ["03-01~03-01", "0", "0", "—"]
    assert rows[1] == ["W10", "2", "2", "100.0%"]


def test_overdue_by_department(march: Engine) -> None:
    chart = overdue_by_department(march, MARCH, DISTRICT)
    now, ever = (dict(zip(chart.keys, s.values, strict=True)) for s in chart.series)
    # 城管 holds C7 (overdue); its March cases C2 and C7 went overdue (C3, which it returned, is not its)
    assert (now["dp-chengguan"], ever["dp-chengguan"]) == (1, 2)
    # 住建: none overdue now; C2 and C3 went overdue
    assert (now["dp-zhujian"], ever["dp-zhujian"]) == (0, 2)
    assert sum(now.values()) == 1 and sum(ever.values()) == 4  # type: ignore[arg-type]
    assert len(chart.labels) == 8 and chart.labels[0] == "区城管局"
    # a street sees its own cases only: 西湖 has no department overdue
    xihu = overdue_by_department(march, MARCH, Scope.street("st-xihu"))
    assert all(v == 0 for s in xihu.series for v in s.values)
    # a department sees itself only
    own = overdue_by_department(march, MARCH, Scope.department("dp-chengguan"))
    assert own.keys == ["dp-chengguan"]


def test_satisfaction_distribution(march: Engine) -> None:
    chart = satisfaction_distribution(march, MARCH, DISTRICT)
    # ratings in March: 满意 C1 C4 C6, 基本满意 C3, 不满意 C3 ×2; closed unrated: C2; unreachable: none
    assert chart.labels == ["满意", "基本满意", "不满意", "未评价", "回访无法联系"]
    assert chart.series[0].values == [3, 1, 2, 1, 0]
    assert chart.table()[1][3] == ["未评价", "1"]


def test_stage_funnel(march: Engine) -> None:
    chart = stage_funnel(march, MARCH, DISTRICT)
    reached, stopped = (s.values for s in chart.series)
    # received in March: C1 C2 C3 C4 C5 C7 C8 C9 C10 = 9
    # reported: all but C4 (resolved in the community) and C8 (unreasonable) = 7
    # signed and dispatched: C1 C2 C3 C5 C7 C10 = 6; completed: C1 C2 C3 C4 C5 C10 = 6;
    # rated: C1 C3 C4 = 3
    assert reached == [9, 7, 6, 6, 6, 3]
    # furthest order: C8 received; C9 reported; C7 dispatched; C2 C5 C10 completed; C1 C3 C4 rated
    assert stopped == [1, 1, 0, 1, 3, 3]
    assert chart.labels[0] == "点单（登记）" and chart.keys[-1] == "rated"
    # a department's funnel starts from what was dispatched to it: 住建 C1 C2 C3 C10
    own = stage_funnel(march, MARCH, Scope.department("dp-zhujian"))
    assert own.series[0].values == [4, 4, 4, 4, 4, 2]


def test_echarts_option_is_json_ready(march: Engine) -> None:
    option = on_time_trend(march, MARCH, DISTRICT, bucket="week").echarts_option()
    json.dumps(option)
    assert option["xAxis"]["data"] == WEEKS
    rate = option["series"][2]
    assert (rate["type"], rate["yAxisIndex"], rate["data"]) == (
        "line",
        1,
        [None, 100.0, 100.0, 0.0, 0.0, None],
    )
    assert option["series"][0]["data"] == [0, 2, 2, 1, 1, 0]
