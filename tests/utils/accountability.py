"""A hand-made March 2026 of rated cases for the accountability list (问责名单), shared by the store
and web tests. Default thresholds: judged from 3 ratings; listed below 80 % 满意 or from 2 不满意.

Who handled what (every rating in March unless said):

- AC-01 住建 (lead) + 城管: 不满意 5 Mar, reopened, 一般 12 Mar: both departments charged.
- AC-02 住建: 满意. AC-03 城管: 不满意. AC-04 住建: 满意. AC-05 / AC-06 住建: 不满意 on 28 Feb 23:59
  and 1 Apr 00:00, outside the period.
- AC-07 市场监管 returned it (退单); re-dispatched to 人社: 不满意, 人社 charged, 市场监管 not.
- AC-08 民政 (lead) + 市场监管, which returned its part the same day: 不满意, 民政 charged.
- AC-09..11 市场监管 满意; AC-12..15 民政 满意: 民政 at exactly 80 % (4 of 5) is not below 80 %.
- AC-16 / AC-17 人社: 不满意, 满意.
- AC-18 / AC-19 生态环境: 不满意 twice — two ratings, below the minimum of three.
- AC-20 公安 (lead) + 交通; 公安 returned it, so both parts ended; re-dispatched to 公安 alone:
  不满意, 公安 charged, 交通 (whose part ended with the return) not. AC-21..23 交通 满意.
- AC-24 / AC-25 公安: 不满意.

Expected list, worst first (满意率, then 不满意 count):
  公安 3 rated, 0 满意, 0 一般, 3 不满意, 0.0 %   cases AC-20 AC-24 AC-25
  城管 3 rated, 0 满意, 1 一般, 2 不满意, 0.0 %   cases AC-01 AC-03
  人社 3 rated, 1 满意, 0 一般, 2 不满意, 33.3 %  cases AC-07 AC-16
  住建 4 rated, 2 满意, 1 一般, 1 不满意, 50.0 %  cases AC-01 (满意率 only)
Absent: 市场监管 (100 %: the returned cases are not its), 民政 (80.0 %), 生态环境 (2 ratings), 交通 (100 %).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.utils.readmodel import add_assignment, add_case, add_event, add_rating


def code(n: int) -> str:
    return f"AC-2026-{n:06d}"


EXPECTED = [
    # org, rated, 满意, 一般, 不满意, 满意率, breaches satisfaction/dissatisfied, cases
    ("dp-gongan", 3, 0, 0, 3, "0.0%", (True, True), [code(20), code(24), code(25)]),
    ("dp-chengguan", 3, 0, 1, 2, "0.0%", (True, True), [code(1), code(3)]),
    ("dp-renshe", 3, 1, 0, 2, "33.3%", (True, True), [code(7), code(16)]),
    ("dp-zhujian", 4, 2, 1, 1, "50.0%", (True, False), [code(1)]),
]
ABSENT = ("dp-shichang", "dp-minzheng", "dp-huanjing", "dp-jiaotong")


def _rated(
    e: Engine, n: int, department: str, value: str, at: str, dispatched: str = "2026-03-02 09:00"
) -> str:
    c = add_case(e, code=code(n), stage="closed", outcome="resolved", dispatched=dispatched)
    add_assignment(e, c, department, dispatched=dispatched, accepted=dispatched)
    add_rating(e, c, value, at, lead=department)
    return c


def rated_march(e: Engine) -> None:
    a1 = add_case(
        e, code=code(1), stage="closed", outcome="resolved", dispatched="2026-03-02 10:00", reopened=1
    )
    add_assignment(e, a1, "dp-zhujian", dispatched="2026-03-02 10:00", accepted="2026-03-02 11:00")
    add_assignment(
        e, a1, "dp-chengguan", lead=False, dispatched="2026-03-02 10:00", accepted="2026-03-02 11:00"
    )
    add_rating(e, a1, "dissatisfied", "2026-03-05 10:00", lead="dp-zhujian")
    add_event(e, a1, "reopen", "2026-03-06 10:00", org_id="ld-office", role="leader")
    add_rating(e, a1, "average", "2026-03-12 10:00", lead="dp-zhujian")
    _rated(e, 2, "dp-zhujian", "satisfied", "2026-03-06 10:00")
    _rated(e, 3, "dp-chengguan", "dissatisfied", "2026-03-10 10:00")
    _rated(e, 4, "dp-zhujian", "satisfied", "2026-03-20 10:00")
    _rated(e, 5, "dp-zhujian", "dissatisfied", "2026-02-28 23:59", dispatched="2026-02-20 09:00")
    _rated(e, 6, "dp-zhujian", "dissatisfied", "2026-04-01 00:00")

    a7 = add_case(
        e, code=code(7), stage="closed", outcome="resolved", dispatched="2026-03-03 09:00", returns=1
    )
    add_assignment(e, a7, "dp-shichang", dispatched="2026-03-02 09:00")
    add_event(e, a7, "return_case", "2026-03-02 11:00", org_id="dp-shichang", role="department")
    add_assignment(e, a7, "dp-renshe", dispatched="2026-03-03 09:00", accepted="2026-03-03 10:00")
    add_rating(e, a7, "dissatisfied", "2026-03-09 10:00", lead="dp-renshe")

    a8 = add_case(
        e, code=code(8), stage="closed", outcome="resolved", dispatched="2026-03-04 09:00", returns=1
    )
    add_assignment(e, a8, "dp-minzheng", dispatched="2026-03-04 09:00", accepted="2026-03-04 10:00")
    add_assignment(e, a8, "dp-shichang", lead=False, dispatched="2026-03-04 09:00")
    add_event(e, a8, "return_case", "2026-03-04 10:00", org_id="dp-shichang", role="department")
    add_rating(e, a8, "dissatisfied", "2026-03-10 10:00", lead="dp-minzheng")
    for n in (9, 10, 11):
        _rated(e, n, "dp-shichang", "satisfied", "2026-03-11 10:00")
    for n in (12, 13, 14, 15):
        _rated(e, n, "dp-minzheng", "satisfied", "2026-03-12 10:00")
    _rated(e, 16, "dp-renshe", "dissatisfied", "2026-03-11 10:00")
    _rated(e, 17, "dp-renshe", "satisfied", "2026-03-12 10:00")
    _rated(e, 18, "dp-huanjing", "dissatisfied", "2026-03-13 10:00")
    _rated(e, 19, "dp-huanjing", "dissatisfied", "2026-03-14 10:00")

    a20 = add_case(
        e, code=code(20), stage="closed", outcome="resolved", dispatched="2026-03-03 09:00", returns=1
    )
    add_assignment(
        e, a20, "dp-jiaotong", lead=False, dispatched="2026-03-02 09:00", accepted="2026-03-02 10:00"
    )
    add_event(e, a20, "return_case", "2026-03-02 12:00", org_id="dp-gongan", role="department")
    add_assignment(e, a20, "dp-gongan", dispatched="2026-03-03 09:00", accepted="2026-03-03 10:00")
    add_rating(e, a20, "dissatisfied", "2026-03-09 10:00", lead="dp-gongan")
    for n in (21, 22, 23):
        _rated(e, n, "dp-jiaotong", "satisfied", "2026-03-15 10:00")
    _rated(e, 24, "dp-gongan", "dissatisfied", "2026-03-16 10:00")
    _rated(e, 25, "dp-gongan", "dissatisfied", "2026-03-17 10:00")
