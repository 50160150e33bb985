"""The weights of the composite score and of a 一般 rating: data an admin may change, not code.

No official weights exist for the 12345-style composite (响应率 / 解决率 / 满意率), so the default
(0.3 / 0.3 / 0.4, 一般 = 0.6 of 满意) is a stated choice, stored in one row of ``metric_weights``
and shown beside every score as a formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.report_tables import MetricWeights


@dataclass(frozen=True)
class ScoreWeights:
    response: float = 0.3  # 响应率: 当日响应率
    resolution: float = 0.3  # 解决率: 按期办结率
    satisfaction: float = 0.4  # 满意率
    average_rating: float = 0.6  # a 一般 rating counts as this much of a 满意 one

    def __post_init__(self) -> None:
        parts = {"响应率": self.response, "解决率": self.resolution, "满意率": self.satisfaction}
        for name, value in (*parts.items(), ("一般评价折算", self.average_rating)):
            if not isinstance(value, int | float) or math.isnan(value) or value < 0:
                raise ValueError(f"权重「{name}」必须是非负数 (weights must be non-negative): {value!r}")
        if self.average_rating > 1:
            raise ValueError(
                f"一般评价折算系数不能大于 1 (the 一般 weight is at most 1): {self.average_rating}"
            )
        if not math.isclose(sum(parts.values()), 1.0, abs_tol=1e-9):
            raise ValueError(
                f"响应率、解决率、满意率的权重之和必须为 1 (weights must sum to 1), 当前为 {sum(parts.values()):g}"
            )

    def composite_formula(self) -> str:
        return (
            f"综合得分 = 100 ×（{self.response:g} × 当日响应率 + {self.resolution:g} × 按期办结率"
            f" + {self.satisfaction:g} × 满意率）；某项无数据时不计入，其余权重按比例放大"
        )

    def satisfaction_formula(self) -> str:
        return f"满意率 =（满意数 + {self.average_rating:g} × 一般数）÷ 评价数"


def load_weights(engine: Engine) -> ScoreWeights:
    with Session(engine) as session:
        row = session.get(MetricWeights, 1)
    if row is None:
        return ScoreWeights()
    return ScoreWeights(row.response, row.resolution, row.satisfaction, row.average_rating)


def save_weights(engine: Engine, weights: ScoreWeights, *, updated_by: str) -> None:
    """Stores the weights (already validated by ``ScoreWeights``); rankings use them from now on."""
    with Session(engine) as session:
        row = session.get(MetricWeights, 1) or MetricWeights(
            response=0, resolution=0, satisfaction=0, average_rating=0
        )
        row.response, row.resolution = weights.response, weights.resolution
        row.satisfaction, row.average_rating = weights.satisfaction, weights.average_rating
        row.updated_by, row.updated_at = updated_by, datetime.now(UTC)
        session.add(row)
        session.commit()
