"""约访 bookings for the tests: a monthly reception schedule and an appointment started on it."""

from __future__ import annotations

import uuid
from datetime import time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from store.reception import ReceptionLevel, ReceptionSchedule, Recurrence
from tests.utils.cases import RESIDENT, _started
from workflows.appointment.ids import appointment_workflow_id
from workflows.appointment.types import AppointmentRegistration
from workflows.appointment.workflow import AppointmentWorkflow


def schedule(engine: Engine) -> int:
    with Session(engine) as session:
        row = ReceptionSchedule(
            title="局长接待日", leader_id="leader-wang", level=ReceptionLevel.COUNTY, place="区信访局接待大厅",
            recurrence=Recurrence.MONTHLY, day_of_month=5, start=time(9), end=time(12),
        )  # fmt: skip
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


async def book(
    env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine, days: int = 2
) -> Any:
    now = await env.get_current_time()
    reg = AppointmentRegistration(
        code=f"YF-2026-{uuid.uuid4().int % 10**6:06d}", schedule_id=schedule(engine), leader_id="leader-wang",
        slot_at=now + timedelta(days=days), level="county", place="区信访局接待大厅", name="李桂芳",
        phone="13900001111", booked_by=RESIDENT, matter="拆迁补偿",
    )  # fmt: skip
    handle = await client.start_workflow(
        AppointmentWorkflow.run, reg, id=appointment_workflow_id(reg.code), task_queue=task_queue
    )
    _started.append(handle)
    return handle, reg
