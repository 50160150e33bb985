"""Figures per org and period (the numbers leaders are judged by), from the read model only.

``org_metrics`` reads the period's facts (``store.metric_facts``) and computes every figure defined
in ``store.metric_defs.DEFINITIONS``. Empty cohorts give ``None`` (shown "—"), never a division by
zero. Who counts where:

- district, street, community: the cases of that area (``cases.street_org_id`` / ``community_org_id``);
- department: the cases dispatched to it (``case_departments``), without those it returned (退单),
  which count only in its return rate; its ratings are those of every case it handled (lead or
  co-department), and lateness is charged to it only where its own clock ran out.

Every limit is the one the case recorded (``case_deadlines``); a limit is recomputed with today's
calendar and policy only for cases projected before limits were recorded.

Working days come from ``WorkCalendar`` (official holidays and adjusted working days, admin-loaded
years included; weekends only for a year with no published schedule).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.metric_defs import DEFINITIONS, format_value
from store.metric_facts import AssignmentFact, CaseFact, DeadlineFact, Facts, load_facts, scope_view
from store.periods import Period
from store.schedules import load_schedules
from store.scopes import Scope, ScopeKind
from store.weights import ScoreWeights, load_weights
from workdays import SHANGHAI, WorkCalendar
from workflows.policies import DEFAULT_POLICY_ID, POLICIES
from workflows.types import Outcome, RatingValue, Span, SpanUnit

__all__ = ["DEFINITIONS", "Metrics", "composite_score", "compute_metrics", "format_value", "org_metrics"]

# Closed after the result reached the resident: the rating pool of 参评率.
_RESULT_DELIVERED = (Outcome.RESOLVED, Outcome.CLOSED_DISSATISFIED, Outcome.NOT_RATED, Outcome.UNREACHABLE)
_RATED = (Outcome.RESOLVED, Outcome.CLOSED_DISSATISFIED)
OVERDUE = "overdue"  # DeadlineState.OVERDUE as stored
# Clocks a case may be completed under when it never had a completion clock (resolved locally).
_LOCAL_KINDS = ("report", "dispatch")


@dataclass(frozen=True)
class Metrics:
    period: Period
    scope: Scope
    received: int
    signed_on_time: float | None
    responded: float | None
    completed_on_time: float | None
    overdue_now: int
    overdue_ever: int
    supervised: int
    returned: float | None
    extension_rate: float | None
    avg_days: float | None
    p90_days: int | None
    avg_calendar_days: float | None
    rating_participation: float | None
    resolved: float | None
    satisfaction: float | None
    dissatisfaction: float | None
    unreachable: int
    reopened: int
    repeat_requests: int
    composite: float | None
    # (numerator, denominator) behind each rate, and the counts behind the other figures
    fractions: dict[str, tuple[int, int]] = field(default_factory=dict)
    ratings: dict[str, int] = field(default_factory=dict)  # RatingValue -> count in the period
    completed: int = 0
    weighted_satisfaction: bool = False  # 满意率 counts 基本满意 at the admin's weight (labelled so)
    has_data: bool = True  # some case or rating of the scope touches the period (rankings list it)

    def value(self, key: str) -> float | None:
        return getattr(self, key)  # type: ignore[no-any-return]

    def display(self, key: str) -> str:
        return format_value(key, self.value(key))


class MemoCalendar(WorkCalendar):
    """``WorkCalendar`` remembering each day's answer: figures ask about the same days thousands of
    times, and the calendar package's own lookup is slow."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._known: dict[date, bool] = {}

    def is_working_day(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = super().is_working_day(day)
        return known


def metrics_calendar(engine: Engine) -> WorkCalendar:
    """The official calendar with admin-loaded years, weekends only where no schedule is published."""
    return MemoCalendar(load_schedules(engine), weekends_only=True)


@contextmanager
def as_session(bind: Session | Engine) -> Iterator[Session]:
    if isinstance(bind, Session):
        yield bind
    else:
        with Session(bind) as session:
            yield session


def org_metrics(
    bind: Session | Engine,
    period: Period,
    scope: Scope,
    *,
    weights: ScoreWeights | None = None,
    calendar: WorkCalendar | None = None,
    as_of: datetime | None = None,
) -> Metrics:
    """Every figure for ``scope`` over ``period``; ``as_of`` (default now) decides pending items."""
    with as_session(bind) as session:
        engine = session.get_bind()
        facts = load_facts(session, period, scope)
        weights = weights or load_weights(engine)  # type: ignore[arg-type]
        calendar = calendar or metrics_calendar(engine)  # type: ignore[arg-type]
    return compute_metrics(facts, scope, weights, calendar, as_of or datetime.now(UTC))


def compute_metrics(
    facts: Facts, scope: Scope, weights: ScoreWeights, calendar: WorkCalendar, as_of: datetime
) -> Metrics:
    """The figures of one scope from facts loaded for that scope or a wider one (the district)."""
    p = facts.period
    view = scope_view(facts, scope)
    cases = view.cases
    intake = [c for c, _ in view.intake]
    returned = (view.intake_returned, len(intake))
    ratings = view.ratings
    signed = None if view.reported is None else _signed_on_time(view.reported, facts, calendar, as_of)
    responded = _responded(view.dispatched, facts, calendar, as_of)
    completed = [c for c in cases if p.contains(c.completed_at)]
    on_time = (sum(completed_in_time(c, facts.deadlines.get(c.code, [])) for c in completed), len(completed))
    working, calendar_days = _handling_days(completed, calendar)
    delivered = [c for c in cases if p.contains(c.closed_at) and c.outcome in _RESULT_DELIVERED]
    participation = (sum(c.outcome in _RATED for c in delivered), len(delivered))
    answered = [r.solved for r in ratings if r.solved is not None]
    votes = Counter(r.value for r in ratings)
    sat, avg, dis = (votes[v.value] for v in RatingValue)
    satisfaction = _ratio(sat + weights.average_rating * avg, len(ratings))
    if scope.kind == ScopeKind.DEPARTMENT:
        overdue_ever = sum(charged(c, facts, scope.org_id) for c in view.handled)
    else:
        overdue_ever = sum(c.ever_overdue for c in view.handled)
    fractions = {
        "signed_on_time": signed or (0, 0),
        "responded": responded,
        "completed_on_time": on_time,
        "returned": returned,
        "extension_rate": (view.extended, len(intake)),
        "rating_participation": participation,
        "resolved": (sum(answered), len(answered)),
        "dissatisfaction": (dis, len(ratings)),
    }
    rates = {k: _ratio(*f) for k, f in fractions.items()}
    if signed is None:
        rates["signed_on_time"] = None
    return Metrics(
        period=p,
        scope=scope,
        received=len(intake),
        signed_on_time=rates["signed_on_time"],
        responded=rates["responded"],
        completed_on_time=rates["completed_on_time"],
        overdue_now=len(view.overdue_now),
        overdue_ever=overdue_ever,
        supervised=sum(c.supervised for c in view.handled),
        returned=rates["returned"],
        extension_rate=rates["extension_rate"],
        avg_days=sum(working) / len(working) if working else None,
        p90_days=working[math.ceil(0.9 * len(working)) - 1] if working else None,
        avg_calendar_days=sum(calendar_days) / len(calendar_days) if calendar_days else None,
        rating_participation=rates["rating_participation"],
        resolved=rates["resolved"],
        satisfaction=satisfaction,
        dissatisfaction=rates["dissatisfaction"],
        unreachable=sum(c.outcome == Outcome.UNREACHABLE and p.contains(c.closed_at) for c in cases),
        reopened=len({c.code for c in cases} & facts.reopened_codes),
        repeat_requests=_repeats(intake, facts),
        composite=composite_score(weights, rates["responded"], rates["resolved"], satisfaction),
        fractions=fractions,
        ratings={"satisfied": sat, "average": avg, "dissatisfied": dis},
        completed=len(completed),
        weighted_satisfaction=weights.average_rating > 0,
        has_data=bool(view.cases or view.intake or view.ratings),
    )


def composite_score(
    weights: ScoreWeights, response: float | None, resolution: float | None, satisfaction: float | None
) -> float | None:
    """100 × the weighted mean of the rates that have data (a missing one's weight is spread out)."""
    parts = [
        (w, v)
        for w, v in (
            (weights.response, response),
            (weights.resolution, resolution),
            (weights.satisfaction, satisfaction),
        )
        if v is not None
    ]
    total = sum(w for w, _ in parts)
    if not parts or total == 0:
        return None
    return 100 * sum(w * v for w, v in parts) / total


def _ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def deadline(calendar: WorkCalendar, start: datetime, span: Span, cutoff_hour: int | None) -> datetime:
    """The end of ``span`` from ``start``, by the same rules as the workflow's deadline activity."""
    if span.unit == SpanUnit.WORKING_DAYS:
        cutoff = time(cutoff_hour) if cutoff_hour is not None else None
        return calendar.add_working_days(start, span.amount, cutoff=cutoff)
    if span.unit == SpanUnit.CALENDAR_DAYS:
        return calendar.add_calendar_days(start, span.amount)
    return start + timedelta(seconds=span.amount)


def recorded_due(facts: Facts, code: str, kind: str, by: datetime) -> datetime | None:
    """The due time the case recorded for its latest `kind` clock started by `by`, if it recorded one
    (cases projected before deadlines were recorded have none: their limits are recomputed)."""
    clocks = [d for d in facts.deadlines.get(code, []) if d.kind == kind and d.started_at <= by]
    return clocks[-1].due_at if clocks else None


def _signed_on_time(
    reported: list[CaseFact], facts: Facts, calendar: WorkCalendar, as_of: datetime
) -> tuple[int, int]:
    on_time = counted = 0
    for c in reported:
        due = recorded_due(facts, c.code, "sign", c.signed_at or as_of)
        if due is None:
            policy = POLICIES.get(c.policy_id, POLICIES[DEFAULT_POLICY_ID])
            start = c.received_at if policy.sign.from_receipt else c.reported_at
            due = deadline(calendar, start, policy.sign, policy.cutoff_hour)  # type: ignore[arg-type]
        if c.signed_at is not None:
            counted += 1
            on_time += c.signed_at <= due
        elif due < as_of and (c.closed_at is None or c.closed_at > due):
            counted += 1  # still unsigned past the limit: late
    return on_time, counted


def _policy(policy_id: str) -> Any:
    return POLICIES.get(policy_id, POLICIES[DEFAULT_POLICY_ID])


def _responded(
    rows: list[AssignmentFact], facts: Facts, calendar: WorkCalendar, as_of: datetime
) -> tuple[int, int]:
    """响应率: each assignment against its case's own response limit (the recorded one)."""
    on_time = counted = 0
    for a in rows:
        if a.returned and a.accepted_at is None:
            continue  # a return is judged by the return rate, not here
        due = recorded_due(facts, a.case_code, "response", a.accepted_at or as_of)
        if due is None:
            case = facts.cases.get(a.case_code)
            policy = _policy(case.policy_id if case else "")
            due = deadline(calendar, a.dispatched_at, policy.response, policy.cutoff_hour)  # type: ignore[arg-type]
        if a.accepted_at is not None:
            counted += 1
            on_time += a.accepted_at <= due
        elif due < as_of:
            counted += 1
    return on_time, counted


def completed_in_time(c: CaseFact, clocks: list[DeadlineFact]) -> bool:
    """按期办结 from the completion clock alone: no completion limit of the case (the first, an
    extended one, a reopen's) ran out before it was completed. A case resolved locally never had one:
    the clock it was resolved under decides. Cases with no recorded clocks fall back to ``ever_overdue``."""
    assert c.completed_at is not None
    started = [d for d in clocks if d.started_at <= c.completed_at]
    limits = [d for d in started if d.kind == "completion"]
    if not limits:
        limits = [
            d
            for d in started
            if d.kind in _LOCAL_KINDS and (d.closed_at is None or d.closed_at >= c.completed_at)
        ]
    if not clocks:
        return not c.ever_overdue
    return not any(d.state == OVERDUE and d.due_at < c.completed_at for d in limits)


def charged(c: CaseFact, facts: Facts, org_id: str) -> bool:
    """Whether lateness on case ``c`` is this department's: a clock in its name ran out, or it had not
    accepted when the response limit passed (each department answers for its own acceptance, the
    lead unit for the completion). Cases with no recorded clocks fall back to ``ever_overdue``."""
    clocks = facts.deadlines.get(c.code)
    if not clocks:
        return c.ever_overdue
    mine = next((a for a in facts.assignments.get(c.code, []) if a.department_id == org_id), None)
    for d in clocks:
        if d.state != OVERDUE:
            continue
        if d.kind == "response" and mine is not None:
            if (mine.dispatched_at is None or mine.dispatched_at <= d.due_at) and (
                mine.accepted_at is None or mine.accepted_at > d.due_at
            ):
                return True
        elif d.kind != "response" and d.org_id == org_id:
            return True
    return False


def _handling_days(completed: list[CaseFact], calendar: WorkCalendar) -> tuple[list[int], list[int]]:
    """Days from registration to completion, each case in its own policy's unit: working days for
    working-day policies, calendar days (the registration day not counted) for calendar-day ones."""
    working: list[int] = []
    calendar_days: list[int] = []
    for c in completed:
        assert c.completed_at is not None
        if _policy(c.policy_id).completion_ordinary.unit == SpanUnit.CALENDAR_DAYS:
            start, end = c.received_at.astimezone(SHANGHAI).date(), c.completed_at.astimezone(SHANGHAI).date()
            calendar_days.append(max((end - start).days, 0))
        else:
            working.append(calendar.working_days_between(c.received_at, c.completed_at))
    return sorted(working), sorted(calendar_days)


def _repeats(intake: list[CaseFact], facts: Facts) -> int:
    """Registrations of the period from a phone that registered earlier, in any period."""
    repeats = 0
    for c in intake:
        first = facts.first_seen.get(c.phone_key) if c.phone_key else None
        repeats += first is not None and c.received_at > first
    return repeats
