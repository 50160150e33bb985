"""Figures checked against the hand-made March 2026 of ``conftest.march`` (cases C1 to C11).

Every expected number is worked out by hand in a comment. "As of" is 15 April 2026, 10:00, so every
March deadline has passed.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from store.metric_defs import DEFINITIONS, format_value
from store.metrics import Metrics, composite_score, org_metrics
from store.periods import Period
from store.scopes import Scope
from store.weights import ScoreWeights, load_weights, save_weights
from tests.utils.readmodel import sh

AS_OF = sh("2026-04-15 10:00")
MARCH = Period.month(2026, 3)
DISTRICT = Scope.district("hj")
DONGCHENG = Scope.street("st-dongcheng")
ZHUJIAN = Scope.department("dp-zhujian")
CHENGGUAN = Scope.department("dp-chengguan")


def metrics(engine: Engine, scope: Scope, period: Period = MARCH, **kw: object) -> Metrics:
    return org_metrics(engine, period, scope, as_of=AS_OF, **kw)  # type: ignore[arg-type]


def test_district_march(march: Engine) -> None:
    m = metrics(march, DISTRICT)
    # received in March: C1 C2 C3 C4 C5 C7 C8 C9 C10 (C6 February, C11 April by Shanghai time) = 9
    assert m.received == 9
    # reported in March: C1 ✓, C2 ✓ (after 17:00: limit is the next working day), C3 ✗ (next day),
    # C7 ✓, C9 ✗ (never signed, limit passed), C10 ✓ → 4/6
    assert m.fractions["signed_on_time"] == (4, 6)
    assert m.signed_on_time == pytest.approx(4 / 6)
    # dispatched in March: C1 住建 ✓ (after cutoff), C2 住建 ✗, C2 城管 ✗, C3 城管 returned (left
    # out), C3 住建 ✓, C7 城管 ✗ (never), C10 住建 ✓ → 3/6
    assert m.fractions["responded"] == (3, 6)
    assert m.responded == pytest.approx(0.5)
    # completed in March: C1 ✓, C2 ✗, C3 ✗, C4 ✓, C6 ✓ (received in February), C10 ✓ → 4/6
    assert m.fractions["completed_on_time"] == (4, 6)
    # overdue now: C7, C9; overdue ever among March intake: C2 C3 C7 C9; supervised: C2
    assert (m.overdue_now, m.overdue_ever, m.supervised) == (2, 4, 1)
    # returned: C3 → 1/9; extensions: C2 C10 → 2/9
    assert m.fractions["returned"] == (1, 9)
    assert m.fractions["extension_rate"] == (2, 9)
    # working days: C1 3, C2 14, C3 14, C4 0, C6 3, C10 2 → mean 36/6 = 6.0; p90 = 6th of 6 = 14
    assert m.avg_days == pytest.approx(6.0)
    assert m.p90_days == 14
    # closed in March with a result delivered: C1 C3 C4 C6 resolved, C2 not rated (C8 unreasonable
    # is not counted) → 4/5
    assert m.fractions["rating_participation"] == (4, 5)
    # ratings in March: C1 满意, C3 不满意 ×2 + 一般, C4 满意, C6 满意: 3 满意, 1 一般, 2 不满意
    assert m.ratings == {"satisfied": 3, "average": 1, "dissatisfied": 2}
    assert m.satisfaction == pytest.approx(3 / 6)  # pure: 基本满意 is not 满意
    assert m.dissatisfaction == pytest.approx(2 / 6)
    assert m.resolved is None  # none of these ratings was asked 是否解决
    # C3 reopened twice in March: counted once
    assert m.reopened == 1
    # phones, across periods: A first on C6 (February), so C1 C3 C8 are all repeats; 13800000002 on
    # C2 (as 138-0000-0002) and C10 (1 repeat) → 4
    assert m.repeat_requests == 4
    # 解决率 has no data: 100 × (0.3 × 0.5 + 0.4 × 0.5) / 0.7 = 50
    assert m.composite == pytest.approx(50.0)
    assert m.completed == 6


def test_street_scope(march: Engine) -> None:
    m = metrics(march, DONGCHENG)
    # 东城 (清河, 迎宾): C1 C2 C3 C7 C8 C10 received in March; C6 is February's
    assert m.received == 6
    # reported: C1 ✓ C2 ✓ C3 ✗ C7 ✓ C10 ✓ → 4/5; overdue now: C7 only (C9 is 西湖's)
    assert m.fractions["signed_on_time"] == (4, 5)
    assert m.overdue_now == 1
    # completed: C1 ✓ C2 ✗ C3 ✗ C6 ✓ C10 ✓ → 3/5; ratings: C1 满意, C3 不满意 ×2 一般, C6 满意
    assert m.fractions["completed_on_time"] == (3, 5)
    assert m.ratings == {"satisfied": 2, "average": 1, "dissatisfied": 2}
    assert m.satisfaction == pytest.approx(2 / 5)


def test_department_sees_only_its_own_cases(march: Engine) -> None:
    m = metrics(march, ZHUJIAN)
    # dispatched to 住建 in March: C1 C2 C3 C10 (C6 was dispatched in February)
    assert m.received == 4
    assert m.signed_on_time is None  # a street's act, not a department's
    # C1 ✓ C2 ✗ C3 ✓ C10 ✓ → 3/4
    assert m.fractions["responded"] == (3, 4)
    # its cases completed in March: C1 ✓ C2 ✗ C3 ✗ C6 ✓ C10 ✓ → 3/5
    assert m.fractions["completed_on_time"] == (3, 5)
    # days 3, 14, 14, 3, 2 → mean 7.2, p90 = ⌈4.5⌉ = 5th of 5 = 14
    assert m.avg_days == pytest.approx(7.2)
    assert m.p90_days == 14
    # ratings of the cases it handled: C1 满意, C3 不满意 ×2 基本满意, C6 满意 → 2 / 5 = 0.4
    assert m.satisfaction == pytest.approx(0.4)
    # it handled C1 C2 C3 C6 C10; closed in March with a result: C1 C2 C3 C6, 3 rated of 4
    assert m.fractions["rating_participation"] == (3, 4)
    assert m.fractions["extension_rate"] == (2, 4)  # C2 and C10, both led by 住建
    assert (m.overdue_now, m.reopened, m.returned) == (0, 1, 0.0)
    # 解决率 has no data: 100 × (0.3 × 0.75 + 0.4 × 0.4) / 0.7 = 55
    assert m.composite == pytest.approx(55.0)


def test_department_returns_and_missing_component(march: Engine) -> None:
    m = metrics(march, CHENGGUAN)
    # dispatched to 城管 in March: C2, C3 (returned), C7
    assert m.received == 3
    assert m.fractions["returned"] == (1, 3)
    # C2 ✗, C3 returned (left out), C7 never accepted ✗ → 0/2
    assert m.fractions["responded"] == (0, 2)
    # the returned C3 is not its case: completed in March only C2 (✗); overdue ever C2 C7
    assert m.fractions["completed_on_time"] == (0, 1)
    assert (m.overdue_ever, m.overdue_now) == (2, 1)
    # no ratings: satisfaction and 解决率 None, composite from 响应率 alone: 0
    assert m.satisfaction is None
    assert m.composite == pytest.approx(0.0)


def test_empty_period_gives_none_not_zero_division(march: Engine) -> None:
    m = metrics(march, DISTRICT, Period.month(2026, 1))
    assert (m.received, m.overdue_ever, m.reopened, m.repeat_requests, m.completed) == (0, 0, 0, 0, 0)
    for key in ("signed_on_time", "responded", "completed_on_time", "returned", "extension_rate",
                "avg_days", "p90_days", "avg_calendar_days", "rating_participation", "resolved",
                "satisfaction", "dissatisfaction", "composite"):  # fmt: skip
        assert m.value(key) is None, key
        assert m.display(key) == "—"
    assert m.overdue_now == 2  # a snapshot, whatever the period
    assert not metrics(march, ZHUJIAN, Period.month(2026, 1)).has_data


def test_cases_crossing_period_boundaries(march: Engine) -> None:
    m = metrics(march, DISTRICT, Period.month(2026, 4))
    # received in April: only C11 (1 April 07:00 Shanghai, 31 March in UTC); C5 was received in March
    assert m.received == 1
    # completed in April: C5 (received in March), on time, 3 working days (1, 2, 3 April)
    assert m.fractions["completed_on_time"] == (1, 1)
    assert m.avg_days == pytest.approx(3.0)
    # reported, signed and accepted in April: C5 ✓ both
    assert m.fractions["signed_on_time"] == (1, 1)
    assert m.fractions["responded"] == (1, 1)
    # February: C6 received and dispatched there, completed in March
    feb = metrics(march, DISTRICT, Period.month(2026, 2))
    assert (feb.received, feb.completed) == (1, 0)


def test_pending_items_wait_for_their_deadline(march: Engine) -> None:
    # As of 30 March 12:00, C9 (reported 11:00 that day) still has until 23:59:59 to be signed.
    m = org_metrics(march, MARCH, DISTRICT, as_of=sh("2026-03-30 12:00"))
    assert m.fractions["signed_on_time"] == (4, 5)


def test_average_rating_weight_is_configurable(march: Engine) -> None:
    weights = ScoreWeights(average_rating=1.0)
    m = metrics(march, DISTRICT, weights=weights)
    assert m.satisfaction == pytest.approx((3 + 1) / 6) and m.weighted_satisfaction
    save_weights(march, ScoreWeights(0.5, 0.5, 0.0, average_rating=0.0), updated_by="admin")
    stored = load_weights(march)
    assert stored == ScoreWeights(0.5, 0.5, 0.0, 0.0)
    m = metrics(march, DISTRICT)  # weights read from the store
    assert m.satisfaction == pytest.approx(3 / 6) and not m.weighted_satisfaction
    # 解决率 has no data, so 响应率 alone: 100 × 0.5 × 0.5 / 0.5 = 50
    assert m.composite == pytest.approx(50.0)


@pytest.mark.parametrize(
    "weights",
    [(0.5, 0.5, 0.5, 0.6), (-0.1, 0.6, 0.5, 0.6), (0.3, 0.3, 0.4, 1.5), (0.3, 0.3, 0.4, float("nan"))],
)
def test_weights_are_validated(weights: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError):
        ScoreWeights(*weights)


def test_composite_formula_and_missing_components() -> None:
    w = ScoreWeights()
    assert w.composite_formula().startswith(
        "三率加权得分 = 100 ×（0.3 × 响应率 + 0.3 × 解决率 + 0.4 × 满意率）"
    )
    assert w.satisfaction_formula() == "满意率 = 满意数 ÷ 评价数（基本满意不计为满意）"
    weighted = ScoreWeights(average_rating=0.6)
    assert weighted.satisfaction_formula().startswith("加权满意率 =（满意数 + 0.6 × 基本满意数）÷ 评价数")
    assert "0.4 × 加权满意率" in weighted.composite_formula()
    assert composite_score(w, 1.0, 0.5, 0.75) == pytest.approx(100 * (0.3 + 0.15 + 0.3))
    assert composite_score(w, None, None, 0.75) == pytest.approx(75.0)
    assert composite_score(w, None, None, None) is None


def test_every_figure_has_a_definition() -> None:
    figures = set(Metrics.__dataclass_fields__) - {
        "period",
        "scope",
        "fractions",
        "ratings",
        "completed",
        "weighted_satisfaction",
        "has_data",
    }
    assert figures == set(DEFINITIONS)
    for d in DEFINITIONS.values():
        assert d.zh and d.en and d.definition_zh and d.definition_en
    assert format_value("satisfaction", 0.9354) == "93.5%"
    assert format_value("avg_days", 2.25) == "2.2"
    assert format_value("received", 12) == "12"


def test_figures_read_the_deadlines_cases_recorded(march: Engine) -> None:
    """A case's recorded clock wins over today's recomputation: C3 was signed the day after it was
    reported (late by today's calendar), but its case recorded a sign deadline two days out (the limit
    in force when it ran), so it counts as on time; C9's recorded clock is still running (not late)."""
    from sqlmodel import Session, select

    from store.case_records import CaseDeadline
    from store.models import Case

    with Session(march) as session:
        for reported, due in (
            ("2026-03-05 11:00", "2026-03-31 23:59"),
            ("2026-03-30 11:00", "2026-05-01 23:59"),
        ):
            case = session.exec(select(Case).where(Case.reported_at == sh(reported))).one()  # C3, C9
            assert case.reported_at is not None
            session.add(
                CaseDeadline(
                    case_code=case.code,
                    deadline_id="sign-1",
                    kind="sign",
                    started_at=case.reported_at,
                    warn_at=case.reported_at,
                    due_at=sh(due),
                    state="met" if case.signed_at else "running",
                    closed_at=case.signed_at,
                )
            )
        session.commit()
    # C1 ✓, C2 ✓, C3 ✓ (recorded limit), C7 ✓, C9 not yet due (recorded), C10 ✓ → 5/5
    assert metrics(march, DISTRICT).fractions["signed_on_time"] == (5, 5)
