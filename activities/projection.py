"""The read-model projection: the case's state written to SQL after each transition, convergently.

Run as a local activity, so the write happens before Temporal records the transition. A worker killed
between the two leaves a write that Temporal never recorded; the projection therefore *replaces*
rather than appends: a projection of version v overwrites whatever an earlier attempt wrote for v
(the case row, its events, inbox items, ratings and deadlines), and drops events past the timeline's
length. Only an older version is skipped, so the read model never moves backwards.

A write the database refuses on its data (a constraint: an org that does not exist) is not retried:
it is recorded in `case_attention` for admins and raised as the non-retryable `ProjectionRejected`.
Any other failure (the database is down) is retried by the workflow until it succeeds.

`replace` writes a whole case from its full snapshot (reconciler and rebuild), guarded by the version
the caller saw, and says whether anything differed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notices import NoticePolicy, case_notices
from store.case_records import CaseAttention, CaseDeadline
from store.contact import phone_key
from store.models import Case, CaseDepartment, CaseEvent, InboxItem, Rating
from store.notifications import enqueue
from workflows.ids import workflow_id
from workflows.tasks import open_tasks
from workflows.transitions import ESCALATING, running_deadline
from workflows.types import CaseSnapshot, DeadlineKind, Outcome, Projection, RatingValue, Role, TimelineEntry

log = logging.getLogger("liudan.projection")
# Errors that say the data itself breaks the schema: retrying cannot help.
REJECTED = (IntegrityError, DataError)


class ProjectionActivities:
    def __init__(self, engine: Engine, notices: NoticePolicy | None = None) -> None:
        self._engine = engine
        self._notices = notices or NoticePolicy()

    @activity.defn(name="project_case")
    async def project_case(self, projection: Projection) -> bool:
        """Writes the projection; False when a newer version is already stored."""
        return await write_or_reject(self._engine, self.write, projection)

    def write(self, projection: Projection) -> bool:
        snap = projection.snapshot
        with Session(self._engine) as session:
            row = _locked_case(session, snap.code)
            if row is not None and row.version > snap.version and not projection.force:
                return False
            before = _inbox_keys(session, snap.code)
            _write_case(session, row, snap, projection.new_events, projection.event_count, full=False)
            # The notices this transition makes, in its own transaction (an outbox): never one for a
            # write that did not happen, never two for one that was retried.
            tasks = open_tasks(snap)
            found = case_notices(session, snap, projection.new_events, before, tasks, self._notices)
            enqueue(session, found, datetime.now(UTC))
            session.commit()
        return True

    def replace(self, snap: CaseSnapshot, expected_version: int | None, *, dry_run: bool = False) -> bool:
        """Writes the whole case from a full snapshot (timeline included) if the stored version is
        still `expected_version` (None: no row yet). True when the read model differed (and, unless
        `dry_run`, was rewritten); False when it already matched or moved on meanwhile."""
        with Session(self._engine) as session:
            row = _locked_case(session, snap.code)
            if (row.version if row is not None else None) != expected_version:
                return False
            before = stored_state(session, snap.code)
            _write_case(session, row, snap, snap.timeline, len(snap.timeline), full=True)
            session.flush()
            if dry_run or stored_state(session, snap.code) == before:
                differs = dry_run and stored_state(session, snap.code) != before
                session.rollback()
                return differs
            session.commit()
        return True


async def write_or_reject(engine: Engine, write: Callable[[Any], bool], projection: Any) -> bool:
    """Runs a process's projection write on a thread. A write the database refuses on its data is
    listed for admins and raised as the non-retryable `ProjectionRejected`; anything else (the
    database is down) propagates, and the workflow retries it."""
    try:
        return await asyncio.to_thread(write, projection)
    except REJECTED as refused:
        snap = projection.snapshot
        problem = f"{type(refused).__name__}: {refused.orig}"[:2000]
        await asyncio.to_thread(record_attention, engine, snap.code, snap.version, problem)
        raise ApplicationError(
            f"the read model refused {snap.code} version {snap.version}: {problem}",
            type="ProjectionRejected",
            non_retryable=True,
        ) from refused


def stored_version(engine: Engine, code: str) -> int | None:
    with Session(engine) as session:
        row = session.get(Case, code)
        return row.version if row is not None else None


def record_attention(engine: Engine, code: str, version: int, problem: str) -> None:
    """Lists the case for admins. Its own transaction, and a table without foreign keys, so the
    record of a rejected projection cannot itself be rejected."""
    with Session(engine) as session:
        row = session.get(CaseAttention, code) or CaseAttention(case_code=code, at=datetime.now(UTC))
        row.version, row.problem, row.at = version, problem, datetime.now(UTC)
        session.add(row)
        session.commit()
    log.error("case %s version %d needs attention: %s", code, version, problem)


def _inbox_keys(session: Session, code: str) -> set[tuple[str, str, str]]:
    rows = session.exec(
        select(InboxItem.org_id, InboxItem.role, InboxItem.task).where(InboxItem.case_code == code)
    )
    return {(org, role, task) for org, role, task in rows}


def _locked_case(session: Session, code: str) -> Case | None:
    if session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE: take its write lock before reading the version, or a slow
        # attempt could pass the check and then write over a newer projection.
        session.execute(text("BEGIN IMMEDIATE"))
    return session.exec(select(Case).where(Case.code == code).with_for_update()).first()


def _write_case(
    session: Session,
    row: Case | None,
    snap: CaseSnapshot,
    events: list[TimelineEntry],
    event_count: int,
    *,
    full: bool,
) -> None:
    row = row or Case(code=snap.code, workflow_id=workflow_id(snap.code), received_at=_received(snap))
    _fill_case(row, snap)
    session.add(row)
    session.flush()
    _write_departments(session, snap, full=full)
    _write_events(session, snap.code, events, event_count, full=full)
    _write_inbox(session, snap)
    _write_ratings(session, snap)
    _write_deadlines(session, snap)
    session.execute(delete(CaseAttention).where(CaseAttention.case_code == snap.code))  # type: ignore[arg-type]


def _received(snap: CaseSnapshot) -> datetime:
    # The workflow fills received_at at start; the fallback only guards a malformed history.
    return snap.registration.received_at or snap.updated_at or datetime.now(UTC)


def _fill_case(row: Case, s: CaseSnapshot) -> None:
    reg = s.registration
    clock = running_deadline(s, (*ESCALATING, DeadlineKind.RATING, DeadlineKind.REVIEW))
    lead = next((a.department_id for a in s.assignments if a.lead), None)
    row.version = s.version
    row.title, row.description = reg.title, reg.description
    row.channel, row.policy_id = reg.channel.value, s.policy.id
    row.category = s.category.value if s.category else None
    row.urgency = s.urgency.value if s.urgency else None
    row.difficulty = s.difficulty.value if s.difficulty else None
    row.stage = s.stage.value
    row.outcome = recorded_outcome(s)
    row.holder_org_ids = " ".join(s.holder_org_ids)
    row.holder_role = s.holder_role.value if s.holder_role else None
    row.community_org_id, row.street_org_id = reg.community_org_id, reg.street_org_id
    # While the case is back at the street after a return, it still names the departments of its
    # last dispatch (computed from the snapshot, so a rebuild writes the same).
    last = _last_dispatch(s)
    row.department_ids = " ".join(a.department_id for a in last)
    row.lead_department_id = lead or next((a.department_id for a in last if a.lead), None)
    row.reporter_name, row.reporter_phone = reg.reporter.name, reg.reporter.phone
    row.phone_key = phone_key(reg.reporter.phone)
    row.reporter_address, row.location = reg.reporter.address, reg.location
    row.registered_by = reg.registered_by.user_id
    row.tracking_token_hash = reg.tracking_token_hash or None
    row.due_at = clock.due_at if clock else None
    row.warn_at = clock.warn_at if clock else None
    row.deadline_label = clock.label if clock else ""
    row.provisional = bool(clock and clock.provisional)
    row.overdue, row.ever_overdue = s.overdue, s.ever_overdue
    row.supervision_level, row.supervised = s.supervision_level, s.supervised
    row.talk_ordered, row.escalated = s.talk_ordered, s.escalated
    row.leader_in_charge = s.leader_in_charge
    row.returns, row.extensions_granted, row.reopened = s.returns, s.extensions_granted, s.reopened
    row.rating = s.ratings[-1].value.value if s.ratings else None
    row.callback_failures = getattr(s, "callback_failures", 0)
    row.solved = s.ratings[-1].solved if s.ratings else None
    row.result = s.result
    row.reported_at, row.signed_at = s.reported_at, s.signed_at
    row.dispatched_at, row.completed_at, row.closed_at = s.dispatched_at, s.completed_at, s.closed_at
    row.updated_at = s.updated_at


def recorded_outcome(s: CaseSnapshot) -> str | None:
    """The outcome as the read model labels it. A case the leader closed after a dissatisfied rating
    recorded RESOLVED before `PATCH_DISSATISFIED_CLOSE`; its last rating says what it was (不满意结案)."""
    if s.outcome == Outcome.RESOLVED and s.ratings and s.ratings[-1].value == RatingValue.DISSATISFIED:
        return Outcome.CLOSED_DISSATISFIED.value
    return s.outcome.value if s.outcome else None


def _last_dispatch(s: CaseSnapshot) -> list[Any]:
    if s.assignments:
        return list(s.assignments)
    latest = max((a.dispatched_at for a in s.departed if a.dispatched_at), default=None)
    return [a for a in s.departed if a.dispatched_at == latest] if latest else []


def _write_departments(session: Session, s: CaseSnapshot, *, full: bool) -> None:
    # A department keeps its row after a return or reopen: its figures count what it was given.
    # Parts that ended with a return first, so a department given the case again is written as now.
    for a, current in [*((a, False) for a in s.departed), *((a, True) for a in s.assignments)]:
        row = session.get(CaseDepartment, (s.code, a.department_id)) or CaseDepartment(
            case_code=s.code, department_id=a.department_id
        )
        row.lead = a.lead
        row.dispatched_at = s.dispatched_at if current else (a.dispatched_at or row.dispatched_at)
        row.accepted_at, row.reported_at, row.response = a.accepted_at, a.reported_at, a.response
        session.add(row)
    if full:
        # A department neither assigned now nor ever before was named only by an attempt Temporal
        # never recorded.
        keep = {a.department_id for a in (*s.assignments, *s.departed)}
        for row in session.exec(select(CaseDepartment).where(CaseDepartment.case_code == s.code)):
            if row.department_id not in keep:
                session.delete(row)


def _write_events(
    session: Session, code: str, events: list[TimelineEntry], event_count: int, *, full: bool
) -> None:
    query = select(CaseEvent).where(CaseEvent.case_code == code)
    if not full:
        query = query.where(CaseEvent.seq.in_([e.seq for e in events]))  # type: ignore[attr-defined]
    stored = {row.seq: row for row in session.exec(query)}
    for e in events:
        row = stored.get(e.seq) or CaseEvent(case_code=code, seq=e.seq, at=e.at, action=e.action)
        row.at, row.action, row.note, row.public = e.at, e.action, e.note, e.public
        row.note_public = e.note_public
        row.actor_user_id, row.actor_role = e.actor_user_id, e.actor_role.value
        row.actor_org_id, row.actor_name = e.actor_org_id, e.actor_name
        session.add(row)
    if event_count:
        session.execute(
            delete(CaseEvent).where(CaseEvent.case_code == code, CaseEvent.seq > event_count)  # type: ignore[arg-type]
        )


def _write_inbox(session: Session, s: CaseSnapshot) -> None:
    session.execute(delete(InboxItem).where(InboxItem.case_code == s.code))  # type: ignore[arg-type]
    for t in open_tasks(s):
        session.add(
            InboxItem(
                case_code=s.code,
                org_id=t.org_id,
                role=t.role.value,
                task=t.task,
                title=s.registration.title,
                category=s.category.value if s.category else None,
                urgency=s.urgency.value if s.urgency else None,
                stage=s.stage.value,
                due_at=t.due_at,
                warn_at=t.warn_at,
                provisional=t.provisional,
                overdue=t.overdue,
                supervised=s.supervised,
                escalated=s.escalated,
                created_at=s.updated_at,
            )
        )


def _write_ratings(session: Session, s: CaseSnapshot) -> None:
    lead = next((a.department_id for a in s.assignments if a.lead), None)
    rounds = {r.round for r in s.ratings}
    for row in session.exec(select(Rating).where(Rating.case_code == s.code)):
        if row.round not in rounds:
            session.delete(row)  # a rating Temporal never recorded
    for r in s.ratings:
        row = session.get(Rating, (s.code, r.round)) or Rating(
            case_code=s.code, round=r.round, value=r.value.value, channel=r.channel.value, at=r.at, by_role=""
        )
        row.value, row.comment, row.channel = r.value.value, r.comment, r.channel.value
        row.by_role, row.at = r.by_role.value, r.at
        row.by_user_id = r.by_user_id if r.by_role != Role.RESIDENT else ""
        row.solved = r.solved
        row.street_org_id, row.lead_department_id = s.registration.street_org_id, lead
        session.add(row)


def _write_deadlines(session: Session, s: CaseSnapshot) -> None:
    ids = {d.id for d in s.deadlines}
    stored = {
        row.deadline_id: row
        for row in session.exec(select(CaseDeadline).where(CaseDeadline.case_code == s.code))
    }
    for deadline_id, row in stored.items():
        if deadline_id not in ids:
            session.delete(row)
    for d in s.deadlines:
        row = stored.get(d.id) or CaseDeadline(
            case_code=s.code, deadline_id=d.id, kind=d.kind.value, started_at=d.started_at,
            warn_at=d.warn_at, due_at=d.due_at, state=d.state.value,
        )  # fmt: skip
        row.kind, row.label, row.org_id = d.kind.value, d.label, d.org_id
        row.started_at, row.warn_at, row.due_at = d.started_at, d.warn_at, d.due_at
        row.provisional, row.state, row.closed_at = d.provisional, d.state.value, d.closed_at
        session.add(row)


def stored_state(session: Session, code: str) -> tuple[Any, ...]:
    """Everything the read model holds for one case, comparable (row ids left out: they differ
    between a projection and a rebuild)."""

    def rows(model: Any, *order: Any) -> list[dict[str, Any]]:
        found = session.exec(select(model).where(model.case_code == code).order_by(*order))
        return [{k: v for k, v in r.model_dump().items() if k != "id"} for r in found]

    case = session.get(Case, code)
    return (
        case.model_dump() if case else None,
        rows(CaseEvent, CaseEvent.seq),
        sorted(rows(InboxItem), key=lambda r: (r["org_id"], r["role"], r["task"])),
        rows(Rating, Rating.round),
        rows(CaseDepartment, CaseDepartment.department_id),
        rows(CaseDeadline, CaseDeadline.deadline_id),
    )
