"""Figures per org and period (the numbers leaders are judged by), from the read model only.

``org_metrics`` reads the period's facts (``store.metric_facts``) and computes every figure defined
in ``store.metric_defs.DEFINITIONS``. Empty cohorts give ``None`` (shown "—"), never a division by
zero. Who counts where:

- district, street, community: the cases of that area (``cases.street_org_id`` / ``community_org_id``);
- department: the cases dispatched to it (``case_departments``), without those it returned (退单),
  which count only in its return rate; its ratings are those where it was the lead unit
  (``ratings.lead_department_id``).

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

from store.contact import phone_key
from store.metric_defs import DEFINITIONS, format_value
from store.metric_facts import AssignmentFact, CaseFact, Facts, load_facts, scope_view
from store.periods import Period
from store.schedules import load_schedules
from store.scopes import Scope
from store.weights import ScoreWeights, load_weights
from workdays import WorkCalendar
from workflows.policies import DEFAULT_POLICY_ID, POLICIES
from workflows.types import Outcome, RatingValue, Span, SpanUnit

__all__ = ["DEFINITIONS", "Metrics", "composite_score", "compute_metrics", "format_value", "org_metrics"]

_RESULT_DELIVERED = (Outcome.RESOLVED.value, Outcome.NOT_RATED.value)
_SAME_DAY = Span(0, SpanUnit.WORKING_DAYS)


@dataclass(frozen=True)
class Metrics:
    period: Period
    scope: Scope
    received: int
    signed_on_time: float | None
    responded_same_day: float | None
    completed_on_time: float | None
    overdue_now: int
    overdue_ever: int
    supervised: int
    returned: float | None
    extension_rate: float | None
    avg_days: float | None
    p90_days: int | None
    rating_participation: float | None
    satisfaction: float | None
    dissatisfaction: float | None
    reopened: int
    repeat_requests: int
    composite: float | None
    # (numerator, denominator) behind each rate, and the counts behind the other figures
    fractions: dict[str, tuple[int, int]] = field(default_factory=dict)
    ratings: dict[str, int] = field(default_factory=dict)  # RatingValue -> count in the period
    completed: int = 0
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
    responded = _responded_same_day(view.dispatched, facts, calendar, as_of)
    completed = [c for c in cases if p.contains(c.completed_at)]
    on_time = (sum(not c.ever_overdue for c in completed), len(completed))
    days = sorted(calendar.working_days_between(c.received_at, c.completed_at) for c in completed)  # type: ignore[arg-type]
    delivered = [c for c in view.rated_pool() if p.contains(c.closed_at) and c.outcome in _RESULT_DELIVERED]
    participation = (sum(c.outcome == Outcome.RESOLVED for c in delivered), len(delivered))
    votes = Counter(r.value for r in ratings)
    sat, avg, dis = (votes[v.value] for v in RatingValue)
    satisfaction = _ratio(sat + weights.average_rating * avg, len(ratings))
    fractions = {
        "signed_on_time": signed or (0, 0),
        "responded_same_day": responded,
        "completed_on_time": on_time,
        "returned": returned,
        "extension_rate": (view.extended, len(intake)),
        "rating_participation": participation,
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
        responded_same_day=rates["responded_same_day"],
        completed_on_time=rates["completed_on_time"],
        overdue_now=len(view.overdue_now),
        overdue_ever=sum(c.ever_overdue for c in view.handled),
        supervised=sum(c.supervised for c in view.handled),
        returned=rates["returned"],
        extension_rate=rates["extension_rate"],
        avg_days=sum(days) / len(days) if days else None,
        p90_days=days[math.ceil(0.9 * len(days)) - 1] if days else None,
        rating_participation=rates["rating_participation"],
        satisfaction=satisfaction,
        dissatisfaction=rates["dissatisfaction"],
        reopened=len({c.code for c in cases} & facts.reopened_codes),
        repeat_requests=_repeats(intake),
        composite=composite_score(
            weights, rates["responded_same_day"], rates["completed_on_time"], satisfaction
        ),
        fractions=fractions,
        ratings={"satisfied": sat, "average": avg, "dissatisfied": dis},
        completed=len(completed),
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


def _responded_same_day(
    rows: list[AssignmentFact], facts: Facts, calendar: WorkCalendar, as_of: datetime
) -> tuple[int, int]:
    on_time = counted = 0
    for a in rows:
        if a.returned and a.accepted_at is None:
            continue  # a return is judged by the return rate, not here
        due = recorded_due(facts, a.case_code, "response", a.accepted_at or as_of)
        if due is None:
            case = facts.cases.get(a.case_code)
            policy = POLICIES.get(case.policy_id if case else "", POLICIES[DEFAULT_POLICY_ID])
            due = deadline(calendar, a.dispatched_at, _SAME_DAY, policy.cutoff_hour)  # type: ignore[arg-type]
        if a.accepted_at is not None:
            counted += 1
            on_time += a.accepted_at <= due
        elif due < as_of:
            counted += 1
    return on_time, counted


def _repeats(intake: list[CaseFact]) -> int:
    per_phone = Counter(phone_key(c.reporter_phone) for c in intake if c.reporter_phone.strip())
    return sum(n - 1 for n in per_phone.values())
