"""The figures petition offices are ranked on (信访工作考核), for a period [start, end), read from the
petitions' read model as the workflow recorded it: clocks are never recomputed here.

People and batches (件 / 批 / 人次, issue 12), for petitions received in the period:

- 件 (``pieces``): petitions received, less those merged (并案) into another petition: a merged
  petition is one matter with the petition it went into, which is counted (a merge decided after the
  report was read changes it: the figures read the read model as it is now).
- 批 (``batches``): group petitions (集体访, ``people_count`` ≥ 5) received, merged ones included: each
  group came.
- 人次 (``person_times``): the people who brought the petitions received (the sum of ``people_count``),
  merged ones included.
- 重复信访 (``repeats``): of the 件, those whose petitioner (``petitioner_key``) had brought an earlier
  petition, received at any time before it (in an earlier period too, merged or not); 初信初访
  (``first_time``): the other 件, so the two add up to 件. Unlike the desk's flag (the same matter,
  marked at registration), this counts the person, whatever the matter.

A petition counts in the period in which the thing measured happened (its clock closed, its opinion
was issued, it was closed), whenever it was received. Definitions:

- 及时受理率 timely acceptance: petitions whose bureau decision (受理 / 不予受理 / 转送·交办 / 诉访分离)
  was made in the period, i.e. whose last ``petition_intake`` clock closed in it; on time when none of
  its intake clocks ran out (a late first transfer stays late after an agreed objection).
- 按期办结率 on-time handling: petitions whose handling ended in the period, i.e. whose last
  ``handling`` clock closed in it, met or overdue; on time when none of its handling clocks ran out.
  A clock cancelled by an approved extension is superseded and does not count, unless it had already
  run out: an extension granted after the deadline does not make the handling on time.
- 复查率: 复查 requested in the period / 处理意见 issued (answered) in the period.
- 复核率: 复核 requested in the period / 复查意见 issued in the period (``review_decision`` clock closed).
  Both are flows, not cohorts: a request in March may be about a February opinion.
- 上级交办按期率: petitions whose ``handed_down`` clock closed in the period; on time when it was met.
- closed by outcome (终结 = ``concluded``): petitions closed in the period.
- received: received in the period; open at end: received before ``end`` and not closed by then;
  overdue at end: open at end with a clock of work owed (``OVERDUE_KINDS``) that ran out before ``end``
  and was not closed by then (request and objection windows running out are rights lapsing, not lateness).

A clock stopped by the petitioner's withdrawal (撤回) measured no work: it counts in no rate.
Per handling unit: transfers to it (its ``unit_accept`` clock started in the period),
accepted by it, its on-time handling and 复查率 (by the petition's handling unit), and its petitions
open at end on which its acceptance or handling clock had run out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from store.petitions import Petition, PetitionDeadline
from workflows.petition.transitions import OVERDUE_KINDS
from workflows.petition.types import PetitionOutcome
from workflows.types import DeadlineKind as K
from workflows.types import DeadlineState

# The clocks a handling unit owes work on (受理 within 15 days, 办理 within 60).
UNIT_KINDS = (K.UNIT_ACCEPT, K.HANDLING)
GROUP_SIZE = 5  # 集体访: brought by 5 people or more


@dataclass(frozen=True)
class Rate:
    """``numerator`` of ``denominator`` petitions, shown as "12/15"; ``value`` is None when there was
    nothing to measure."""

    numerator: int
    denominator: int
    value: float | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", self.numerator / self.denominator if self.denominator else None)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class PetitionFigures:
    """The whole district's figures for the period."""

    received: int
    timely_acceptance: Rate  # 及时受理率
    on_time_handling: Rate  # 按期办结率
    review_rate: Rate  # 复查率
    recheck_rate: Rate  # 复核率
    handed_down_on_time: Rate  # 上级交办按期率
    closed: Mapping[str, int]  # by outcome, every PetitionOutcome value present
    open_at_end: int
    overdue_at_end: int
    pieces: int = 0  # 件: received, merged ones left out
    batches: int = 0  # 批: group petitions received
    person_times: int = 0  # 人次: people who brought the petitions received
    repeats: int = 0  # 重复信访: 件 whose petitioner had brought one before
    first_time: int = 0  # 初信初访: the other 件

    @property
    def concluded(self) -> int:
        """终结: closed in the period by the 复核意见's delivery."""
        return self.closed[PetitionOutcome.CONCLUDED]


@dataclass(frozen=True)
class UnitFigures:
    """One handling unit's figures for the period."""

    org_id: str
    transferred: int  # 转送·交办 to it: its acceptance clocks started in the period
    accepted: int  # 受理 by it
    on_time_handling: Rate  # 按期办结率; its denominator is the number handled (办结)
    review_rate: Rate  # 复查率 of its opinions
    overdue_at_end: int

    @property
    def handled(self) -> int:
        return self.on_time_handling.denominator


@dataclass(frozen=True)
class PetitionReport:
    start: datetime
    end: datetime
    district: PetitionFigures
    units: tuple[UnitFigures, ...]  # sorted by org_id; units with nothing in the period are left out


@dataclass(frozen=True)
class _Finished:
    """A kind of clock that finished: when its last clock closed, whose it was, whether any ran out."""

    at: datetime
    org_id: str
    on_time: bool


@dataclass(frozen=True)
class _Facts:
    row: Petition
    intake: _Finished | None
    handling: _Finished | None
    handed_down: _Finished | None
    review: _Finished | None
    transferred_to: tuple[str, ...]  # units whose acceptance clock started in the period
    open_at_end: bool
    overdue: bool  # a clock of work owed had run out before the end and was still open then
    overdue_orgs: frozenset[str]  # the units whose acceptance or handling clock it was


def petition_figures(engine: Engine, start: datetime, end: datetime) -> PetitionReport:
    """The district's and each handling unit's figures for [start, end) (aware datetimes)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the period's bounds must be aware datetimes")
    if end <= start:
        raise ValueError(f"the period must end ({end}) after it starts ({start})")
    # Every event measured happens before the petition closes: petitions closed before the period
    # can be left out, however old.
    alive = (col(Petition.received_at) < end) & or_(
        col(Petition.closed_at).is_(None), col(Petition.closed_at) >= start
    )
    with Session(engine) as session:
        petitions = session.exec(select(Petition).where(alive)).all()
        clocks = session.exec(select(PetitionDeadline).join(Petition).where(alive)).all()
        received = [p for p in petitions if start <= p.received_at < end]
        first_seen = _first_seen(session, {p.petitioner_key for p in received if p.petitioner_key})
    by_code: defaultdict[str, list[PetitionDeadline]] = defaultdict(list)
    for c in clocks:
        by_code[c.petition_code].append(c)
    facts = [_facts(p, by_code[p.code], start, end) for p in petitions]
    units = (_unit(org, facts, start, end) for org in sorted(_unit_ids(facts)))
    district = replace(_district(facts, start, end), **_people(received, first_seen))
    return PetitionReport(start, end, district, tuple(u for u in units if _active(u)))


def _first_seen(session: Session, keys: set[str]) -> dict[str, datetime]:
    """When each petitioner's first petition was received, whenever that was."""
    if not keys:
        return {}
    query = (
        select(Petition.petitioner_key, func.min(Petition.received_at))
        .where(col(Petition.petitioner_key).in_(keys))
        .group_by(col(Petition.petitioner_key))
    )
    return {key: first for key, first in session.exec(query).all()}


def _people(received: Sequence[Petition], first_seen: Mapping[str, datetime]) -> dict[str, int]:
    """件, 批, 人次, 重复信访 and 初信初访 of the petitions received in the period."""
    pieces = [p for p in received if not p.merged_into]
    repeats = sum(1 for p in pieces if p.petitioner_key and first_seen[p.petitioner_key] < p.received_at)
    return {
        "pieces": len(pieces),
        "batches": sum(1 for p in received if p.people_count >= GROUP_SIZE),
        "person_times": sum(p.people_count for p in received),
        "repeats": repeats,
        "first_time": len(pieces) - repeats,
    }


def _facts(p: Petition, clocks: list[PetitionDeadline], start: datetime, end: datetime) -> _Facts:
    overdue = [
        c for c in clocks
        if c.kind in OVERDUE_KINDS and c.state == DeadlineState.OVERDUE and c.due_at < end
        and (c.closed_at is None or c.closed_at >= end)
    ]  # fmt: skip
    return _Facts(
        row=p,
        intake=_finished(p, clocks, K.PETITION_INTAKE),
        handling=_finished(p, clocks, K.HANDLING),
        handed_down=_finished(p, clocks, K.HANDED_DOWN),
        review=_finished(p, clocks, K.REVIEW_DECISION),
        transferred_to=tuple(
            c.org_id for c in clocks if c.kind == K.UNIT_ACCEPT and start <= c.started_at < end
        ),
        open_at_end=p.closed_at is None or p.closed_at >= end,
        overdue=bool(overdue),
        overdue_orgs=frozenset(c.org_id for c in overdue if c.kind in UNIT_KINDS),
    )


def _finished(p: Petition, clocks: list[PetitionDeadline], kind: K) -> _Finished | None:
    """None while one of the petition's clocks of this kind runs, when it never had one, when the last
    was cancelled, or when the petitioner's withdrawal stopped it."""
    mine = [c for c in clocks if c.kind == kind]
    closed = [(c.closed_at, c) for c in mine if c.closed_at is not None]
    if not mine or len(closed) < len(mine):
        return None
    at, last = max(closed, key=lambda pair: pair[0])
    if last.state not in (DeadlineState.MET, DeadlineState.OVERDUE):
        return None
    if p.outcome == PetitionOutcome.WITHDRAWN and at == p.closed_at:
        return None
    return _Finished(at, last.org_id, all(c.state != DeadlineState.OVERDUE for c in mine))


def _district(facts: Sequence[_Facts], start: datetime, end: datetime) -> PetitionFigures:
    within = _within(start, end)
    closed = Counter(f.row.outcome for f in facts if within(f.row.closed_at))
    reviews = sum(1 for f in facts if f.review and within(f.review.at))
    return PetitionFigures(
        received=sum(1 for f in facts if within(f.row.received_at)),
        timely_acceptance=_on_time(f.intake for f in facts if f.intake and within(f.intake.at)),
        on_time_handling=_on_time(f.handling for f in facts if f.handling and within(f.handling.at)),
        review_rate=_review_rate(facts, within),
        recheck_rate=Rate(sum(1 for f in facts if within(f.row.recheck_requested_at)), reviews),
        handed_down_on_time=_on_time(
            f.handed_down for f in facts if f.handed_down and within(f.handed_down.at)
        ),
        closed={o.value: closed[o.value] for o in PetitionOutcome},
        open_at_end=sum(1 for f in facts if f.open_at_end),
        overdue_at_end=sum(1 for f in facts if f.open_at_end and f.overdue),
    )


def _unit(org: str, facts: Sequence[_Facts], start: datetime, end: datetime) -> UnitFigures:
    within = _within(start, end)
    handled = (f.handling for f in facts if f.handling and f.handling.org_id == org and within(f.handling.at))
    theirs = [f for f in facts if f.row.handling_org_id == org]
    return UnitFigures(
        org_id=org,
        transferred=sum(f.transferred_to.count(org) for f in facts),
        accepted=sum(1 for f in theirs if within(f.row.accepted_at)),
        on_time_handling=_on_time(handled),
        review_rate=_review_rate(theirs, within),
        overdue_at_end=sum(1 for f in facts if f.open_at_end and org in f.overdue_orgs),
    )


def _unit_ids(facts: Iterable[_Facts]) -> set[str]:
    ids: set[str] = set()
    for f in facts:
        ids.update(f.transferred_to, f.overdue_orgs)
        if f.row.handling_org_id:
            ids.add(f.row.handling_org_id)
        if f.handling:
            ids.add(f.handling.org_id)
    return ids


def _active(u: UnitFigures) -> bool:
    review = u.review_rate
    return any((u.transferred, u.accepted, u.handled, review.numerator, review.denominator, u.overdue_at_end))


def _within(start: datetime, end: datetime) -> Callable[[datetime | None], bool]:
    return lambda at: at is not None and start <= at < end


def _on_time(finished: Iterable[_Finished]) -> Rate:
    flags = [f.on_time for f in finished]
    return Rate(sum(flags), len(flags))


def _review_rate(facts: Sequence[_Facts], within: Callable[[datetime | None], bool]) -> Rate:
    """复查 requested in the period / 处理意见 issued in the period."""
    requested = sum(1 for f in facts if within(f.row.review_requested_at))
    return Rate(requested, sum(1 for f in facts if within(f.row.answered_at)))
