"""Reporting periods in Asia/Shanghai, and who may see which figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.periods import Period, PeriodKind
from store.scopes import Scope, ScopeForbidden, Viewer, district_scope, scope_for_org
from store.visibility import may_see_rankings, require_scope, visible_scopes
from store.visibility import may_see_scope as may_see
from workdays import SHANGHAI


def test_periods_and_previous() -> None:
    assert Period.week(date(2026, 3, 4)) == Period(PeriodKind.WEEK, date(2026, 3, 2), date(2026, 3, 8))
    assert Period.month(2026, 1).previous() == Period.month(2025, 12)
    assert Period.quarter(2026, 1).previous() == Period.quarter(2025, 4)
    assert Period.quarter(2026, 1).end == date(2026, 3, 31)
    assert Period.week(date(2026, 1, 1)).previous().start == date(2025, 12, 22)
    assert Period.day(date(2026, 3, 1)).previous() == Period.day(date(2026, 2, 28))
    custom = Period.custom(date(2026, 3, 10), date(2026, 3, 16))
    assert custom.previous() == Period.custom(date(2026, 3, 3), date(2026, 3, 9))
    with pytest.raises(ValueError):
        Period(PeriodKind.MONTH, date(2026, 3, 2), date(2026, 3, 31))
    with pytest.raises(ValueError):
        Period.custom(date(2026, 3, 2), date(2026, 3, 1))


def test_boundaries_are_shanghai_midnight() -> None:
    march = Period.month(2026, 3)
    assert march.starts_at == datetime(2026, 3, 1, tzinfo=SHANGHAI)
    assert march.contains(datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in Shanghai
    assert not march.contains(datetime(2026, 3, 31, 16, 0, tzinfo=UTC))  # 1 April 00:00 in Shanghai
    assert not march.contains(None)


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("2026-03-05", "2026年3月5日"),
        ("2026-W10", "2026年第10周（3月2日—3月8日）"),
        ("2026-03", "2026年3月"),
        ("2026-Q1", "2026年第1季度"),
        ("2026-03-01..2026-03-15", "2026年3月1日—2026年3月15日"),
    ],
)
def test_keys_round_trip(key: str, label: str) -> None:
    period = Period.parse(key)
    assert period.key == key
    assert period.label == label


@pytest.mark.parametrize("key", ["2026-13", "2026-Q5", "2026-02-30", "last month", "2026-03-10..2026-03-01"])
def test_bad_keys(key: str) -> None:
    with pytest.raises(ValueError, match="统计周期无效"):
        Period.parse(key)


def test_buckets() -> None:
    q1 = Period.quarter(2026, 1)
    assert [b.key for b in q1.buckets("month")] == ["2026-01", "2026-02", "2026-03"]
    assert len(q1.buckets("day")) == 90
    with pytest.raises(ValueError):
        q1.buckets("quarter")


def test_department_sees_only_itself(engine: Engine) -> None:
    with Session(engine) as s:
        viewer = Viewer("department", "dp-zhujian")
        assert visible_scopes(s, viewer) == [Scope.department("dp-zhujian")]
        assert not may_see(s, viewer, Scope.department("dp-chengguan"))
        assert not may_see(s, viewer, Scope.district("hj"))
        with pytest.raises(ScopeForbidden):
            require_scope(s, viewer, Scope.street("st-dongcheng"))
        assert not may_see_rankings(viewer)


def test_leader_street_community_and_supervision(engine: Engine) -> None:
    with Session(engine) as s:
        leader = Viewer("leader", "ld-office", ("st-dongcheng",))
        assert visible_scopes(s, leader) == [
            Scope.street("st-dongcheng"),
            Scope.community("cm-jinxiu"),
            Scope.community("cm-qinghe"),
            Scope.community("cm-yingbin"),
        ]
        assert not may_see(s, leader, Scope.street("st-xihu"))
        assert may_see_rankings(leader)
        street = Viewer("street", "st-xihu")
        assert visible_scopes(s, street) == [
            Scope.street("st-xihu"),
            Scope.community("cm-hubin"),
            Scope.community("cm-wenhua"),
        ]
        assert visible_scopes(s, Viewer("grid_worker", "cm-qinghe")) == [Scope.community("cm-qinghe")]
        everything = visible_scopes(s, Viewer("supervision", "sv-ducha"))
        assert everything[0] == Scope.district("hj")
        assert len(everything) == 1 + 3 + 8 + 8  # district, streets, communities, departments
        assert visible_scopes(s, Viewer("admin", "hj")) == everything
        assert visible_scopes(s, Viewer("resident", "")) == []
        assert district_scope(s) == Scope.district("hj")
        assert scope_for_org(s, "cm-hubin") == Scope.community("cm-hubin")
        with pytest.raises(ValueError):
            scope_for_org(s, "sv-ducha")
