"""The read-model projection: one idempotent write of a case's snapshot after each transition.

Run as a local activity. Each projection carries the case's version; a projection whose version
is not newer than the stored one is a retry or a replay and writes nothing, so the read model
never moves backwards and an event is never stored twice ((case_code, seq) is unique as well).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from store.models import Case, CaseDepartment, CaseEvent, InboxItem, Rating
from workflows.tasks import open_tasks
from workflows.transitions import ESCALATING, running_deadline
from workflows.types import CaseSnapshot, DeadlineKind, Projection


class ProjectionActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="project_case")
    async def project_case(self, projection: Projection) -> bool:
        """Writes the projection; False when it was already written (a retry or replay)."""
        return await asyncio.to_thread(self.write, projection)

    def write(self, projection: Projection) -> bool:
        snap = projection.snapshot
        with Session(self._engine) as session:
            if self._engine.dialect.name == "sqlite":
                # SQLite ignores FOR UPDATE: take its write lock before reading the version, or a slow
                # attempt could pass the check and then write over a newer projection.
                session.execute(text("BEGIN IMMEDIATE"))
            row = session.exec(select(Case).where(Case.code == snap.code).with_for_update()).first()
            if row is not None and row.version >= snap.version:
                return False
            row = row or Case(code=snap.code, workflow_id=f"case-{snap.code}", received_at=_received(snap))
            _fill_case(row, snap)
            session.add(row)
            session.flush()
            _write_departments(session, snap)
            _write_events(session, projection)
            _write_inbox(session, snap)
            _write_ratings(session, snap)
            session.commit()
        return True


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
    row.outcome = s.outcome.value if s.outcome else None
    row.holder_org_ids = " ".join(s.holder_org_ids)
    row.holder_role = s.holder_role.value if s.holder_role else None
    row.community_org_id, row.street_org_id = reg.community_org_id, reg.street_org_id
    row.department_ids = " ".join(a.department_id for a in s.assignments) or row.department_ids
    row.lead_department_id = lead or row.lead_department_id
    row.reporter_name, row.reporter_phone = reg.reporter.name, reg.reporter.phone
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
    row.result = s.result
    row.reported_at, row.signed_at = s.reported_at, s.signed_at
    row.dispatched_at, row.completed_at, row.closed_at = s.dispatched_at, s.completed_at, s.closed_at
    row.updated_at = s.updated_at


def _write_departments(session: Session, s: CaseSnapshot) -> None:
    # A department keeps its row after a return or reopen: its figures count what it was given.
    for a in s.assignments:
        row = session.get(CaseDepartment, (s.code, a.department_id)) or CaseDepartment(
            case_code=s.code, department_id=a.department_id
        )
        row.lead = a.lead
        row.dispatched_at = s.dispatched_at
        row.accepted_at, row.reported_at, row.response = a.accepted_at, a.reported_at, a.response
        session.add(row)


def _write_events(session: Session, projection: Projection) -> None:
    code = projection.snapshot.code
    seqs = [e.seq for e in projection.new_events]
    stored = set(
        session.exec(select(CaseEvent.seq).where(CaseEvent.case_code == code, CaseEvent.seq.in_(seqs))).all()  # type: ignore[attr-defined]
    )
    for e in projection.new_events:
        if e.seq in stored:
            continue
        session.add(
            CaseEvent(
                case_code=code,
                seq=e.seq,
                at=e.at,
                action=e.action,
                actor_user_id=e.actor_user_id,
                actor_role=e.actor_role.value,
                actor_org_id=e.actor_org_id,
                actor_name=e.actor_name,
                note=e.note,
                public=e.public,
            )
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
    for r in s.ratings:
        if session.get(Rating, (s.code, r.round)) is not None:
            continue
        session.add(
            Rating(
                case_code=s.code,
                round=r.round,
                value=r.value.value,
                comment=r.comment,
                channel=r.channel.value,
                by_role=r.by_role.value,
                at=r.at,
                street_org_id=s.registration.street_org_id,
                lead_department_id=lead,
            )
        )
