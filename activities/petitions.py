"""The petitions' side effects: their convergent read-model projection and their document numbers.

The projection follows the 六单 one (`activities.projection`): a projection of version v replaces
whatever an earlier attempt wrote for v (row, events, tasks, documents, deadlines) and drops events
past the timeline's length; an older version is skipped; a write the database refuses on its data is
listed for admins and raised as the non-retryable `ProjectionRejected`.

A document number (文号) is allocated once per (petition, document) and stored, so a retried or
replayed numbering returns the same number and a sequence never has two documents on one number.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from activities.notices import NoticePolicy, petition_notices
from activities.projection import write_or_reject
from store.case_records import CaseAttention
from store.codes import next_number
from store.notifications import enqueue
from store.petitioners import refresh_petitioner
from store.petitions import (
    DocumentNumber,
    Petition,
    PetitionDeadline,
    PetitionDocumentRow,
    PetitionEvent,
    PetitionTask,
)
from workflows.petition.ids import petition_workflow_id
from workflows.petition.tasks import open_tasks, running_clock
from workflows.petition.types import DocumentKind, DocumentNumberRequest, PetitionProjection, PetitionSnapshot
from workflows.types import TimelineEntry

# 文号: the district's abbreviation, the issuing body, the kind, the year, the number: 和信受〔2026〕3号.
DOCUMENT_WORDS = {
    DocumentKind.ACCEPTANCE: "受",
    DocumentKind.DECLINE: "不受",
    DocumentKind.REFERRAL: "引",
    DocumentKind.TRANSFER: "转",
    DocumentKind.EXTENSION: "延",
    DocumentKind.OPINION: "处",
    DocumentKind.REVIEW: "复查",
    DocumentKind.RECHECK: "复核",
}


class PetitionActivities:
    def __init__(
        self, engine: Engine, document_prefix: str = "和信", notices: NoticePolicy | None = None
    ) -> None:
        self._engine = engine
        self._notices = notices or NoticePolicy()
        self._prefix = document_prefix

    @activity.defn(name="project_petition")
    async def project_petition(self, projection: PetitionProjection) -> bool:
        """Writes the projection; False when a newer version is already stored."""
        return await write_or_reject(self._engine, self.write, projection)

    @activity.defn(name="number_document")
    async def number_document(self, request: DocumentNumberRequest) -> str:
        return await asyncio.to_thread(self.number, request)

    def number(self, r: DocumentNumberRequest) -> str:
        with Session(self._engine) as session:
            given = session.get(DocumentNumber, (r.code, r.document_id))
            if given is not None:
                return given.number
        word = DOCUMENT_WORDS[r.kind]
        n = next_number(self._engine, f"doc:{word}:{r.year}")
        number = f"{self._prefix}{word}〔{r.year}〕{n}号"
        with Session(self._engine) as session:
            session.add(DocumentNumber(petition_code=r.code, document_id=r.document_id, number=number))
            session.commit()
        return number

    def write(self, projection: PetitionProjection) -> bool:
        snap = projection.snapshot
        with Session(self._engine) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))  # SQLite ignores FOR UPDATE
            row = session.exec(select(Petition).where(Petition.code == snap.code).with_for_update()).first()
            if row is not None and row.version > snap.version and not projection.force:
                return False
            write_petition(session, row, snap, projection.new_events, projection.event_count)
            enqueue(
                session,
                petition_notices(session, snap, projection.new_events, self._notices),
                datetime.now(UTC),
            )
            session.commit()
        return True

    def replace(self, snap: PetitionSnapshot, expected_version: int | None, *, dry_run: bool = False) -> bool:
        """Writes the whole petition from a full snapshot (timeline included) if the stored version is
        still `expected_version` (None: no row yet); True when the read model differed (and, unless
        `dry_run`, was rewritten). The reconciler and the rebuild call it, as for cases."""
        with Session(self._engine) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))
            row = session.exec(select(Petition).where(Petition.code == snap.code).with_for_update()).first()
            if (row.version if row is not None else None) != expected_version:
                return False
            before = petition_state(session, snap.code)
            write_petition(session, row, snap, snap.timeline, len(snap.timeline))
            session.flush()
            differs = petition_state(session, snap.code) != before
            if dry_run or not differs:
                session.rollback()
                return differs
            session.commit()
        return True


def stored_petition_version(engine: Engine, code: str) -> int | None:
    with Session(engine) as session:
        row = session.get(Petition, code)
        return row.version if row is not None else None


def petition_state(session: Session, code: str) -> tuple[Any, ...]:
    """Everything the read model holds for one petition, comparable (row ids left out)."""

    def rows(model: Any, *order: Any) -> list[dict[str, Any]]:
        found = session.exec(select(model).where(model.petition_code == code).order_by(*order))
        return [{k: v for k, v in r.model_dump().items() if k != "id"} for r in found]

    row = session.get(Petition, code)
    return (
        row.model_dump() if row else None,
        rows(PetitionEvent, PetitionEvent.seq),
        sorted(rows(PetitionTask), key=lambda r: (r["org_id"], r["role"], r["task"])),
        rows(PetitionDocumentRow, PetitionDocumentRow.document_id),
        rows(PetitionDeadline, PetitionDeadline.deadline_id),
    )


def write_petition(
    session: Session, row: Petition | None, p: PetitionSnapshot, events: list[TimelineEntry], event_count: int
) -> None:
    reg = p.registration
    row = row or Petition(
        code=p.code,
        workflow_id=petition_workflow_id(p.code),
        received_at=reg.received_at or datetime.now(UTC),
        title=reg.title,
        channel=reg.channel.value,
        matter_type=reg.matter_type.value,
        policy_id=p.policy.id,
        stage=p.stage.value,
        bureau_org_id=reg.bureau_org_id,
        petitioner_name=reg.petitioner.name,
        petitioner_phone=reg.petitioner.phone,
    )
    _fill(row, p)
    session.add(row)
    session.flush()
    refresh_petitioner(session, reg.petitioner_key)
    code = p.code
    stored = {
        e.seq: e for e in session.exec(select(PetitionEvent).where(PetitionEvent.petition_code == code))
    }
    for e in events:
        ev = stored.get(e.seq) or PetitionEvent(petition_code=code, seq=e.seq, at=e.at, action=e.action,
                                                actor_user_id=e.actor_user_id, actor_role=e.actor_role.value)  # fmt: skip
        ev.at, ev.action, ev.note, ev.public = e.at, e.action, e.note, e.public
        ev.actor_user_id, ev.actor_role = e.actor_user_id, e.actor_role.value
        ev.actor_org_id, ev.actor_name = e.actor_org_id, e.actor_name
        session.add(ev)
    if event_count:
        session.execute(
            delete(PetitionEvent).where(PetitionEvent.petition_code == code, PetitionEvent.seq > event_count)
        )  # type: ignore[arg-type]
    session.execute(delete(PetitionTask).where(PetitionTask.petition_code == code))  # type: ignore[arg-type]
    for t in open_tasks(p):
        session.add(
            PetitionTask(
                petition_code=code, org_id=t.org_id, role=t.role.value, task=t.task, title=reg.title,
                matter_type=reg.matter_type.value, stage=p.stage.value, due_at=t.due_at, warn_at=t.warn_at,
                overdue=t.overdue, created_at=p.updated_at,
            )
        )  # fmt: skip
    _replace(session, PetitionDocumentRow, code, [_document_row(code, d) for d in p.documents])
    _replace(session, PetitionDeadline, code, [_deadline_row(code, d) for d in p.deadlines])
    # A good write clears what an earlier rejected one listed for admins.
    session.execute(delete(CaseAttention).where(CaseAttention.case_code == code))  # type: ignore[arg-type]


def _fill(row: Petition, p: PetitionSnapshot) -> None:
    reg = p.registration
    clock = running_clock(p)
    row.version, row.stage = p.version, p.stage.value
    row.title, row.content = reg.title, reg.content
    row.outcome = p.outcome.value if p.outcome else None
    row.handling_org_id, row.holder_org_ids = p.handling_org_id, " ".join(p.holder_org_ids)
    row.holder_role = p.holder_role.value if p.holder_role else None
    row.review_org_id, row.recheck_org_id = p.review_org_id, p.recheck_org_id
    row.accused_org_id, row.about_officials = reg.accused_org_id, reg.about_officials
    row.petitioner_name, row.petitioner_phone = reg.petitioner.name, reg.petitioner.phone
    row.petitioner_address, row.petitioner_key = reg.petitioner.address, reg.petitioner_key
    row.petitioner_id_masked = reg.petitioner.id_masked
    row.first_time, row.people_count = reg.first_time, reg.people_count
    row.representatives = "\n".join(reg.representatives)
    row.merged_into = p.merged_into
    row.handed_down_by, row.handed_down_due = reg.handed_down_by, reg.handed_down_due
    row.repeat_of, row.registered_by = reg.repeat_of, reg.registered_by.user_id
    row.tracking_token_hash = reg.tracking_token_hash or None
    row.due_at, row.warn_at = (clock.due_at, clock.warn_at) if clock else (None, None)
    row.deadline_label = clock.label if clock else ""
    row.provisional = bool(clock and clock.provisional)
    row.overdue, row.ever_overdue = p.overdue, p.ever_overdue
    row.objections, row.extensions_granted = p.objections, p.extensions_granted
    row.presses, row.hearing_days = p.presses, p.hearing_days
    row.transferred_at, row.accepted_at, row.answered_at = p.transferred_at, p.accepted_at, p.answered_at
    row.review_requested_at, row.recheck_requested_at = p.review_requested_at, p.recheck_requested_at
    row.closed_at, row.updated_at = p.closed_at, p.updated_at


def _document_row(code: str, d: Any) -> PetitionDocumentRow:
    return PetitionDocumentRow(
        petition_code=code, document_id=d.id, kind=d.kind.value, number=d.number, issued_at=d.issued_at,
        issuer_org_id=d.issuer_org_id, body=d.body, outcome=d.outcome, detail=d.detail, org_id=d.org_id,
        referral_body=d.referral_body, facts=d.facts, reasons=d.reasons, decision=d.decision,
        delivery=d.delivery.value if d.delivery else None, delivered_at=d.delivered_at,
    )  # fmt: skip


def _deadline_row(code: str, d: Any) -> PetitionDeadline:
    return PetitionDeadline(
        petition_code=code, deadline_id=d.id, kind=d.kind.value, label=d.label, org_id=d.org_id,
        started_at=d.started_at, warn_at=d.warn_at, due_at=d.due_at, provisional=d.provisional,
        state=d.state.value, closed_at=d.closed_at,
    )  # fmt: skip


def _replace(session: Session, model: Any, code: str, rows: list[Any]) -> None:
    """Documents and deadlines are few: the petition's rows are written afresh each time."""
    session.execute(delete(model).where(model.petition_code == code))
    session.flush()
    session.add_all(rows)
