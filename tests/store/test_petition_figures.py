"""Petition figures (及时受理率, 按期办结率, 复查率...) for March 2026 in Asia/Shanghai, from hand-made
petition rows and clocks; every test runs on SQLite and PostgreSQL.

Times are Asia/Shanghai: March is [1 March 00:00, 1 April 00:00) there, so a clock closed at
"2026-04-01 00:00" is outside it and one closed at "2026-03-01 00:00" inside.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.petition_figures import PetitionReport, Rate, UnitFigures, petition_figures
from store.petitions import Petition, PetitionDeadline
from tests.utils.readmodel import sh
from workflows.petition.types import PetitionOutcome, PetitionStage
from workflows.types import DeadlineKind as K
from workflows.types import DeadlineState

BUREAU, ZHUJIAN, CHENGGUAN = "xf-bureau", "dp-zhujian", "dp-chengguan"
START, END = sh("2026-03-01 00:00"), sh("2026-04-01 00:00")
MET, OVERDUE, RUNNING, CANCELLED = (
    DeadlineState.MET, DeadlineState.OVERDUE, DeadlineState.RUNNING, DeadlineState.CANCELLED
)  # fmt: skip
_codes = itertools.count(1)


@dataclass(frozen=True)
class Clock:
    kind: K
    state: DeadlineState
    started: str
    due: str
    closed: str | None = None
    org: str = BUREAU


def add_petition(
    engine: Engine,
    *clocks: Clock,
    received: str = "2026-03-02 09:00",
    handling: str = "",
    outcome: PetitionOutcome | None = None,
    key: str = "",
    people: int = 1,
    merged_into: str = "",
    **moments: str,
) -> str:
    """A petition and its clocks; ``moments`` are its other times by name without ``_at`` (accepted,
    answered, review_requested, closed...)."""
    code = f"XF-2026-{next(_codes):05d}"
    petition = Petition(
        code=code, workflow_id=f"petition-{code}", title="小区加装电梯补贴未发放", channel="letter",
        matter_type="claim", policy_id="xf-letter", bureau_org_id=BUREAU, handling_org_id=handling,
        stage=PetitionStage.CLOSED if outcome else PetitionStage.HANDLING, outcome=outcome,
        petitioner_name="李桂芳", petitioner_phone="13900000000", received_at=sh(received),
        petitioner_key=key, people_count=people, merged_into=merged_into,
        **{f"{name}_at": sh(at) for name, at in moments.items()},
    )  # fmt: skip
    rows = [
        PetitionDeadline(
            petition_code=code,
            deadline_id=f"d{n}",
            kind=c.kind,
            org_id=c.org,
            started_at=sh(c.started),
            warn_at=sh(c.due),
            due_at=sh(c.due),
            state=c.state,
            closed_at=sh(c.closed),
        )
        for n, c in enumerate(clocks, 1)
    ]
    with Session(engine) as session:
        session.add(petition)
        session.flush()
        session.add_all(rows)
        session.commit()
    return code


def march(engine: Engine) -> PetitionReport:
    return petition_figures(engine, START, END)


def unit(report: PetitionReport, org_id: str) -> UnitFigures:
    return next(u for u in report.units if u.org_id == org_id)


def intake(state: DeadlineState, closed: str | None, started: str = "2026-03-02 09:00") -> Clock:
    return Clock(K.PETITION_INTAKE, state, started, "2026-03-17 09:00", closed)


def handling_clock(state: DeadlineState, closed: str | None, org: str = ZHUJIAN) -> Clock:
    return Clock(K.HANDLING, state, "2026-01-10 09:00", "2026-03-11 09:00", closed, org)


def test_an_empty_period_has_no_rates(any_engine: Engine) -> None:
    # Received, decided, handled and closed in February: nothing happens in March.
    add_petition(
        any_engine, intake(MET, "2026-02-03 10:00", started="2026-02-02 09:00"),
        Clock(K.HANDLING, MET, "2026-02-03 10:00", "2026-04-04 10:00", "2026-02-20 10:00", ZHUJIAN),
        received="2026-02-02 09:00", handling=ZHUJIAN, outcome=PetitionOutcome.ANSWERED,
        accepted="2026-02-03 10:00", answered="2026-02-20 10:00", closed="2026-02-27 10:00",
    )  # fmt: skip
    d = march(any_engine).district
    rates = [d.timely_acceptance, d.on_time_handling, d.review_rate, d.recheck_rate, d.handed_down_on_time]
    assert [(r.value, str(r)) for r in rates] == [(None, "0/0")] * 5
    assert (d.received, d.open_at_end, d.overdue_at_end, d.concluded) == (0, 0, 0, 0)
    assert set(d.closed.values()) == {0}
    assert march(any_engine).units == ()


def test_timely_acceptance_counts_each_decision_once_in_the_period_it_was_made(any_engine: Engine) -> None:
    add_petition(any_engine, intake(MET, "2026-03-03 10:00"))  # decided in time ✓
    add_petition(any_engine, intake(OVERDUE, "2026-03-20 10:00"))  # decided after 17 March ✗
    # Transferred in time, the unit's objection agreed, transferred again in time: one petition ✓.
    add_petition(
        any_engine, intake(MET, "2026-03-03 10:00"),
        Clock(K.PETITION_INTAKE, MET, "2026-03-06 10:00", "2026-03-21 10:00", "2026-03-10 10:00"),
    )  # fmt: skip
    # Transferred late the first time: still late after the objection ✗.
    add_petition(
        any_engine, intake(OVERDUE, "2026-03-18 10:00"),
        Clock(K.PETITION_INTAKE, MET, "2026-03-20 10:00", "2026-04-04 10:00", "2026-03-22 10:00"),
    )  # fmt: skip
    # Decided at the first moment of March ✓; at the first moment of April (outside).
    add_petition(
        any_engine, intake(MET, "2026-03-01 00:00", started="2026-02-20 09:00"), received="2026-02-20 09:00"
    )
    add_petition(
        any_engine, Clock(K.PETITION_INTAKE, MET, "2026-03-20 09:00", "2026-04-04 09:00", "2026-04-01 00:00")
    )
    add_petition(any_engine, intake(RUNNING, None), received="2026-03-30 09:00")  # not decided yet
    # Transferred, the objection agreed, the new transfer not made yet: not decided yet.
    add_petition(
        any_engine, intake(MET, "2026-03-03 10:00"),
        Clock(K.PETITION_INTAKE, RUNNING, "2026-03-06 10:00", "2026-03-21 10:00"),
    )  # fmt: skip
    # Withdrawn before any decision: the clock measured no work.
    add_petition(
        any_engine, intake(MET, "2026-03-05 10:00"),
        outcome=PetitionOutcome.WITHDRAWN, closed="2026-03-05 10:00",
    )  # fmt: skip
    rate = march(any_engine).district.timely_acceptance
    assert (rate.numerator, rate.denominator, rate.value) == (3, 5, 0.6)


def test_on_time_handling_follows_extensions(any_engine: Engine) -> None:
    def handled(*clocks: Clock, org: str = ZHUJIAN, **moments: str) -> None:
        add_petition(any_engine, *clocks, received="2026-01-05 09:00", handling=org, **moments)

    handled(handling_clock(MET, "2026-03-10 10:00"), answered="2026-03-10 10:00")  # ✓
    handled(handling_clock(OVERDUE, "2026-03-20 10:00"), answered="2026-03-20 10:00")  # ✗
    # Extended before the deadline (the first clock cancelled), answered within the extension ✓.
    handled(
        handling_clock(CANCELLED, "2026-03-05 10:00", CHENGGUAN),
        Clock(K.HANDLING, MET, "2026-03-11 09:00", "2026-04-10 09:00", "2026-03-25 10:00", CHENGGUAN),
        org=CHENGGUAN, answered="2026-03-25 10:00",
    )  # fmt: skip
    # Extended after the deadline had passed: late, whatever came after ✗.
    handled(
        handling_clock(OVERDUE, "2026-03-12 10:00", CHENGGUAN),
        Clock(K.HANDLING, MET, "2026-03-11 09:00", "2026-04-10 09:00", "2026-03-15 10:00", CHENGGUAN),
        org=CHENGGUAN, answered="2026-03-15 10:00",
    )  # fmt: skip
    # Extended, still being handled: not counted yet.
    handled(
        handling_clock(CANCELLED, "2026-03-05 10:00"),
        Clock(K.HANDLING, RUNNING, "2026-03-11 09:00", "2026-04-10 09:00"),
    )  # fmt: skip
    # Answered at the first moment of April, and in February: outside March.
    handled(handling_clock(MET, "2026-04-01 00:00"), answered="2026-04-01 00:00")
    handled(
        Clock(K.HANDLING, MET, "2026-01-10 09:00", "2026-03-11 09:00", "2026-02-26 10:00", ZHUJIAN),
        answered="2026-02-26 10:00",
    )  # fmt: skip
    # Withdrawn while being handled: not 办结.
    handled(
        handling_clock(MET, "2026-03-12 10:00"),
        outcome=PetitionOutcome.WITHDRAWN, closed="2026-03-12 10:00",
    )  # fmt: skip
    report = march(any_engine)
    assert report.district.on_time_handling == Rate(2, 4)
    assert report.district.on_time_handling.value == 0.5
    assert [(u.org_id, str(u.on_time_handling), u.handled) for u in report.units] == [
        (CHENGGUAN, "1/2", 2),
        (ZHUJIAN, "1/2", 2),
    ]


def test_review_and_recheck_rates_are_flows_of_the_period(any_engine: Engine) -> None:
    review = Clock(K.REVIEW_DECISION, MET, "2026-03-12 10:00", "2026-04-11 10:00", "2026-03-20 10:00", "hj")
    # 住建 answers three in March, one of which is taken to 复查 and then to 复核.
    add_petition(
        any_engine, review, handling=ZHUJIAN, answered="2026-03-05 10:00",
        review_requested="2026-03-12 10:00", recheck_requested="2026-03-25 10:00",
    )  # fmt: skip
    add_petition(any_engine, handling=ZHUJIAN, answered="2026-03-09 10:00")
    add_petition(any_engine, handling=ZHUJIAN, answered="2026-03-31 23:59")
    # 城管 answered in February; 复查 asked in March, decided late but in March.
    add_petition(
        any_engine, Clock(K.REVIEW_DECISION, OVERDUE, "2026-03-03 10:00", "2026-04-02 10:00", "2026-03-28 10:00"),
        received="2026-01-05 09:00", handling=CHENGGUAN, answered="2026-02-20 10:00",
        review_requested="2026-03-03 10:00",
    )  # fmt: skip
    # 城管 answers one in March; its 复查意见 comes at the first moment of April.
    add_petition(
        any_engine, Clock(K.REVIEW_DECISION, MET, "2026-03-10 10:00", "2026-04-09 10:00", "2026-04-01 00:00"),
        handling=CHENGGUAN, answered="2026-03-06 10:00",
    )  # fmt: skip
    # Withdrawn during 复查: no 复查意见 was issued.
    add_petition(
        any_engine, Clock(K.REVIEW_DECISION, MET, "2026-02-10 10:00", "2026-03-12 10:00", "2026-03-04 10:00"),
        received="2026-01-05 09:00", outcome=PetitionOutcome.WITHDRAWN, closed="2026-03-04 10:00",
    )  # fmt: skip
    report = march(any_engine)
    assert report.district.review_rate == Rate(2, 4)  # 2 asked / 4 answered in March
    assert report.district.recheck_rate == Rate(1, 2)  # 1 asked / 2 复查意见 in March
    assert [(u.org_id, str(u.review_rate)) for u in report.units] == [(CHENGGUAN, "1/1"), (ZHUJIAN, "1/3")]


def test_closed_by_outcome_and_concluded(any_engine: Engine) -> None:
    for outcome, closed in [
        (PetitionOutcome.CONCLUDED, "2026-03-10 10:00"),
        (PetitionOutcome.CONCLUDED, "2026-03-31 23:59"),
        (PetitionOutcome.ANSWERED, "2026-03-12 10:00"),
        (PetitionOutcome.DECLINED, "2026-03-03 10:00"),
        (PetitionOutcome.WITHDRAWN, "2026-03-04 10:00"),
        (PetitionOutcome.CONCLUDED, "2026-04-01 00:00"),  # April
        (PetitionOutcome.CONCLUDED, "2026-02-27 10:00"),  # February
    ]:
        add_petition(any_engine, received="2026-01-05 09:00", outcome=outcome, closed=closed)
    d = march(any_engine).district
    assert d.concluded == 2
    assert d.closed == {
        "declined": 1, "referred": 0, "answered": 1, "reviewed": 0, "concluded": 2, "withdrawn": 1,
        "merged": 0,
    }  # fmt: skip
    assert d.open_at_end == 1  # the one closed in April was still open at the end of March


def test_handed_down_on_time(any_engine: Engine) -> None:
    def handed_down(state: DeadlineState, closed: str | None) -> None:
        clock = Clock(K.HANDED_DOWN, state, "2026-02-20 09:00", "2026-03-15 18:00", closed)
        add_petition(any_engine, clock, received="2026-02-20 09:00", handed_down_due="2026-03-15 18:00")

    handed_down(MET, "2026-03-10 10:00")  # ✓
    handed_down(OVERDUE, "2026-03-20 10:00")  # ✗
    handed_down(OVERDUE, None)  # ran out, not answered yet: not counted
    handed_down(MET, "2026-02-25 10:00")  # February
    assert march(any_engine).district.handed_down_on_time == Rate(1, 2)


def test_received_open_and_overdue_at_the_end(any_engine: Engine) -> None:
    # Received in February, being handled within its deadline: open, not overdue.
    add_petition(
        any_engine, Clock(K.HANDLING, RUNNING, "2026-02-12 09:00", "2026-04-13 09:00", org=ZHUJIAN),
        received="2026-02-10 09:00", handling=ZHUJIAN,
    )  # fmt: skip
    # 住建's handling ran out on 20 March and is still open: overdue.
    add_petition(
        any_engine, Clock(K.HANDLING, OVERDUE, "2026-01-19 09:00", "2026-03-20 09:00", org=ZHUJIAN),
        received="2026-03-05 09:00", handling=ZHUJIAN,
    )  # fmt: skip
    # 城管's handling ran out on 25 March and was answered on 5 April: overdue at the end of March.
    add_petition(
        any_engine,
        Clock(K.HANDLING, OVERDUE, "2026-01-24 09:00", "2026-03-25 09:00", "2026-04-05 10:00", CHENGGUAN),
        received="2026-03-06 09:00", handling=CHENGGUAN, answered="2026-04-05 10:00",
    )  # fmt: skip
    # The bureau decided late, but within March: open, no longer overdue.
    add_petition(
        any_engine, intake(OVERDUE, "2026-03-28 10:00", started="2026-03-07 09:00"),
        received="2026-03-07 09:00", handling=CHENGGUAN,
    )  # fmt: skip
    # Closed when its 复查 window passed: the window is the petitioner's right lapsing, not lateness.
    add_petition(
        any_engine, Clock(K.REVIEW_REQUEST, OVERDUE, "2026-02-27 10:00", "2026-03-29 10:00", "2026-03-29 10:00"),
        received="2026-03-08 09:00", outcome=PetitionOutcome.ANSWERED, closed="2026-03-29 10:00",
    )  # fmt: skip
    # The unit's objection window lapsed; its acceptance clock still runs: open, not overdue.
    add_petition(
        any_engine,
        Clock(K.UNIT_OBJECTION, OVERDUE, "2026-03-10 09:00", "2026-03-17 09:00", org=CHENGGUAN),
        Clock(K.UNIT_ACCEPT, RUNNING, "2026-03-10 09:00", "2026-03-25 09:00", org=CHENGGUAN),
        received="2026-03-09 09:00", handling=CHENGGUAN, transferred="2026-03-10 09:00",
    )  # fmt: skip
    # Received on 31 March, its clock ran out in April (overdue now, not at the end of March).
    add_petition(
        any_engine, Clock(K.PETITION_INTAKE, OVERDUE, "2026-03-31 20:00", "2026-04-15 20:00"),
        received="2026-03-31 20:00",
    )  # fmt: skip
    add_petition(any_engine, received="2026-04-01 00:00")  # April
    add_petition(
        any_engine, received="2026-03-10 09:00", outcome=PetitionOutcome.DECLINED, closed="2026-03-15 10:00"
    )
    add_petition(
        any_engine, received="2026-02-01 09:00", outcome=PetitionOutcome.DECLINED, closed="2026-02-20 10:00"
    )
    report = march(any_engine)
    d = report.district
    assert (d.received, d.open_at_end, d.overdue_at_end) == (7, 6, 2)
    assert [(u.org_id, u.overdue_at_end) for u in report.units] == [(CHENGGUAN, 1), (ZHUJIAN, 1)]


def test_units_are_the_handling_units_active_in_the_period(any_engine: Engine) -> None:
    # Transferred to 住建, which accepts the next day.
    add_petition(
        any_engine, Clock(K.UNIT_ACCEPT, MET, "2026-03-03 10:00", "2026-03-18 10:00", "2026-03-04 09:00", ZHUJIAN),
        handling=ZHUJIAN, transferred="2026-03-03 10:00", accepted="2026-03-04 09:00",
    )  # fmt: skip
    # Transferred to 城管, whose objection is agreed; transferred again to 住建, not accepted yet.
    add_petition(
        any_engine,
        Clock(K.UNIT_ACCEPT, CANCELLED, "2026-03-05 10:00", "2026-03-20 10:00", "2026-03-08 10:00", CHENGGUAN),
        Clock(K.UNIT_ACCEPT, RUNNING, "2026-03-09 10:00", "2026-03-24 10:00", org=ZHUJIAN),
        handling=ZHUJIAN, transferred="2026-03-09 10:00",
    )  # fmt: skip
    # The bureau accepts a matter within its own remit.
    add_petition(
        any_engine, Clock(K.HANDLING, RUNNING, "2026-03-06 10:00", "2026-05-05 10:00", org=BUREAU),
        handling=BUREAU, accepted="2026-03-06 10:00",
    )  # fmt: skip
    # 环境 (hj) accepted in February and handles within its deadline: nothing to show for March.
    add_petition(
        any_engine, Clock(K.HANDLING, RUNNING, "2026-02-25 10:00", "2026-04-26 10:00", org="hj"),
        received="2026-02-20 09:00", handling="hj", accepted="2026-02-25 10:00",
    )  # fmt: skip
    report = march(any_engine)
    assert [(u.org_id, u.transferred, u.accepted, u.handled) for u in report.units] == [
        (CHENGGUAN, 1, 0, 0),
        (ZHUJIAN, 2, 1, 0),
        (BUREAU, 0, 1, 0),
    ]


def test_the_period_must_be_aware_and_not_empty(any_engine: Engine) -> None:
    with pytest.raises(ValueError, match="aware"):
        petition_figures(any_engine, START.replace(tzinfo=None), END)
    with pytest.raises(ValueError, match="after it starts"):
        petition_figures(any_engine, END, START)


def test_pieces_batches_person_times_and_repeats_across_periods(any_engine: Engine) -> None:
    """件 / 批 / 人次 and 重复信访 / 初信初访 for March, by hand."""
    e = any_engine
    # A: a concluded petition in December (long closed), then two in March: both repeats.
    add_petition(
        e, received="2025-12-10 09:00", key="A", outcome=PetitionOutcome.CONCLUDED, closed="2026-01-20 10:00"
    )
    add_petition(e, received="2026-03-05 09:00", key="A")
    add_petition(e, received="2026-03-20 09:00", key="A")
    # B: first on 3 March; the next day's petition is merged into it (one 件, not a repeat counted).
    first_b = add_petition(e, received="2026-03-03 09:00", key="B")
    add_petition(
        e, received="2026-03-04 09:00", key="B", merged_into=first_b,
        outcome=PetitionOutcome.MERGED, closed="2026-03-04 12:00",
    )  # fmt: skip
    # C and C2: group petitions (12 and exactly 5 people), each their first; the second at 23:59 on 31 March.
    add_petition(e, received="2026-03-10 09:00", key="C", people=12)
    add_petition(e, received="2026-03-31 23:59", key="C2", people=5)
    # D: a group of 7 on 28 February (not March), again alone in March: a repeat across the periods.
    add_petition(e, received="2026-02-28 23:59", key="D", people=7)
    add_petition(e, received="2026-03-15 09:00", key="D")
    # E: a group of 6 on 1 April at midnight: April's, not March's.
    add_petition(e, received="2026-04-01 00:00", key="E", people=6)
    d = march(e).district
    assert d.received == 7  # A A B B(merged) C C2 D
    assert d.pieces == 6  # one of them merged
    assert d.batches == 2  # C (12) and C2 (5); D's and E's groups are February's and April's
    assert d.person_times == 22  # 1 + 1 + 1 + 1 + 12 + 5 + 1
    assert d.repeats == 3  # A twice (December before), D (February before)
    assert d.first_time == 3  # B, C, C2
