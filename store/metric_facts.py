"""The rows behind a period's figures, read once from the read model.

``load_facts`` selects every case that belongs to some cohort of the period (received, reported,
dispatched, completed, closed or reopened in it, or overdue now), their department assignments and
return events, and the period's ratings: a few narrow queries, then all arithmetic in Python
(working days need the official calendar). The scope filter here only narrows the read; the metric
code applies the scope again, so rankings can load the whole district once and split it by org.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, select

from store.case_records import CaseDeadline
from store.models import Case, CaseDepartment, CaseEvent, Rating
from store.periods import Period
from store.scopes import Scope, ScopeKind

RETURN_ACTION = "return_case"  # 退单 (Action.RETURN_CASE)
REOPEN_ACTION = "reopen"  # 重办 (Action.REOPEN)


@dataclass(frozen=True)
class CaseFact:
    code: str
    policy_id: str
    category: str | None
    stage: str
    outcome: str | None
    holder_org_ids: tuple[str, ...]
    community_org_id: str
    street_org_id: str
    reporter_phone: str
    phone_key: str
    overdue: bool
    ever_overdue: bool
    supervised: bool
    returns: int
    extensions_granted: int
    reopened: int
    rating: str | None
    received_at: datetime
    reported_at: datetime | None
    signed_at: datetime | None
    dispatched_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class AssignmentFact:
    case_code: str
    department_id: str
    lead: bool
    dispatched_at: datetime | None
    accepted_at: datetime | None
    returned: bool  # this department returned the case (退单) after its latest dispatch


@dataclass(frozen=True)
class RatingFact:
    case_code: str
    value: str
    at: datetime
    street_org_id: str
    community_org_id: str
    lead_department_id: str | None
    solved: bool | None  # 是否解决, the resident's answer (None: not asked)
    department_ids: tuple[str, ...] = ()  # every department that handled the case (not returned)


@dataclass(frozen=True)
class DeadlineFact:
    """A clock as the case recorded it (case_deadlines): never recomputed with today's calendar."""

    kind: str
    started_at: datetime
    due_at: datetime
    state: str
    closed_at: datetime | None
    org_id: str = ""  # whose clock it is: lateness is charged to this org


@dataclass
class Facts:
    period: Period
    cases: dict[str, CaseFact] = field(default_factory=dict)
    assignments: dict[str, list[AssignmentFact]] = field(default_factory=dict)  # by case code
    deadlines: dict[str, list[DeadlineFact]] = field(default_factory=dict)  # by case code, in start order
    ratings: list[RatingFact] = field(default_factory=list)  # given in the period
    reopened_codes: set[str] = field(default_factory=set)  # reopened in the period
    # For each phone (store.contact.phone_key) of the period's registrations: its first registration
    # ever, so a repeat is known across periods.
    first_seen: dict[str, datetime] = field(default_factory=dict)


_CASE_COLUMNS = (
    Case.code,
    Case.policy_id,
    Case.category,
    Case.stage,
    Case.outcome,
    Case.holder_org_ids,
    Case.community_org_id,
    Case.street_org_id,
    Case.reporter_phone,
    Case.phone_key,
    Case.overdue,
    Case.ever_overdue,
    Case.supervised,
    Case.returns,
    Case.extensions_granted,
    Case.reopened,
    Case.rating,
    Case.received_at,
    Case.reported_at,
    Case.signed_at,
    Case.dispatched_at,
    Case.completed_at,
    Case.closed_at,
)


def _in(column: object, period: Period) -> ColumnElement[bool]:
    return (column >= period.starts_at) & (column < period.ends_at)  # type: ignore[operator,no-any-return]


def case_scope_filter(scope: Scope) -> ColumnElement[bool]:
    if scope.kind == ScopeKind.STREET:
        return Case.street_org_id == scope.org_id  # type: ignore[return-value]
    if scope.kind == ScopeKind.COMMUNITY:
        return Case.community_org_id == scope.org_id  # type: ignore[return-value]
    if scope.kind == ScopeKind.DEPARTMENT:
        mine = select(CaseDepartment.case_code).where(CaseDepartment.department_id == scope.org_id)
        return Case.code.in_(mine)  # type: ignore[attr-defined,no-any-return]
    return true()


def load_facts(session: Session, period: Period, scope: Scope) -> Facts:
    dispatched = select(CaseDepartment.case_code).where(_in(CaseDepartment.dispatched_at, period))
    reopened = select(CaseEvent.case_code).where(CaseEvent.action == REOPEN_ACTION, _in(CaseEvent.at, period))
    rated = select(Rating.case_code).where(_in(Rating.at, period))
    touches_period = or_(
        _in(Case.received_at, period),
        _in(Case.reported_at, period),
        _in(Case.completed_at, period),
        _in(Case.closed_at, period),
        col(Case.overdue).is_(True),
        Case.code.in_(dispatched),  # type: ignore[attr-defined]
        Case.code.in_(reopened),  # type: ignore[attr-defined]
        Case.code.in_(rated),  # type: ignore[attr-defined]
    )
    wanted = case_scope_filter(scope) & touches_period
    facts = Facts(period)
    for row in session.exec(select(*_CASE_COLUMNS).where(wanted)).all():  # type: ignore[call-overload]
        values = row._asdict()
        values["holder_org_ids"] = tuple(values["holder_org_ids"].split())
        facts.cases[row.code] = CaseFact(**values)

    codes = select(Case.code).where(wanted)
    returns: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    events = select(CaseEvent.case_code, CaseEvent.actor_org_id, CaseEvent.at, CaseEvent.action).where(
        CaseEvent.action.in_([RETURN_ACTION, REOPEN_ACTION]),  # type: ignore[attr-defined]
        CaseEvent.case_code.in_(codes),  # type: ignore[attr-defined]
    )
    for code, org_id, at, action in session.exec(events).all():
        if action == RETURN_ACTION:
            returns[(code, org_id)].append(at)
        elif period.contains(at):
            facts.reopened_codes.add(code)

    assignments = select(
        CaseDepartment.case_code,
        CaseDepartment.department_id,
        CaseDepartment.lead,
        CaseDepartment.dispatched_at,
        CaseDepartment.accepted_at,
    ).where(col(CaseDepartment.case_code).in_(codes))
    for code, department, lead, dispatched_at, accepted_at in session.exec(assignments).all():
        returned_at = returns.get((code, department), [])
        returned = any(dispatched_at is None or at >= dispatched_at for at in returned_at)
        facts.assignments.setdefault(code, []).append(
            AssignmentFact(code, department, lead, dispatched_at, accepted_at, returned)
        )

    clocks = (
        select(CaseDeadline).where(col(CaseDeadline.case_code).in_(codes)).order_by(CaseDeadline.started_at)  # type: ignore[arg-type]
    )
    for d in session.exec(clocks).all():
        facts.deadlines.setdefault(d.case_code, []).append(
            DeadlineFact(d.kind, d.started_at, d.due_at, d.state, d.closed_at, d.org_id)
        )

    ratings = (
        select(Rating, Case.community_org_id)
        .join(Case, Case.code == Rating.case_code)  # type: ignore[arg-type]
        .where(_in(Rating.at, period), case_scope_filter(scope))
        .order_by(Rating.at)  # type: ignore[arg-type]
    )
    for r, community in session.exec(ratings).all():
        handled = tuple(a.department_id for a in facts.assignments.get(r.case_code, []) if not a.returned)
        facts.ratings.append(
            RatingFact(
                r.case_code,
                r.value,
                r.at,
                r.street_org_id,
                community,
                r.lead_department_id,
                r.solved,
                handled,
            )
        )

    keys = {c.phone_key for c in facts.cases.values() if c.phone_key and period.contains(c.received_at)}
    if keys:
        first = (
            select(Case.phone_key, func.min(Case.received_at))
            .where(col(Case.phone_key).in_(sorted(keys)))
            .group_by(Case.phone_key)
        )
        facts.first_seen = dict(session.exec(first).all())  # type: ignore[arg-type]
    return facts


@dataclass
class ScopeView:
    """The facts that belong to one scope, split into the cohorts the figures are computed over."""

    scope: Scope
    cases: list[CaseFact]  # the area's cases, or the department's (without those it returned)
    intake: list[tuple[CaseFact, datetime]]  # entered the scope in the period, and when
    intake_returned: int  # of those, returned (退单): by any department, or by this one
    handled: list[CaseFact]  # intake the scope kept (all of an area's; a department's unreturned)
    extended: int  # handled cases granted an extension (a department: while it led)
    dispatched: list[AssignmentFact]  # department assignments dispatched in the period
    ratings: list[RatingFact]
    overdue_now: list[CaseFact]
    reported: list[CaseFact] | None  # reported up to the street in the period (None: department)


def scope_view(facts: Facts, scope: Scope) -> ScopeView:
    p = facts.period
    if scope.kind == ScopeKind.DEPARTMENT:
        mine = [a for rows in facts.assignments.values() for a in rows if a.department_id == scope.org_id]
        kept = sorted({a.case_code for a in mine if not a.returned})
        intake_rows = [a for a in mine if p.contains(a.dispatched_at)]
        handled_rows = [a for a in intake_rows if not a.returned]
        cases = [facts.cases[c] for c in kept]
        return ScopeView(
            scope=scope,
            cases=cases,
            intake=[(facts.cases[a.case_code], a.dispatched_at) for a in intake_rows],  # type: ignore[misc]
            intake_returned=len(intake_rows) - len(handled_rows),
            handled=[facts.cases[a.case_code] for a in handled_rows],
            extended=sum(a.lead and facts.cases[a.case_code].extensions_granted > 0 for a in handled_rows),
            dispatched=intake_rows,
            # A rating counts for every department that handled the case, not only the lead unit.
            ratings=[r for r in facts.ratings if scope.org_id in r.department_ids],
            overdue_now=[c for c in cases if c.overdue and scope.org_id in c.holder_org_ids],
            reported=None,
        )
    cases = [c for c in facts.cases.values() if in_area(c.street_org_id, c.community_org_id, scope)]
    intake = [c for c in cases if p.contains(c.received_at)]
    return ScopeView(
        scope=scope,
        cases=cases,
        intake=[(c, c.received_at) for c in intake],
        intake_returned=sum(c.returns > 0 for c in intake),
        handled=intake,
        extended=sum(c.extensions_granted > 0 for c in intake),
        dispatched=[
            a for c in cases for a in facts.assignments.get(c.code, []) if p.contains(a.dispatched_at)
        ],
        ratings=[r for r in facts.ratings if in_area(r.street_org_id, r.community_org_id, scope)],
        overdue_now=[c for c in cases if c.overdue],
        reported=[c for c in cases if p.contains(c.reported_at)],
    )


def in_area(street_org_id: str, community_org_id: str, scope: Scope) -> bool:
    if scope.kind == ScopeKind.STREET:
        return street_org_id == scope.org_id
    if scope.kind == ScopeKind.COMMUNITY:
        return community_org_id == scope.org_id
    return scope.kind == ScopeKind.DISTRICT
