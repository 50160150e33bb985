"""Leaders' reception days and appointments (领导接访, 约访): the schedules admins define, the coming
sessions residents see with each slot's free seats, booking a seat (a durable workflow with its
reminder), the leader's day, walk-in receptions recorded, and the reception figures.

A slot's capacity holds under any concurrency: a booking claims a seat row whose (schedule, slot,
seat) key is unique, trying the seats in turn, and only then starts the appointment's workflow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError

from settings import Settings
from store.codes import next_case_code
from store.contact import PHONE_PATTERN
from store.models import User
from store.notify_contacts import linked_subject
from store.reception import (
    Appointment,
    AppointmentSeat,
    ReceptionLevel,
    ReceptionRecord,
    ReceptionSchedule,
    ReceptionSession,
    Recurrence,
    sessions,
)
from web.i18n import TEXT
from web.security import new_token, sha256
from web.services.cases import READ_TIMEOUT, CaseUnavailable, first_projection, send_decision
from workdays import SHANGHAI
from workflows.appointment.ids import appointment_workflow_id
from workflows.appointment.types import AppointmentAction, AppointmentRegistration, AppointmentResult
from workflows.appointment.workflow import AppointmentWorkflow
from workflows.rules import FORBIDDEN_CHARACTERS
from workflows.types import Actor, Role

log = logging.getLogger("liudan.web.reception")
APPOINTMENT_PREFIX = "YF"  # 约访
HORIZON_DAYS = 31  # how far ahead the portal offers sessions
UPDATES: dict[AppointmentAction, Any] = {a: getattr(AppointmentWorkflow, a.value) for a in AppointmentAction}


class BookingRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _clean(value: str) -> str:
    if FORBIDDEN_CHARACTERS.search(value):
        raise ValueError(TEXT["control_characters"])
    return value


class ScheduleInput(BaseModel):
    """A reception schedule as an admin defines it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    title: str = Field(min_length=1, max_length=100)
    leader_id: str = Field(min_length=1, max_length=64)
    level: str = Field(pattern="^(" + "|".join(ReceptionLevel.ALL) + ")$")
    place: str = Field(min_length=1, max_length=200)
    video: bool = False
    recurrence: str = Field(pattern="^(" + "|".join(Recurrence.ALL) + ")$")
    day_of_month: Annotated[int | None, BeforeValidator(_blank_to_none)] = Field(default=None, ge=1, le=28)
    weekday: Annotated[int | None, BeforeValidator(_blank_to_none)] = Field(default=None, ge=0, le=6)
    start: time
    end: time
    slot_minutes: int = Field(default=30, ge=10, le=240)
    capacity: int = Field(default=3, ge=1, le=50)
    lawyer_on_duty: bool = False

    @field_validator("title", "place")
    @classmethod
    def _text(cls, value: str) -> str:
        return _clean(value)

    @model_validator(mode="after")
    def _consistent(self) -> ScheduleInput:
        if self.end <= self.start:
            raise ValueError(TEXT["rc_bad_times"])
        if self.recurrence == Recurrence.MONTHLY and self.day_of_month is None:
            raise ValueError(TEXT["rc_needs_day"])
        if self.recurrence == Recurrence.WEEKLY and self.weekday is None:
            raise ValueError(TEXT["rc_needs_weekday"])
        return self


class BookingInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    schedule_id: int
    slot_at: datetime
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=PHONE_PATTERN)
    matter: str = Field(min_length=1, max_length=1000)

    @field_validator("name", "matter")
    @classmethod
    def _text(cls, value: str) -> str:
        return _clean(value)


def add_schedule(engine: Engine, form: ScheduleInput) -> ReceptionSchedule:
    with Session(engine, expire_on_commit=False) as session:
        leader = session.get(User, form.leader_id)
        if leader is None or leader.role != Role.LEADER.value or not leader.active:
            raise BookingRefused(TEXT["rc_not_a_leader"])
        row = ReceptionSchedule(**form.model_dump())
        session.add(row)
        session.commit()
    return row


def schedules(engine: Engine, leader_id: str = "") -> list[ReceptionSchedule]:
    with Session(engine) as session:
        query = select(ReceptionSchedule).order_by(col(ReceptionSchedule.id))
        if leader_id:
            query = query.where(ReceptionSchedule.leader_id == leader_id)
        return list(session.exec(query).all())


@dataclass(frozen=True)
class SlotView:
    at: datetime
    free: int


@dataclass(frozen=True)
class SessionView:
    session: ReceptionSession
    leader_name: str
    slots: list[SlotView]


def coming_sessions(
    engine: Engine,
    is_working_day: Callable[[date], bool],
    today: date,
    *,
    leader_id: str = "",
    days: int = HORIZON_DAYS,
) -> list[SessionView]:
    """The coming sessions of the active schedules with each slot's free seats."""
    found = list(sessions(schedules(engine, leader_id), today, days, is_working_day))
    with Session(engine) as session:
        names = {
            u.id: u.display_name for u in session.exec(select(User).where(User.role == Role.LEADER.value))
        }
        taken: dict[tuple[int, datetime], int] = {}
        rows = session.exec(
            select(AppointmentSeat.schedule_id, AppointmentSeat.slot_at, func.count())
            .where(col(AppointmentSeat.released).is_(False))
            .group_by(col(AppointmentSeat.schedule_id), col(AppointmentSeat.slot_at))
        ).all()
        for schedule_id, slot_at, n in rows:
            taken[(schedule_id, _utc(slot_at))] = n
    now = datetime.now(UTC)
    out = []
    for s in found:
        slots = [
            SlotView(at, s.schedule.capacity - taken.get((s.schedule.id or 0, _utc(at)), 0))
            for at in s.slots
            if at > now
        ]
        out.append(SessionView(s, names.get(s.schedule.leader_id, s.schedule.leader_id), slots))
    return out


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


@dataclass(frozen=True)
class Booked:
    code: str
    tracking_token: str


async def book(
    engine: Engine,
    client: Client,
    settings: Settings,
    is_working_day: Callable[[date], bool],
    form: BookingInput,
    actor: Actor,
) -> Booked:
    """约访: claims a free seat of a real slot of an active schedule, then starts the appointment."""
    schedule = await asyncio.to_thread(_schedule, engine, form.schedule_id)
    slot = _utc(form.slot_at)
    if schedule is None or not schedule.active:
        raise BookingRefused(TEXT["rc_no_such_slot"])
    day = slot.astimezone(SHANGHAI).date()
    offered = next(iter(sessions([schedule], day, 1, is_working_day)), None)
    if offered is None or slot not in {_utc(s) for s in offered.slots} or slot <= datetime.now(UTC):
        raise BookingRefused(TEXT["rc_no_such_slot"])
    code = await asyncio.to_thread(next_case_code, engine, APPOINTMENT_PREFIX, day.year)
    await asyncio.to_thread(_claim_seat, engine, schedule, slot, code)
    token = new_token(32)
    registration = AppointmentRegistration(
        code=code, schedule_id=schedule.id or 0, leader_id=schedule.leader_id, slot_at=slot, level=schedule.level,
        place=schedule.place, name=form.name, phone=form.phone, booked_by=actor, video=schedule.video,
        matter=form.matter, tracking_token_hash=sha256(token),
    )  # fmt: skip
    try:
        await client.start_workflow(
            AppointmentWorkflow.run,
            registration,
            id=appointment_workflow_id(code),
            task_queue=settings.task_queue,
            static_summary=code,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            rpc_timeout=READ_TIMEOUT,
        )
    except RPCError as error:
        await asyncio.to_thread(_release_seat, engine, code)
        raise CaseUnavailable(code) from error
    await first_projection(engine, Appointment, code, 10.0)
    log.info("appointment %s booked with %s at %s", code, schedule.leader_id, slot.isoformat())
    return Booked(code, token)


def _schedule(engine: Engine, schedule_id: int) -> ReceptionSchedule | None:
    with Session(engine) as session:
        return session.get(ReceptionSchedule, schedule_id)


def _claim_seat(engine: Engine, schedule: ReceptionSchedule, slot: datetime, code: str) -> int:
    for seat in range(1, schedule.capacity + 1):
        with Session(engine) as session:
            reused = session.exec(
                select(AppointmentSeat).where(
                    AppointmentSeat.schedule_id == schedule.id, AppointmentSeat.slot_at == slot,
                    AppointmentSeat.seat == seat, col(AppointmentSeat.released),
                )
            ).first()  # fmt: skip
            if reused is not None:  # a cancelled booking's seat: taken over by this one
                reused.code, reused.released = code, False
                session.add(reused)
            else:
                session.add(AppointmentSeat(schedule_id=schedule.id or 0, slot_at=slot, seat=seat, code=code))
            try:
                session.commit()
                return seat
            except IntegrityError:
                session.rollback()
    raise BookingRefused(TEXT["rc_full"])


def _release_seat(engine: Engine, code: str) -> None:
    with Session(engine) as session:
        for seat in session.exec(select(AppointmentSeat).where(AppointmentSeat.code == code)):
            seat.released = True
            session.add(seat)
        session.commit()


async def decide_appointment(
    client: Client, code: str, action: AppointmentAction, payload: Any
) -> AppointmentResult:
    handle = client.get_workflow_handle_for(AppointmentWorkflow.run, appointment_workflow_id(code))
    result: AppointmentResult = await send_decision(handle, UPDATES[action], payload, code)
    return result


def appointment_by_token(engine: Engine, token_hash: str) -> Appointment | None:
    with Session(engine) as session:
        found = session.exec(select(Appointment).where(Appointment.tracking_token_hash == token_hash)).first()
        if found is None and (code := linked_subject(session, token_hash)) is not None:
            found = session.get(Appointment, code)  # a link an SMS carried
        return found


def appointment(engine: Engine, code: str) -> Appointment | None:
    with Session(engine) as session:
        return session.get(Appointment, code)


def leader_appointments(engine: Engine, leader_id: str, since: datetime) -> list[Appointment]:
    with Session(engine) as session:
        query = (
            select(Appointment)
            .where(Appointment.leader_id == leader_id, col(Appointment.slot_at) >= since)
            .order_by(col(Appointment.slot_at))
        )
        return list(session.exec(query).all())


class WalkInInput(BaseModel):
    """A reception held without a booking (a walk-in on the reception day)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    batches: int = Field(default=1, ge=1, le=100)
    people: int = Field(default=1, ge=1, le=1000)
    lawyer_present: bool = False
    outcome: str = Field(pattern="^(answered|registered)$")
    linked_code: str = Field(default="", max_length=32)
    note: str = Field(default="", max_length=2000)

    @field_validator("note", "linked_code")
    @classmethod
    def _text(cls, value: str) -> str:
        return _clean(value)

    @model_validator(mode="after")
    def _linked(self) -> WalkInInput:
        if self.outcome == "registered" and not self.linked_code:
            raise ValueError(TEXT["rc_needs_code"])
        if self.people < self.batches:
            raise ValueError(TEXT["rc_people_batches"])
        return self


def record_walk_in(engine: Engine, actor: Actor, form: WalkInInput) -> ReceptionRecord:
    with Session(engine, expire_on_commit=False) as session:
        row = ReceptionRecord(
            leader_id=actor.user_id,
            received_at=datetime.now(UTC),
            recorded_by=actor.user_id,
            **form.model_dump(),
        )
        session.add(row)
        session.commit()
    return row


@dataclass(frozen=True)
class ReceptionFigures:
    """Receptions held in a period: 批次 (batches), 人次 (people), those with a lawyer present, those
    answered on the spot; and the appointments that fell in it, by how they ended."""

    batches: int
    people: int
    lawyer_batches: int
    answered: int
    appointments: dict[str, int]


def reception_figures(
    engine: Engine, start: datetime, end: datetime, leader_id: str = ""
) -> ReceptionFigures:
    with Session(engine) as session:
        query = select(ReceptionRecord).where(
            col(ReceptionRecord.received_at) >= start, col(ReceptionRecord.received_at) < end
        )
        if leader_id:
            query = query.where(ReceptionRecord.leader_id == leader_id)
        records = session.exec(query).all()
        booked = select(Appointment.status, func.count()).where(
            col(Appointment.slot_at) >= start, col(Appointment.slot_at) < end
        )
        if leader_id:
            booked = booked.where(Appointment.leader_id == leader_id)
        by_status = {
            status: int(n) for status, n in session.exec(booked.group_by(col(Appointment.status))).all()
        }
    return ReceptionFigures(
        batches=sum(r.batches for r in records),
        people=sum(r.people for r in records),
        lawyer_batches=sum(r.batches for r in records if r.lawyer_present),
        answered=sum(r.batches for r in records if r.outcome == "answered"),
        appointments=by_status,
    )
