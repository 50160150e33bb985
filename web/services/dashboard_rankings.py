"""The rankings board (红黑榜): departments or streets ranked by the composite or one figure, with
the move since the previous period, as ``store.rankings`` ranks them (ties share a rank)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from store.metric_defs import DEFINITIONS, RANKABLE
from store.rankings import RankRow, rankings
from store.weights import load_weights
from web.i18n import TEXT
from web.services.dashboard_params import Selection, href

# The other figures a board shows beside the one it ranks by.
BOARD_COLUMNS = (
    "composite",
    "received",
    "responded",
    "resolved",
    "completed_on_time",
    "satisfaction",
    "overdue_now",
)
GROUPS = {"department": "rank_departments", "street": "rank_streets"}


@dataclass(frozen=True)
class RankLine:
    position: int | None  # None: no data this period, listed last
    previous_position: int | None
    rank: str  # 1, or — when the org has no data this period
    tied: bool
    org_id: str
    org_name: str
    value: str
    move: str  # ↑3 / ↓1 / — / 新
    move_class: str  # up | down | same | new
    previous_rank: str
    columns: list[str]  # the board's other figures as shown


@dataclass(frozen=True)
class Choice:
    value: str
    name: str
    href: str
    selected: bool


@dataclass(frozen=True)
class RankingBoard:
    group: str
    group_name: str
    by: str
    by_name: str
    by_definition: str
    formula: str
    lines: list[RankLine]
    groups: list[Choice]  # the department / street tabs
    metrics: list[Choice]  # what to rank by
    columns: list[tuple[str, str]]  # (name, definition) of BOARD_COLUMNS but the one ranked by


def move_class(label: str) -> str:
    if label.startswith("↑"):
        return "up"
    if label.startswith("↓"):
        return "down"
    return "new" if label == "新" else "same"


def rank_lines(rows: list[RankRow], columns: tuple[str, ...]) -> list[RankLine]:
    shared = Counter(r.rank for r in rows if r.rank is not None)
    return [
        RankLine(
            position=r.rank,
            previous_position=r.previous_rank,
            rank=str(r.rank) if r.rank is not None else "—",
            tied=r.rank is not None and shared[r.rank] > 1,
            org_id=r.org_id,
            org_name=r.org_name,
            value=r.display,
            move=r.change_label,
            move_class=move_class(r.change_label),
            previous_rank=str(r.previous_rank) if r.previous_rank is not None else "—",
            columns=[r.metrics.display(k) for k in columns],
        )
        for r in rows
    ]


def ranking_board(engine: Engine, selection: Selection, group: str, by: str) -> RankingBoard:
    weights = load_weights(engine)
    rows = rankings(engine, selection.period, group, by, weights=weights)
    key = selection.period.key
    columns = tuple(k for k in BOARD_COLUMNS if k != by)
    return RankingBoard(
        group=group,
        group_name=TEXT[GROUPS[group]],
        by=by,
        by_name=DEFINITIONS[by].zh,
        by_definition=DEFINITIONS[by].definition,
        formula=weights.composite_formula(),
        lines=rank_lines(rows, columns),
        groups=[
            Choice(g, TEXT[name], href("/dashboard/rankings", period=key, group=g, by=by), g == group)
            for g, name in GROUPS.items()
        ],
        metrics=[
            Choice(k, DEFINITIONS[k].zh, href("/dashboard/rankings", period=key, group=group, by=k), k == by)
            for k in RANKABLE
        ],
        columns=[(DEFINITIONS[k].zh, DEFINITIONS[k].definition) for k in columns],
    )
