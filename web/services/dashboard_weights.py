"""Admin: the weights of the composite score and of a 基本满意 rating (``store.weights``)."""

from __future__ import annotations

import logging
import math

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.report_tables import MetricWeights
from store.weights import ScoreWeights, load_weights, save_weights
from web.i18n import TEXT
from workflows.types import Actor

log = logging.getLogger("liudan.web.weights")
FIELDS = ("response", "resolution", "satisfaction", "average_rating")


class WeightsRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def current_weights(engine: Engine) -> tuple[ScoreWeights, MetricWeights | None]:
    """The weights in force, and the stored row (who set them and when; None: the defaults)."""
    with Session(engine) as session:
        row = session.get(MetricWeights, 1)
    return load_weights(engine), row


def parse_weights(values: dict[str, str]) -> ScoreWeights:
    """The form's four numbers as weights; ``WeightsRejected`` with the reason otherwise."""
    numbers: dict[str, float] = {}
    for name in FIELDS:
        text = values.get(name, "").strip()
        try:
            number = float(text)
        except ValueError:
            raise WeightsRejected(TEXT["weights_not_number"].format(field=TEXT["weights_" + name])) from None
        if not math.isfinite(number):
            raise WeightsRejected(TEXT["weights_not_number"].format(field=TEXT["weights_" + name]))
        numbers[name] = number
    try:
        return ScoreWeights(**numbers)
    except ValueError as error:
        raise WeightsRejected(str(error)) from error


def update_weights(engine: Engine, admin: Actor, values: dict[str, str]) -> ScoreWeights:
    weights = parse_weights(values)
    save_weights(engine, weights, updated_by=admin.user_id)
    log.info("score weights set by %s: %s", admin.user_id, weights)
    return weights
