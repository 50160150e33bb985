"""A hand-made March 2026 in the demo district, shared by the figure and chart tests.

Calendar facts used (chinese-calendar 1.11.0): March 2026 has no holidays; Saturday 28 February
2026 is an adjusted working day (调休); 1 April 2026 is a Wednesday. Categories: C1 C3 基础建设,
C2 民生保障, C4 生态环境, the rest not yet triaged.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from tests.utils.readmodel import add_assignment, add_case, add_event, add_rating

PHONE_A = "13800000001"


@pytest.fixture
def march(any_engine: Engine) -> Engine:
    e = any_engine
    # C1 清河: reported and signed the same day; dispatched at 17:30 (after the cutoff), so accepting
    # at 09:30 the next working day is still "the same day"; 3 working days (3, 4, 5 March).
    c1 = add_case(
        e, received="2026-03-02 09:00", phone=PHONE_A, stage="closed", outcome="resolved",
        reported="2026-03-02 10:00", signed="2026-03-02 15:00", dispatched="2026-03-03 17:30",
        completed="2026-03-05 16:00", closed="2026-03-06 10:00", rating="satisfied",
        category="infrastructure",
    )  # fmt: skip
    add_assignment(e, c1, "dp-zhujian", dispatched="2026-03-03 17:30", accepted="2026-03-04 09:30")
    add_rating(e, c1, "satisfied", "2026-03-06 10:00", lead="dp-zhujian")
    # C2 清河: reported at 18:30 (after 17:00) so signing at 09:00 the next day is on time; two
    # departments, both accept the day after dispatch (late); overdue, supervised, one extension;
    # completed 20 March = 14 working days after 2 March; closed unrated.
    c2 = add_case(
        e, received="2026-03-02 18:00", phone="138-0000-0002", stage="closed", outcome="not_rated",
        reported="2026-03-02 18:30", signed="2026-03-03 09:00", dispatched="2026-03-03 10:00",
        completed="2026-03-20 17:00", closed="2026-03-27 18:00",
        ever_overdue=True, supervised=True, supervision_level=1, extensions_granted=1,
        category="livelihood",
    )  # fmt: skip
    add_assignment(e, c2, "dp-zhujian", dispatched="2026-03-03 10:00", accepted="2026-03-04 09:00")
    add_assignment(
        e, c2, "dp-chengguan", lead=False, dispatched="2026-03-03 10:00", accepted="2026-03-04 10:00"
    )
    # C3 迎宾: signed late (the next day); 城管 returns it; 住建 accepts the same day; rated
    # 不满意 twice and reopened twice in March, then 一般; completed 25 March = 14 working days.
    c3 = add_case(
        e, received="2026-03-05 10:00", community="cm-yingbin", phone=PHONE_A, stage="closed",
        outcome="resolved", reported="2026-03-05 11:00", signed="2026-03-06 09:00",
        dispatched="2026-03-09 09:00", completed="2026-03-25 10:00", closed="2026-03-26 10:00",
        ever_overdue=True, returns=1, reopened=2, rating="average", category="infrastructure",
    )  # fmt: skip
    add_assignment(e, c3, "dp-chengguan", dispatched="2026-03-06 10:00")
    add_event(e, c3, "return_case", "2026-03-06 11:00", org_id="dp-chengguan", role="department")
    add_assignment(e, c3, "dp-zhujian", dispatched="2026-03-09 09:00", accepted="2026-03-09 10:00")
    add_rating(e, c3, "dissatisfied", "2026-03-13 10:00", lead="dp-zhujian")
    add_event(e, c3, "reopen", "2026-03-16 10:00", org_id="ld-office", role="leader")
    add_rating(e, c3, "dissatisfied", "2026-03-20 10:00", lead="dp-zhujian")
    add_event(e, c3, "reopen", "2026-03-23 10:00", org_id="ld-office", role="leader")
    add_rating(e, c3, "average", "2026-03-26 10:00", lead="dp-zhujian")
    # C4 湖滨 (西湖): resolved in the community the same day (0 working days), rated 满意.
    c4 = add_case(
        e, received="2026-03-10 09:00", street="st-xihu", community="cm-hubin", phone="13900000004",
        stage="closed", outcome="resolved", completed="2026-03-10 15:00", closed="2026-03-11 09:00",
        rating="satisfied", category="environment",
    )  # fmt: skip
    add_rating(e, c4, "satisfied", "2026-03-11 09:00")
    # C5 湖滨: received 31 March 20:00 (March), everything else in April.
    c5 = add_case(
        e, received="2026-03-31 20:00", street="st-xihu", community="cm-hubin", phone="13900000005",
        stage="rate", reported="2026-04-01 09:00", signed="2026-04-01 10:00",
        dispatched="2026-04-01 11:00", completed="2026-04-03 10:00",
    )  # fmt: skip
    add_assignment(e, c5, "dp-chengguan", dispatched="2026-04-01 11:00", accepted="2026-04-01 12:00")
    # C6 清河: received in February, completed 3 March: 3 working days (28 Feb is a 调休 Saturday,
    # then 2 and 3 March); rated in March.
    c6 = add_case(
        e, received="2026-02-27 10:00", phone=PHONE_A, stage="closed", outcome="resolved",
        reported="2026-02-27 11:00", signed="2026-02-27 12:00", dispatched="2026-02-27 14:00",
        completed="2026-03-03 10:00", closed="2026-03-04 10:00", rating="satisfied",
    )  # fmt: skip
    add_assignment(e, c6, "dp-zhujian", dispatched="2026-02-27 14:00", accepted="2026-02-27 15:00")
    add_rating(e, c6, "satisfied", "2026-03-04 10:00", lead="dp-zhujian")
    # C7 迎宾: dispatched to 城管, never accepted: overdue now, held by 城管.
    c7 = add_case(
        e, received="2026-03-20 10:00", community="cm-yingbin", phone="13700000007", stage="accept",
        reported="2026-03-20 11:00", signed="2026-03-20 12:00", dispatched="2026-03-23 09:00",
        overdue=True, ever_overdue=True, holder_org_ids="dp-chengguan",
    )  # fmt: skip
    add_assignment(e, c7, "dp-chengguan", dispatched="2026-03-23 09:00")
    # C8 清河: the same phone's third case this month, closed as unreasonable (no result delivered).
    add_case(
        e, received="2026-03-25 10:00", phone=PHONE_A, stage="closed", outcome="unreasonable",
        urgency="unreasonable", closed="2026-03-25 15:00",
    )  # fmt: skip
    # C9 湖滨: reported 30 March, never signed: late, overdue now at the street.
    add_case(
        e, received="2026-03-30 10:00", street="st-xihu", community="cm-hubin", phone="13900000009",
        stage="sign", reported="2026-03-30 11:00", overdue=True, ever_overdue=True,
        holder_org_ids="st-xihu",
    )  # fmt: skip
    # C10 迎宾: the same phone as C2 written differently; all on time with one extension; 2 working days.
    c10 = add_case(
        e, received="2026-03-11 09:00", community="cm-yingbin", phone="13800000002", stage="rate",
        reported="2026-03-11 09:30", signed="2026-03-11 09:40", dispatched="2026-03-11 10:00",
        completed="2026-03-13 10:00", extensions_granted=1,
    )  # fmt: skip
    add_assignment(e, c10, "dp-zhujian", dispatched="2026-03-11 10:00", accepted="2026-03-11 11:00")
    # C11 湖滨: received 1 April 07:00 Shanghai = 31 March 23:00 UTC: April, not March.
    add_case(e, received="2026-04-01 07:00", street="st-xihu", community="cm-hubin", phone="13900000011")
    return e
