"""The weights of the composite score and of a 一般 rating: data an admin may change, not code.

No official weights exist for a composite of the 12345 三率 (响应率 / 解决率 / 满意率), so the default
(0.3 / 0.3 / 0.4) is a stated choice, stored in one row of ``metric_weights`` and shown beside every
score as a formula. 满意率 is pure (满意 ÷ rated) unless an admin gives 基本满意 a weight; the figure is
then labelled 加权满意率.
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
    response: float = 0.3  # 响应率
    resolution: float = 0.3  # 解决率: the residents' own answer (已解决)
    satisfaction: float = 0.4  # 满意率
    average_rating: float = 0.0  # a 基本满意 rating counts as this much of a 满意 one (0: pure 满意率)

    def __post_init__(self) -> None:
        parts = {"响应率": self.response, "解决率": self.resolution, "满意率": self.satisfaction}
        for name, value in (*parts.items(), ("基本满意折算", self.average_rating)):
            if not isinstance(value, int | float) or math.isnan(value) or value < 0:
                raise ValueError(f"权重「{name}」必须是非负数 (weights must be non-negative): {value!r}")
        if self.average_rating > 1:
            raise ValueError(
                f"基本满意折算系数不能大于 1 (the 基本满意 weight is at most 1): {self.average_rating}"
            )
        if not math.isclose(sum(parts.values()), 1.0, abs_tol=1e-9):
            raise ValueError(
                f"响应率、解决率、满意率的权重之和必须为 1 (weights must sum to 1), 当前为 {sum(parts.values()):g}"
            )

    def composite_formula(self) -> str:
        return (
            f"三率加权得分 = 100 ×（{self.response:g} × 响应率 + {self.resolution:g} × 解决率"
            f" + {self.satisfaction:g} × {self.satisfaction_name()}）；某项无数据时不计入，其余权重按比例放大"
        )

    def satisfaction_name(self) -> str:
        return "加权满意率" if self.average_rating > 0 else "满意率"

    def satisfaction_formula(self) -> str:
        if self.average_rating > 0:
            return (
                f"加权满意率 =（满意数 + {self.average_rating:g} × 基本满意数）÷ 评价数（管理员设置的折算）"
            )
        return "满意率 = 满意数 ÷ 评价数（基本满意不计为满意）"


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
