"""问责 (accountability) in the 六单 process: 约谈 records, the thresholds that put a department on the
discipline commission's list, and the department ratings that list is judged on.

The source names both ends of it. 督单: "相关责任部门因主观原因导致交办事项落实不力或进度缓慢的，由区领导对
相关责任部门主要负责人进行约谈" — so a 约谈 is a record of a talk held (who was talked to, by whom, when, why,
what was required), not a flag on a case. 评单: "将群众的评价纳入对区直部门的绩效考核范畴……对事项办理群众反映
较差的有关部门，区纪工委监工委根据有关规定对其主要负责人进行问责处理" — so every department that handled a
rated case answers for its rating, not only the lead unit (牵头单位).

The records and thresholds are entered by people and kept only here (they are not a projection of a
workflow), like the directory and the score weights: a rebuild from Temporal leaves them as they are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from store.models import CaseDepartment, CaseEvent, Rating
from store.periods import Period
from store.types import UTCDateTime
from workflows.types import Action, RatingValue

# --- tables ---------------------------------------------------------------------------------------


class Interview(SQLModel, table=True):
    """约谈: a talk with the head of a department or street about its work, as it was held."""

    __tablename__ = "interviews"
    __table_args__ = (Index("ix_interviews_org_held", "org_id", "held_at"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="orgs.id", max_length=64)  # the department or street talked to
    person_name: str = Field(max_length=50)  # 被约谈人
    person_post: str = Field(max_length=50)  # 职务, e.g. 局长 (主要负责人)
    held_by_id: str = Field(foreign_key="users.id", max_length=64)  # 约谈人, as the directory named them then
    held_by_name: str = Field(max_length=100)
    held_by_role: str = Field(max_length=20)
    held_at: datetime = Field(sa_type=UTCDateTime, index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))  # 约谈事由
    outcome: str = Field(sa_column=Column(Text, nullable=False))  # 整改要求及结果
    period_key: str = Field(default="", max_length=32)  # the period it concerns (Period.key), if any
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(sa_type=UTCDateTime)


class InterviewCase(SQLModel, table=True):
    """A case a 约谈 was about: a case whose 约谈 a leader ordered is covered once one names it."""

    __tablename__ = "interview_cases"
    interview_id: int = Field(foreign_key="interviews.id", primary_key=True)
    case_code: str = Field(foreign_key="cases.code", primary_key=True, index=True, max_length=32)


class AccountabilityThresholds(SQLModel, table=True):
    """The one row (id 1) of admin-set thresholds; absent means the defaults (``Thresholds``)."""

    __tablename__ = "accountability_thresholds"
    id: int = Field(default=1, primary_key=True)
    min_ratings: int
    satisfaction_below: float  # per cent; 0 turns the rule off
    dissatisfied_at_least: int  # 0 turns the rule off
    updated_by: str = Field(default="", max_length=64)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- thresholds -----------------------------------------------------------------------------------


class Rule:
    """The two ways a department's ratings are 较差 (poor)."""

    SATISFACTION = "satisfaction"  # 满意率低于 X %
    DISSATISFIED = "dissatisfied"  # 不满意 N 件及以上


@dataclass(frozen=True)
class Breach:
    rule: str  # a Rule
    actual: float  # the department's 满意率 (per cent) or 不满意 count
    limit: float  # the threshold it crossed


@dataclass(frozen=True)
class Thresholds:
    """A department is on the list for a period when it has at least ``min_ratings`` ratings in it
    (fewer are too few to judge) and its pure 满意率 is below ``satisfaction_below`` per cent, or it has
    ``dissatisfied_at_least`` or more 不满意 ratings. A rule set to 0 is off; one rule at least is on.

    No official threshold exists; the defaults (3 ratings, below 80 %, 2 不满意) are a stated choice an
    admin may change.
    """

    min_ratings: int = 3
    satisfaction_below: float = 80.0
    dissatisfied_at_least: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.min_ratings, int) or self.min_ratings < 1:
            raise ValueError("最少评价数必须是不小于 1 的整数")
        below = self.satisfaction_below
        if not isinstance(below, int | float) or math.isnan(below) or not 0 <= below <= 100:
            raise ValueError("满意率阈值必须在 0 到 100 之间")
        if not isinstance(self.dissatisfied_at_least, int) or self.dissatisfied_at_least < 0:
            raise ValueError("不满意件数阈值必须是不小于 0 的整数")
        if below == 0 and self.dissatisfied_at_least == 0:
            raise ValueError("满意率和不满意件数两项阈值至少启用一项")

    def breaches(self, tally: DepartmentTally) -> list[Breach]:
        """What makes this department's ratings poor; empty when it is not judged or not poor."""
        if tally.rated < self.min_ratings:
            return []
        out: list[Breach] = []
        rate = tally.satisfaction_percent
        if self.satisfaction_below > 0 and rate is not None and rate < self.satisfaction_below:
            out.append(Breach(Rule.SATISFACTION, rate, self.satisfaction_below))
        if self.dissatisfied_at_least > 0 and tally.dissatisfied >= self.dissatisfied_at_least:
            out.append(Breach(Rule.DISSATISFIED, tally.dissatisfied, self.dissatisfied_at_least))
        return out


def load_thresholds(engine: Engine) -> tuple[Thresholds, AccountabilityThresholds | None]:
    """The thresholds in force, and the stored row (who set them and when; None: the defaults)."""
    with Session(engine) as session:
        row = session.get(AccountabilityThresholds, 1)
    if row is None:
        return Thresholds(), None
    return Thresholds(row.min_ratings, row.satisfaction_below, row.dissatisfied_at_least), row


def save_thresholds(engine: Engine, thresholds: Thresholds, *, updated_by: str) -> None:
    with Session(engine) as session:
        row = session.get(AccountabilityThresholds, 1) or AccountabilityThresholds(
            min_ratings=0, satisfaction_below=0, dissatisfied_at_least=0
        )
        row.min_ratings = thresholds.min_ratings
        row.satisfaction_below = thresholds.satisfaction_below
        row.dissatisfied_at_least = thresholds.dissatisfied_at_least
        row.updated_by, row.updated_at = updated_by, datetime.now(UTC)
        session.add(row)
        session.commit()


# --- department ratings ---------------------------------------------------------------------------


@dataclass
class DepartmentTally:
    """One department's ratings in a period: each rating of every case it handled counts once."""

    department_id: str
    satisfied: int = 0
    average: int = 0  # 一般 (a callback's 基本满意): not 满意
    dissatisfied: int = 0
    dissatisfied_cases: list[str] = field(default_factory=list)  # in the order of their first 不满意

    @property
    def rated(self) -> int:
        return self.satisfied + self.average + self.dissatisfied

    @property
    def satisfaction_percent(self) -> float | None:
        """Pure 满意率: 满意 ÷ ratings, per cent (None without ratings)."""
        return 100 * self.satisfied / self.rated if self.rated else None

    def add(self, case_code: str, value: str) -> None:
        if value == RatingValue.SATISFIED:
            self.satisfied += 1
        elif value == RatingValue.AVERAGE:
            self.average += 1
        elif value == RatingValue.DISSATISFIED:
            self.dissatisfied += 1
            if case_code not in self.dissatisfied_cases:
                self.dissatisfied_cases.append(case_code)


@dataclass(frozen=True)
class Part:
    """A department's part in a case, as `case_departments` keeps it."""

    department_id: str
    dispatched_at: datetime | None


def handlers_at(parts: Iterable[Part], returns: dict[str, list[datetime]], at: datetime) -> list[str]:
    """The departments that handled a case when it was rated at ``at``: those of the latest dispatch
    before the rating (a part ended by a new dispatch is over) that did not return it (退单) since."""
    dispatched = [p for p in parts if p.dispatched_at is not None and p.dispatched_at <= at]
    if not dispatched:
        return []
    latest = max(p.dispatched_at for p in dispatched if p.dispatched_at is not None)
    return sorted(
        p.department_id
        for p in dispatched
        if p.dispatched_at == latest and not any(latest <= r <= at for r in returns.get(p.department_id, []))
    )


def department_tallies(session: Session, period: Period) -> dict[str, DepartmentTally]:
    """Every department's ratings given in ``period`` (by the rating's time), by department id."""
    in_period = (col(Rating.at) >= period.starts_at) & (col(Rating.at) < period.ends_at)
    ratings = session.exec(
        select(Rating.case_code, Rating.value, Rating.at).where(in_period).order_by(col(Rating.at))
    ).all()
    codes = sorted({code for code, _, _ in ratings})
    parts: dict[str, list[Part]] = defaultdict(list)
    returns: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    if codes:
        for code, department, dispatched_at in session.exec(
            select(
                CaseDepartment.case_code, CaseDepartment.department_id, CaseDepartment.dispatched_at
            ).where(col(CaseDepartment.case_code).in_(codes))
        ).all():
            parts[code].append(Part(department, dispatched_at))
        for code, org_id, at in session.exec(
            select(CaseEvent.case_code, CaseEvent.actor_org_id, CaseEvent.at).where(
                CaseEvent.action == Action.RETURN_CASE.value, col(CaseEvent.case_code).in_(codes)
            )
        ).all():
            returns[code][org_id].append(at)
    tallies: dict[str, DepartmentTally] = {}
    for code, value, at in ratings:
        for department in handlers_at(parts[code], returns[code], at):
            tallies.setdefault(department, DepartmentTally(department)).add(code, value)
    return tallies
