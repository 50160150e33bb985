"""The director's-mailbox letters' projection: the whole row rewritten each time (its timeline is read
from the workflow on the letter's own page), convergent as every projection: an older version is
skipped, and a write the database refuses is listed for admins."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from activities.projection import write_or_reject
from store.letters import Letter
from workflows.mailbox.types import LetterProjection, LetterSnapshot


class LetterActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="project_letter")
    async def project_letter(self, projection: LetterProjection) -> bool:
        return await write_or_reject(self._engine, self.write, projection)

    def write(self, projection: LetterProjection) -> bool:
        m = projection.snapshot
        with Session(self._engine) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))
            row = session.exec(select(Letter).where(Letter.code == m.code).with_for_update()).first()
            if row is not None and row.version > m.version and not projection.force:
                return False
            write_letter(session, row, m)
            session.commit()
        return True

    def replace(self, m: LetterSnapshot, expected_version: int | None) -> bool:
        """The whole letter from Temporal if the stored version is still the one the caller saw; True
        when the read model differed and was rewritten (the reconciler and rebuild)."""
        with Session(self._engine) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))
            row = session.exec(select(Letter).where(Letter.code == m.code).with_for_update()).first()
            if (row.version if row is not None else None) != expected_version:
                return False
            before = row.model_dump() if row is not None else None
            row = write_letter(session, row, m)
            session.flush()
            if row.model_dump() == before:
                session.rollback()
                return False
            session.commit()
        return True


def stored_letter_version(engine: Engine, code: str) -> int | None:
    with Session(engine) as session:
        row = session.get(Letter, code)
        return row.version if row is not None else None


def write_letter(session: Session, row: Letter | None, m: LetterSnapshot) -> Letter:
    reg = m.registration
    row = row or Letter(
        code=m.code, mailbox_org_id=reg.mailbox_org_id, name=reg.name, phone=reg.phone,
        subject=reg.subject, stage=m.stage.value, received_at=reg.received_at or datetime.now(UTC),
    )  # fmt: skip
    row.version, row.stage, row.content = m.version, m.stage.value, reg.content
    row.holder_org_ids = " ".join(m.holder_org_ids)
    row.holder_role = m.holder_role.value if m.holder_role else None
    row.proposed_org_id, row.proposal = m.proposed_org_id, m.proposal
    row.assigned_org_id, row.instruction, row.due_at = m.assigned_org_id, m.instruction, m.due_at
    row.answer, row.answered_at, row.answered_on_time = m.answer, m.answered_at, m.answered_on_time
    row.rating = m.rating.value if m.rating else None
    row.presses, row.overdue = m.presses, m.overdue
    row.tracking_token_hash = reg.tracking_token_hash or None
    row.closed_at, row.updated_at = m.closed_at, m.updated_at
    session.add(row)
    return row
