"""The figures as the offices define them (12345 三率 and the petition office's), hand-computed for a
fixed April 2026 of cases whose clocks are recorded, on SQLite and PostgreSQL.

April 2026: 13 April is a Monday; no holiday between 7 and 30 April. As of 15 May 2026.

- D0 (March) phone P: an earlier case, so P's April cases are repeats across periods.
- D1 住建 leads, 城管 co-handles. Registered and dispatched 13 April; 住建 accepts at 11:00, 城管 the
  next morning, after the response limit (13 April 23:59:59): the response clock ran out. The
  completion clock (住建's) is met on 15 April. Rated 已解决 · 满意.
- D2 住建. The street signed late (its sign clock ran out); 住建 accepted in time but completed on
  22 April, after its completion limit (20 April). Rated 未解决 · 不满意; closed after review (不满意结案).
- D3 城管 under the petition regulation's policy (calendar days; 15 days to respond): accepted
  on 20 April, within its own limit (29 April); completed 27 April, in time; three callbacks failed:
  closed as unreachable on 30 April. Phone P.
- D4 resolved in the community the same day under its report clock; rated by phone 已解决 · 基本满意.
- D5 phone P, registered 22 April, still with the community.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from store.metrics import Metrics, org_metrics
from store.periods import Period
from store.scopes import Scope
from store.weights import ScoreWeights
from tests.utils.readmodel import add_assignment, add_case, add_deadline, add_rating, sh

AS_OF = sh("2026-05-15 10:00")
APRIL = Period.month(2026, 4)
PHONE_P = "13911112222"


@pytest.fixture
def april(any_engine: Engine) -> Engine:
    e = any_engine
    add_case(
        e, received="2026-03-10 09:00", phone=PHONE_P, stage="closed", outcome="resolved",
        completed="2026-03-11 09:00", closed="2026-03-12 09:00",
    )  # fmt: skip
    d1 = add_case(
        e, received="2026-04-13 09:00", phone="13700000001", stage="closed", outcome="resolved",
        reported="2026-04-13 09:10", signed="2026-04-13 09:30", dispatched="2026-04-13 10:00",
        completed="2026-04-15 16:00", closed="2026-04-16 10:00", rating="satisfied", ever_overdue=True,
    )  # fmt: skip
    add_assignment(e, d1, "dp-zhujian", dispatched="2026-04-13 10:00", accepted="2026-04-13 11:00")
    add_assignment(
        e, d1, "dp-chengguan", lead=False, dispatched="2026-04-13 10:00", accepted="2026-04-14 09:00"
    )
    add_deadline(e, d1, "response", "2026-04-13 10:00", "2026-04-13 23:59:59", state="overdue",
                 closed="2026-04-14 09:00", org_id="dp-zhujian")  # fmt: skip
    add_deadline(e, d1, "completion", "2026-04-13 10:00", "2026-04-16 23:59:59",
                 closed="2026-04-15 16:00", org_id="dp-zhujian")  # fmt: skip
    add_rating(e, d1, "satisfied", "2026-04-16 10:00", lead="dp-zhujian", solved=True)

    d2 = add_case(
        e, received="2026-04-14 09:00", phone="13700000002", stage="closed", outcome="closed_dissatisfied",
        reported="2026-04-14 09:30", signed="2026-04-15 10:00", dispatched="2026-04-15 11:00",
        completed="2026-04-22 10:00", closed="2026-04-24 10:00", rating="dissatisfied", ever_overdue=True,
    )  # fmt: skip
    add_deadline(e, d2, "sign", "2026-04-14 09:30", "2026-04-14 23:59:59", state="overdue",
                 closed="2026-04-15 10:00", org_id="st-dongcheng")  # fmt: skip
    add_assignment(e, d2, "dp-zhujian", dispatched="2026-04-15 11:00", accepted="2026-04-15 11:30")
    add_deadline(e, d2, "response", "2026-04-15 11:00", "2026-04-15 23:59:59",
                 closed="2026-04-15 11:30", org_id="dp-zhujian")  # fmt: skip
    add_deadline(e, d2, "completion", "2026-04-15 11:00", "2026-04-20 23:59:59", state="overdue",
                 closed="2026-04-22 10:00", org_id="dp-zhujian")  # fmt: skip
    add_rating(e, d2, "dissatisfied", "2026-04-23 10:00", lead="dp-zhujian", solved=False)

    d3 = add_case(
        e, received="2026-04-13 09:00", phone=PHONE_P, policy_id="xinfang-2022", stage="closed",
        outcome="unreachable", callback_failures=3, reported="2026-04-13 10:00",
        signed="2026-04-13 11:00", dispatched="2026-04-14 09:00", completed="2026-04-27 10:00",
        closed="2026-04-30 10:00",
    )  # fmt: skip
    add_assignment(e, d3, "dp-chengguan", dispatched="2026-04-14 09:00", accepted="2026-04-20 09:00")
    add_deadline(e, d3, "response", "2026-04-13 09:00", "2026-04-28 23:59:59",
                 closed="2026-04-20 09:00", org_id="dp-chengguan")  # fmt: skip
    add_deadline(e, d3, "completion", "2026-04-14 09:00", "2026-06-13 23:59:59",
                 closed="2026-04-27 10:00", org_id="dp-chengguan")  # fmt: skip

    d4 = add_case(
        e, received="2026-04-20 09:00", phone="13700000004", stage="closed", outcome="resolved",
        completed="2026-04-20 15:00", closed="2026-04-21 10:00", rating="average",
    )  # fmt: skip
    add_deadline(e, d4, "report", "2026-04-20 09:00", "2026-04-20 23:59:59", closed="2026-04-20 15:00",
                 org_id="cm-qinghe")  # fmt: skip
    add_rating(e, d4, "average", "2026-04-21 10:00", channel="phone", solved=True)

    add_case(e, received="2026-04-22 09:00", phone=PHONE_P)  # D5
    return e


def figures(engine: Engine, scope: Scope, **kw: object) -> Metrics:
    return org_metrics(engine, APRIL, scope, as_of=AS_OF, **kw)  # type: ignore[arg-type]


def test_the_district_as_a_12345_centre_counts_it(april: Engine) -> None:
    m = figures(april, Scope.district("hj"))
    assert m.received == 5  # D1 to D5 registered in April (registration, not a 受理 decision)
    # 响应率, each against its own recorded limit: D1 住建 ✓, D1 城管 ✗, D2 住建 ✓, D3 城管 ✓ (its
    # regulation's 15 days, not "the same day")
    assert m.fractions["responded"] == (3, 4)
    # 按期办结率 from the completion clock alone: D1 ✓ (its late acceptance is not a late completion),
    # D2 ✗, D3 ✓, D4 ✓ (its report clock) → 3/4
    assert m.fractions["completed_on_time"] == (3, 4)
    # 解决率: the residents' answers D1 已解决, D2 未解决, D4 已解决 → 2/3
    assert m.fractions["resolved"] == (2, 3)
    # 满意率, pure: 满意 D1 of 3 ratings (D4's 基本满意 is not 满意) → 1/3
    assert m.satisfaction == pytest.approx(1 / 3) and not m.weighted_satisfaction
    assert m.ratings == {"satisfied": 1, "average": 1, "dissatisfied": 1}
    # closed in April after a result: D1 D2 D4 rated, D3 unreachable → 3/4; unreachable is its own 1
    assert m.fractions["rating_participation"] == (3, 4)
    assert m.unreachable == 1
    # handling time in each policy's own unit: working days D1 2, D2 6, D4 0; calendar days D3 14
    assert m.avg_days == pytest.approx(8 / 3) and m.p90_days == 6
    assert m.avg_calendar_days == pytest.approx(14.0)
    # repeats across periods by person: P first in March (D0), so D3 and D5 repeat
    assert m.repeat_requests == 2
    assert m.overdue_ever == 2  # D1, D2
    # 100 × (0.3 × 3/4 + 0.3 × 2/3 + 0.4 × 1/3)
    assert m.composite == pytest.approx(100 * (0.225 + 0.2 + 0.4 / 3))


def test_each_department_answers_for_its_own_clocks_and_every_handler_shares_the_rating(
    april: Engine,
) -> None:
    zhujian = figures(april, Scope.department("dp-zhujian"))
    assert zhujian.received == 2  # D1 D2
    assert zhujian.fractions["responded"] == (2, 2)
    assert zhujian.fractions["completed_on_time"] == (1, 2)  # D2 late
    assert zhujian.overdue_ever == 1  # D2's completion; D1's late acceptance was 城管's
    assert zhujian.fractions["resolved"] == (1, 2) and zhujian.satisfaction == pytest.approx(0.5)

    chengguan = figures(april, Scope.department("dp-chengguan"))
    assert chengguan.received == 2  # D1 (co-department) and D3
    assert chengguan.fractions["responded"] == (1, 2)  # D1 late, D3 in time
    assert chengguan.overdue_ever == 1  # D1: it had not accepted when the response limit passed
    # D1's 满意 counts for 城管 too, though 住建 led
    assert chengguan.ratings == {"satisfied": 1, "average": 0, "dissatisfied": 0}
    assert chengguan.fractions["resolved"] == (1, 1)
    assert chengguan.fractions["rating_participation"] == (1, 2)  # D1 rated, D3 unreachable
    assert chengguan.unreachable == 1
    assert chengguan.avg_days == pytest.approx(2.0) and chengguan.avg_calendar_days == pytest.approx(14.0)


def test_a_weighted_satisfaction_only_when_configured(april: Engine) -> None:
    m = figures(april, Scope.district("hj"), weights=ScoreWeights(average_rating=0.5))
    assert m.weighted_satisfaction and m.satisfaction == pytest.approx((1 + 0.5) / 3)
