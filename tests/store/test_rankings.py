"""Rankings: order, ties (1, 1, 3), orgs without data last, and the change since the last period."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from store.periods import Period
from store.rankings import change_label, rank_values, rankings
from tests.utils.readmodel import add_assignment, add_case, add_rating, sh

AS_OF = sh("2026-04-15 10:00")
FEB, MARCH = Period.month(2026, 2), Period.month(2026, 3)
STREET_OF = {"st-dongcheng": "cm-qinghe", "st-xihu": "cm-hubin", "st-nanshan": "cm-lijia"}


def rated(engine: Engine, street: str, value: str, at: str) -> None:
    code = add_case(engine, received=at, street=street, community=STREET_OF[street], stage="closed")
    add_rating(engine, code, value, at)


def handled(engine: Engine, department: str, day: str, accepted: str, rating: str) -> None:
    """A case dispatched to ``department`` at 09:00 on ``day``, completed on time, rated."""
    code = add_case(
        engine, received=f"{day} 08:00", dispatched=f"{day} 09:00", completed=f"{day} 09:30",
        closed=f"{day} 10:00", stage="closed", outcome="resolved", rating=rating,
    )  # fmt: skip
    add_assignment(engine, code, department, dispatched=f"{day} 09:00", accepted=accepted)
    add_rating(engine, code, rating, f"{day} 10:00", lead=department, solved=True)


def test_streets_by_satisfaction_with_ties_and_changes(any_engine: Engine) -> None:
    # February: 西湖 满意 1.0 (1st), 南山 满意 + 基本满意 0.5 (2nd), 东城 不满意 0 (3rd)
    rated(any_engine, "st-xihu", "satisfied", "2026-02-10 10:00")
    rated(any_engine, "st-nanshan", "satisfied", "2026-02-11 10:00")
    rated(any_engine, "st-nanshan", "average", "2026-02-11 11:00")
    rated(any_engine, "st-dongcheng", "dissatisfied", "2026-02-12 10:00")
    # March: 东城 1.0 and 西湖 1.0 share 1st, 南山 0 is 3rd (competition ranking)
    rated(any_engine, "st-dongcheng", "satisfied", "2026-03-10 10:00")
    rated(any_engine, "st-xihu", "satisfied", "2026-03-11 10:00")
    rated(any_engine, "st-nanshan", "dissatisfied", "2026-03-12 10:00")
    rows = rankings(any_engine, MARCH, kind="street", by="satisfaction", as_of=AS_OF)
    assert [(r.rank, r.org_name, r.display, r.previous_rank, r.change_label) for r in rows] == [
        (1, "东城街道", "100.0%", 3, "↑2"),
        (1, "西湖街道", "100.0%", 1, "—"),
        (3, "南山镇", "0.0%", 2, "↓1"),
    ]
    assert [r.change for r in rows] == [2, 0, -1]


def test_departments_by_composite(any_engine: Engine) -> None:
    # February: 城管 replies the same day, 已解决, 满意 → 100 (1st); 住建 replies the next day →
    # 100 × (0.3 × 0 + 0.3 + 0.4) = 70 (2nd)
    handled(any_engine, "dp-chengguan", "2026-02-10", "2026-02-10 10:00", "satisfied")
    handled(any_engine, "dp-zhujian", "2026-02-10", "2026-02-11 10:00", "satisfied")
    # March: 住建 100 and 市场监管 100 (new this month) share 1st; 城管 reply ✗, 已解决, 基本满意
    # (not 满意): 100 × (0.3 × 0 + 0.3 × 1 + 0.4 × 0) = 30 (3rd)
    handled(any_engine, "dp-zhujian", "2026-03-10", "2026-03-10 10:00", "satisfied")
    handled(any_engine, "dp-shichang", "2026-03-11", "2026-03-11 10:00", "satisfied")
    handled(any_engine, "dp-chengguan", "2026-03-12", "2026-03-13 10:00", "average")
    rows = rankings(any_engine, MARCH, as_of=AS_OF)
    top = [(r.rank, r.org_id, r.value, r.change_label) for r in rows[:3]]
    assert top == [
        (1, "dp-zhujian", pytest.approx(100.0), "↑1"),
        (1, "dp-shichang", pytest.approx(100.0), "新"),
        (3, "dp-chengguan", pytest.approx(30.0), "↓2"),
    ]
    # the five departments without a case: last, unranked, "—"
    assert len(rows) == 8
    assert all(
        r.rank is None and r.value is None and r.display == "—" and r.change_label == "—" for r in rows[3:]
    )
    # a count figure: no case is no data, not "0 overdue" at the top of the board
    by_overdue = rankings(any_engine, MARCH, by="overdue_ever", as_of=AS_OF)
    assert [(r.rank, r.value) for r in by_overdue[:3]] == [(1, 0), (1, 0), (1, 0)]
    assert all(r.value is None for r in by_overdue[3:])


def test_rank_values_direction_and_rounding() -> None:
    assert rank_values({"a": 0.1, "b": 0.3, "c": 0.1, "d": None}, "lower") == {"a": 1, "c": 1, "b": 3}
    assert rank_values({"a": 2 / 3, "b": 4 / 6 + 1e-12, "c": 0.9}, "higher") == {"c": 1, "a": 2, "b": 2}
    assert rank_values({}, "higher") == {}


def test_change_labels() -> None:
    assert [change_label(1, 4), change_label(3, 2), change_label(2, 2), change_label(1, None)] == [
        "↑3",
        "↓1",
        "—",
        "新",
    ]
    assert change_label(None, 1) == "—"


def test_unknown_ranking_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="cannot rank by"):
        rankings(engine, MARCH, by="nonsense")
    with pytest.raises(ValueError, match="departments or streets"):
        rankings(engine, MARCH, kind="community")
