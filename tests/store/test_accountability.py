"""The accountability list's arithmetic (every department that handled a rated case, returns and
ended parts left out), its thresholds, and 约谈 records, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.accountability import (
    DepartmentTally,
    Interview,
    Part,
    Rule,
    Thresholds,
    department_tallies,
    handlers_at,
    load_thresholds,
    save_thresholds,
)
from store.interviews import interviews, pending_talks, record_interview, talk_status
from store.periods import Period
from store.scopes import Viewer
from tests.utils.accountability import ABSENT, EXPECTED, code, rated_march
from tests.utils.readmodel import add_assignment, add_case, add_event, sh
from workflows.types import Role

MARCH = Period.month(2026, 3)


def listed(engine: Engine, thresholds: Thresholds) -> dict[str, tuple[DepartmentTally, list[str]]]:
    with Session(engine) as session:
        tallies = department_tallies(session, MARCH)
    return {
        org: (tally, [b.rule for b in thresholds.breaches(tally)])
        for org, tally in tallies.items()
        if thresholds.breaches(tally)
    }


def test_the_list_counts_every_department_that_handled_a_case(any_engine: Engine) -> None:
    rated_march(any_engine)
    found = listed(any_engine, Thresholds())
    assert set(found) == {row[0] for row in EXPECTED}
    for org, rated, satisfied, average, dissatisfied, rate, (by_rate, by_count), cases in EXPECTED:
        tally, rules = found[org]
        assert (tally.rated, tally.satisfied, tally.average, tally.dissatisfied) == (
            rated,
            satisfied,
            average,
            dissatisfied,
        ), org
        assert f"{tally.satisfaction_percent:.1f}%" == rate, org
        assert rules == [
            r for r, on in ((Rule.SATISFACTION, by_rate), (Rule.DISSATISFIED, by_count)) if on
        ], org
        assert tally.dissatisfied_cases == cases, org
    assert not set(ABSENT) & set(found)


def test_departments_left_off_are_left_off_for_the_stated_reason(any_engine: Engine) -> None:
    rated_march(any_engine)
    with Session(any_engine) as session:
        tallies = department_tallies(session, MARCH)
    # 市场监管: only its own three 满意; the case it returned and the part it returned are not its.
    assert (tallies["dp-shichang"].rated, tallies["dp-shichang"].satisfied) == (3, 3)
    # 民政: 4 of 5 满意 is 80.0 %, not below 80 %; one 不满意 is fewer than two.
    assert (tallies["dp-minzheng"].rated, tallies["dp-minzheng"].satisfaction_percent) == (5, 80.0)
    # 生态环境: two 不满意 out of two, but two ratings are too few to judge.
    assert (tallies["dp-huanjing"].rated, tallies["dp-huanjing"].dissatisfied) == (2, 2)
    # 交通: its part ended when the lead unit returned the case; the later rating is not its.
    assert (tallies["dp-jiaotong"].rated, tallies["dp-jiaotong"].dissatisfied) == (3, 0)
    # Ratings outside the period never count (28 Feb 23:59 and 1 Apr 00:00, Asia/Shanghai).
    assert code(5) not in tallies["dp-zhujian"].dissatisfied_cases
    assert code(6) not in tallies["dp-zhujian"].dissatisfied_cases


def test_the_thresholds_are_data(any_engine: Engine) -> None:
    rated_march(any_engine)
    assert load_thresholds(any_engine) == (Thresholds(), None)
    save_thresholds(
        any_engine,
        Thresholds(min_ratings=2, satisfaction_below=0, dissatisfied_at_least=2),
        updated_by="admin",
    )
    thresholds, row = load_thresholds(any_engine)
    assert thresholds == Thresholds(2, 0, 2) and row is not None and row.updated_by == "admin"
    found = listed(any_engine, thresholds)
    # Judged from two ratings, on the 不满意 count only: 生态环境 joins, 住建 (one 不满意) leaves.
    assert set(found) == {"dp-gongan", "dp-chengguan", "dp-renshe", "dp-huanjing"}
    assert all(rules == [Rule.DISSATISFIED] for _, rules in found.values())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((0, 80.0, 2), "最少评价数"),
        ((3, 100.5, 2), "满意率阈值"),
        ((3, float("nan"), 2), "满意率阈值"),
        ((3, 80.0, -1), "不满意件数"),
        ((3, 0, 0), "至少启用一项"),
    ],
)
def test_thresholds_that_mean_nothing_are_refused(values: tuple[int, float, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Thresholds(*values)


def test_who_handled_a_case_when_it_was_rated() -> None:
    at = datetime(2026, 3, 10, tzinfo=UTC)
    first, second = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)
    parts = [
        Part("a", first),
        Part("b", second),
        Part("c", second),
        Part("late", datetime(2026, 3, 11, tzinfo=UTC)),
    ]
    assert handlers_at(parts, {}, at) == ["b", "c"]  # "a" ended with the new dispatch; "late" came after
    assert handlers_at(parts, {"c": [datetime(2026, 3, 6, tzinfo=UTC)]}, at) == ["b"]  # c returned its part
    assert handlers_at(parts, {"b": [datetime(2026, 3, 2, tzinfo=UTC)]}, at) == ["b", "c"]  # before it got it
    assert handlers_at([Part("x", None)], {}, at) == []


def _interview(org_id: str, held: str, period_key: str = "") -> Interview:
    return Interview(
        org_id=org_id,
        person_name="刘伟",
        person_post="局长",
        held_by_id="leader-wang",
        held_by_name="王建国（副区长）",
        held_by_role="leader",
        held_at=sh(held),
        reason="交办事项落实不力",
        outcome="限期十日整改",
        period_key=period_key,
        recorded_by="discipline",
        recorded_at=sh(held),
    )


def test_an_ordered_talk_waits_until_a_record_names_its_case(any_engine: Engine) -> None:
    ordered = add_case(any_engine, stage="handle", talk_ordered=True, supervised=True)
    add_assignment(any_engine, ordered, "dp-zhujian", dispatched="2026-03-02 09:00")
    add_event(
        any_engine,
        ordered,
        "supervise",
        "2026-03-09 10:00",
        org_id="ld-office",
        role="leader",
        note="限期办结（约谈部门负责人）",
    )
    elsewhere = add_case(
        any_engine, stage="handle", talk_ordered=True, street="st-xihu", community="cm-hubin"
    )
    add_case(any_engine, stage="handle", supervised=True)  # supervised without a talk
    wang = Viewer(Role.LEADER, "ld-office", ("st-dongcheng",))
    with Session(any_engine) as session:
        pending = pending_talks(session, wang)
        assert [p.code for p in pending] == [ordered]
        assert pending[0].suggested_org == "dp-zhujian" and pending[0].note == "限期办结（约谈部门负责人）"
        assert pending[0].ordered_at == sh("2026-03-09 10:00")
        assert [p.code for p in pending_talks(session, Viewer(Role.DISCIPLINE, "dc-jigongwei"))] == [
            ordered,
            elsewhere,
        ]
        assert pending_talks(session, Viewer(Role.DEPARTMENT, "dp-zhujian")) == []
        assert talk_status(session, [ordered, elsewhere])[ordered].recorded == 0
        record_interview(session, _interview("dp-zhujian", "2026-03-20 09:00"), [ordered, ordered])
        session.commit()
    with Session(any_engine) as session:
        assert pending_talks(session, wang) == []
        assert talk_status(session, [ordered])[ordered].recorded == 1
        assert (
            talk_status(session, [elsewhere])[elsewhere].org_id == "st-xihu"
        )  # no department yet: its street


def test_interviews_of_a_period_are_those_held_in_it_or_said_to_concern_it(any_engine: Engine) -> None:
    case = add_case(any_engine, stage="closed")
    with Session(any_engine) as session:
        held = record_interview(session, _interview("dp-zhujian", "2026-03-31 23:30"), [case])
        about = record_interview(session, _interview("dp-zhujian", "2026-04-03 09:00", "2026-03"), [])
        april = record_interview(session, _interview("dp-chengguan", "2026-04-01 00:00"), [])
        session.commit()
    with Session(any_engine) as session:
        assert [r.interview.id for r in interviews(session, period=MARCH)] == [about, held]
        assert [r.interview.id for r in interviews(session, org_id="dp-chengguan")] == [april]
        by_case = interviews(session, case_code=case)
        assert [r.interview.id for r in by_case] == [held] and by_case[0].case_codes == [case]
