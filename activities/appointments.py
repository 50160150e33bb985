"""Appointments (约访) in the read model: the booking's row, its seat released when it is cancelled, and
the reception it became (a `reception_records` row, one per appointment) once it was held. Convergent
as every projection: a version replaces what an earlier attempt wrote for it; an older one is skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from activities.notices import NoticePolicy, appointment_notices
from activities.projection import write_or_reject
from store.notifications import enqueue
from store.reception import Appointment, AppointmentSeat, ReceptionRecord
from workflows.appointment.types import AppointmentProjection, AppointmentSnapshot, AppointmentStatus


class AppointmentActivities:
    def __init__(self, engine: Engine, notices: NoticePolicy | None = None) -> None:
        self._engine = engine
        self._notices = notices or NoticePolicy()

    @activity.defn(name="project_appointment")
    async def project_appointment(self, projection: AppointmentProjection) -> bool:
        return await write_or_reject(self._engine, self.write, projection)

    def write(self, projection: AppointmentProjection) -> bool:
        a = projection.snapshot
        with Session(self._engine) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))
            row = session.exec(
                select(Appointment).where(Appointment.code == a.code).with_for_update()
            ).first()
            if row is not None and row.version > a.version and not projection.force:
                return False
            write_appointment(session, row, a)
            enqueue(
                session,
                appointment_notices(session, a, projection.new_events, self._notices),
                datetime.now(UTC),
            )
            session.commit()
        return True

    def replace(self, a: AppointmentSnapshot, expected_version: int | None) -> bool:
        """The whole appointment from Temporal if the stored version is still the one the caller saw;
        True when the read model differed and was rewritten (the reconciler and rebuild)."""
        with Session(self._engine) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))
            row = session.exec(
                select(Appointment).where(Appointment.code == a.code).with_for_update()
            ).first()
            if (row.version if row is not None else None) != expected_version:
                return False
            before = _state(session, a.code)
            write_appointment(session, row, a)
            session.flush()
            if _state(session, a.code) == before:
                session.rollback()
                return False
            session.commit()
        return True


def stored_appointment_version(engine: Engine, code: str) -> int | None:
    with Session(engine) as session:
        row = session.get(Appointment, code)
        return row.version if row is not None else None


def _state(session: Session, code: str) -> tuple[object, ...]:
    row = session.get(Appointment, code)
    record = session.exec(select(ReceptionRecord).where(ReceptionRecord.appointment_code == code)).first()
    seats = session.exec(select(AppointmentSeat).where(AppointmentSeat.code == code)).all()
    return (
        row.model_dump() if row else None,
        {k: v for k, v in record.model_dump().items() if k != "id"} if record else None,
        [s.released for s in seats],
    )


def write_appointment(session: Session, row: Appointment | None, a: AppointmentSnapshot) -> None:
    reg = a.registration
    row = row or Appointment(
        code=a.code, schedule_id=reg.schedule_id, leader_id=reg.leader_id, slot_at=reg.slot_at, level=reg.level,
        place=reg.place, name=reg.name, phone=reg.phone, status=a.status.value,
        booked_at=reg.received_at or datetime.now(UTC),
    )  # fmt: skip
    row.version, row.status, row.video, row.matter = a.version, a.status.value, reg.video, reg.matter
    row.outcome = a.outcome.value if a.outcome else ""
    row.note, row.linked_code = a.note, a.linked_code
    row.tracking_token_hash = reg.tracking_token_hash or None
    row.reminded_at, row.closed_at, row.updated_at = a.reminded_at, a.closed_at, a.updated_at
    session.add(row)
    released = a.status == AppointmentStatus.CANCELLED
    session.execute(
        update(AppointmentSeat).where(AppointmentSeat.code == a.code).values(released=released)  # type: ignore[arg-type]
    )
    record = session.exec(select(ReceptionRecord).where(ReceptionRecord.appointment_code == a.code)).first()
    if a.status != AppointmentStatus.ATTENDED:
        if record is not None:  # written by an attempt Temporal never recorded
            session.delete(record)
        return
    record = record or ReceptionRecord(
        appointment_code=a.code, leader_id=reg.leader_id, received_at=a.closed_at or datetime.now(UTC),
        outcome="", recorded_by="",
    )  # fmt: skip
    record.schedule_id, record.leader_id, record.received_at = (
        reg.schedule_id,
        reg.leader_id,
        a.closed_at or record.received_at,
    )
    record.batches, record.people, record.lawyer_present = 1, a.people, a.lawyer_present
    record.outcome = a.outcome.value if a.outcome else ""
    record.linked_code, record.note = a.linked_code, a.note
    record.recorded_by = a.timeline[-1].actor_user_id if a.timeline else record.recorded_by or "system"
    session.add(record)
