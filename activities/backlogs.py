"""The backlog cases' (积案 / 包案) convergent projection: as for cases and petitions, a projection of
version v replaces what an earlier attempt wrote for v, events past the timeline are dropped, an older
version is skipped, and a write the database refuses is listed for admins (`ProjectionRejected`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from activities.projection import write_or_reject
from store.backlogs import Backlog, BacklogEvent
from store.case_records import CaseAttention
from workflows.backlog.ids import backlog_workflow_id
from workflows.backlog.types import BacklogProjection, BacklogSnapshot
from workflows.types import TimelineEntry


def padded(ids: list[str]) -> str:
    """ " a b ": so `LIKE '% a %'` finds one id and never a longer one that contains it."""
    return f" {' '.join(ids)} " if ids else ""


class BacklogActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="project_backlog")
    async def project_backlog(self, projection: BacklogProjection) -> bool:
        return await write_or_reject(self._engine, self.write, projection)

    def write(self, projection: BacklogProjection) -> bool:
        b = projection.snapshot
        with Session(self._engine) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))
            row = session.exec(select(Backlog).where(Backlog.code == b.code).with_for_update()).first()
            if row is not None and row.version > b.version and not projection.force:
                return False
            write_backlog(session, row, b, projection.new_events, projection.event_count)
            session.commit()
        return True

    def replace(self, b: BacklogSnapshot, expected_version: int | None) -> bool:
        """The whole backlog case from a full snapshot, if the stored version is still the one the
        caller saw; True when the read model differed and was rewritten (the reconciler and rebuild)."""
        with Session(self._engine) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))
            row = session.exec(select(Backlog).where(Backlog.code == b.code).with_for_update()).first()
            if (row.version if row is not None else None) != expected_version:
                return False
            before = backlog_state(session, b.code)
            write_backlog(session, row, b, b.timeline, len(b.timeline))
            session.flush()
            if backlog_state(session, b.code) == before:
                session.rollback()
                return False
            session.commit()
        return True


def stored_backlog_version(engine: Engine, code: str) -> int | None:
    with Session(engine) as session:
        row = session.get(Backlog, code)
        return row.version if row is not None else None


def backlog_state(session: Session, code: str) -> tuple[Any, ...]:
    row = session.get(Backlog, code)
    found = session.exec(
        select(BacklogEvent).where(BacklogEvent.backlog_code == code).order_by(BacklogEvent.seq)
    )
    return (
        row.model_dump() if row else None,
        [{k: v for k, v in e.model_dump().items() if k != "id"} for e in found],
    )


def write_backlog(
    session: Session, row: Backlog | None, b: BacklogSnapshot, events: list[TimelineEntry], event_count: int
) -> None:
    reg = b.registration
    row = row or Backlog(
        code=b.code,
        workflow_id=backlog_workflow_id(b.code),
        title=reg.title,
        reason=reg.reason.value,
        bureau_org_id=reg.bureau_org_id,
        stage=b.stage.value,
        designated_at=reg.received_at or datetime.now(UTC),
    )
    clock = next((d for d in reversed(b.deadlines) if d.closed_at is None), None)
    row.version, row.title, row.reason, row.by_rule, row.note = (
        b.version,
        reg.title,
        reg.reason.value,
        reg.by_rule,
        reg.note,
    )
    row.org_id, row.stage = reg.org_id, b.stage.value
    row.leader_ids, row.team_org_ids = padded(b.leader_ids), padded(b.team_org_ids)
    row.duties_done = " ".join(d.value for d in b.duties_done)
    row.reports, row.missed_reports, row.presses = b.reports, b.missed_reports, b.presses
    row.outcome, row.evidence = (b.outcome.value if b.outcome else None), b.evidence
    row.due_at, row.deadline_label = (clock.due_at, clock.label) if clock else (None, "")
    row.overdue, row.ever_overdue = b.overdue, b.ever_overdue
    row.assigned_at, row.last_report_at = b.assigned_at, b.last_report_at
    row.closed_at, row.updated_at = b.closed_at, b.updated_at
    session.add(row)
    session.flush()
    stored: dict[int, Any] = {
        e.seq: e for e in session.exec(select(BacklogEvent).where(BacklogEvent.backlog_code == b.code))
    }
    for e in events:
        ev = stored.get(e.seq) or BacklogEvent(
            backlog_code=b.code, seq=e.seq, at=e.at, action=e.action, actor_user_id=e.actor_user_id,
            actor_role=e.actor_role.value,
        )  # fmt: skip
        ev.at, ev.action, ev.note = e.at, e.action, e.note
        ev.actor_user_id, ev.actor_role, ev.actor_name = e.actor_user_id, e.actor_role.value, e.actor_name
        session.add(ev)
    if event_count:
        session.execute(
            delete(BacklogEvent).where(BacklogEvent.backlog_code == b.code, BacklogEvent.seq > event_count)
        )  # type: ignore[arg-type]
    session.execute(delete(CaseAttention).where(CaseAttention.case_code == b.code))  # type: ignore[arg-type]
