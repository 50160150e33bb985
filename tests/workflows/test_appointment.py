"""约访 through the workflow on the time-skipping server: the reminder the day before, a reception
recorded, a booking nobody recorded becoming 爽约 at the slot's end, and a cancellation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.reconcile import APPOINTMENTS, Reconciler
from store.reception import Appointment, ReceptionRecord
from tests.utils.appointments import book
from tests.utils.cases import LEADER, OTHER_LEADER, RESIDENT, keep_history, sleep_until
from tests.utils.petitions import completed
from workflows.appointment.types import (
    AppointmentStatus,
    Attendance,
    Cancellation,
    ReceptionOutcome,
)
from workflows.appointment.workflow import AppointmentWorkflow


async def test_reminded_then_received(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    h, reg = await book(time_env, client, task_queue, engine)
    await sleep_until(time_env, reg.slot_at - timedelta(hours=23))
    s = await h.query(AppointmentWorkflow.snapshot)
    assert s.reminded_at is not None and s.timeline[-1].action == "reminded"
    with pytest.raises(WorkflowUpdateFailedError):  # another leader's appointment
        await h.execute_update(
            AppointmentWorkflow.ap_attend, Attendance(OTHER_LEADER, ReceptionOutcome.ANSWERED)
        )
    with pytest.raises(WorkflowUpdateFailedError):  # registered needs the code it was registered under
        await h.execute_update(AppointmentWorkflow.ap_attend, Attendance(LEADER, ReceptionOutcome.REGISTERED))
    await h.execute_update(
        AppointmentWorkflow.ap_attend,
        Attendance(LEADER, ReceptionOutcome.ANSWERED, people=3, lawyer_present=True),
    )
    final = await completed(h, AppointmentWorkflow.snapshot)
    assert (final.status, final.people, final.lawyer_present) == (AppointmentStatus.ATTENDED, 3, True)
    with Session(engine) as session:  # the reception it became is on record, once
        records = session.exec(
            select(ReceptionRecord).where(ReceptionRecord.appointment_code == final.code)
        ).all()
    assert [(r.people, r.lawyer_present, r.outcome) for r in records] == [(3, True, "answered")]
    # Lost, the booking and the reception it became are rewritten from Temporal by the reconciler.
    with Session(engine) as session:
        session.execute(delete(ReceptionRecord).where(ReceptionRecord.appointment_code == final.code))  # type: ignore[arg-type]
        session.execute(delete(Appointment).where(Appointment.code == final.code))  # type: ignore[arg-type]
        session.commit()
    reconciler = Reconciler(client, engine, APPOINTMENTS)
    assert await reconciler.reconcile_case(final.code) == "repaired"
    assert await reconciler.reconcile_case(final.code) == "same"
    with Session(engine) as session:
        assert session.get(Appointment, final.code) is not None
        assert (
            len(
                session.exec(
                    select(ReceptionRecord).where(ReceptionRecord.appointment_code == final.code)
                ).all()
            )
            == 1
        )
    await keep_history(h, "appointment_reminded_received")


async def test_nobody_recorded_it_so_it_was_missed(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    h, reg = await book(time_env, client, task_queue, engine, days=1)
    await sleep_until(time_env, reg.slot_at + timedelta(minutes=121))
    final = await completed(h, AppointmentWorkflow.snapshot)
    assert final.status == AppointmentStatus.MISSED and final.timeline[-1].action == "missed"


async def test_the_resident_cancels(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    h, _ = await book(time_env, client, task_queue, engine, days=5)
    await h.execute_update(AppointmentWorkflow.ap_cancel, Cancellation(RESIDENT, "时间冲突"))
    final = await completed(h, AppointmentWorkflow.snapshot)
    assert final.status == AppointmentStatus.CANCELLED and final.reminded_at is None
    with pytest.raises(RPCError):  # it is over (the workflow completed): nothing more is taken
        await h.execute_update(AppointmentWorkflow.ap_cancel, Cancellation(RESIDENT))
    with Session(engine) as session:
        row = session.get(Appointment, final.code)
        assert row is not None and row.status == "cancelled"
