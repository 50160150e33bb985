"""Leaders' reception (领导接访): the recurring schedules admins define, their coming sessions and bookable
slots, the seats booked in them (约访), and the record of each reception (批次, 人次, lawyer present).

A schedule recurs monthly on a day (局长接待日 on the 5th), weekly on a weekday (a leader on duty every
Monday) or daily (the duty rota); a session on a rest day of the official calendar moves to nothing (it
is not held): reception days are working days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime
from workdays import SHANGHAI


class Recurrence:
    MONTHLY = "monthly"  # day_of_month
    WEEKLY = "weekly"  # weekday, 0 = Monday
    DAILY = "daily"  # every working day
    ALL = (MONTHLY, WEEKLY, DAILY)


class ReceptionLevel:
    CITY = "city"  # 市级
    COUNTY = "county"  # 县（区）级
    STATION = "station"  # 所站（街道、乡镇）级
    ALL = (CITY, COUNTY, STATION)


class ReceptionSchedule(SQLModel, table=True):
    __tablename__ = "reception_schedules"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)  # 局长接待日
    leader_id: str = Field(foreign_key="users.id", index=True, max_length=64)
    level: str = Field(max_length=20)
    place: str = Field(max_length=200)
    video: bool = False  # 视频约访 (three-level video appointments)
    recurrence: str = Field(max_length=20)
    day_of_month: int | None = None
    weekday: int | None = None
    start: time
    end: time
    slot_minutes: int = 30
    capacity: int = 3  # appointments per slot
    lawyer_on_duty: bool = False
    active: bool = True


class AppointmentSeat(SQLModel, table=True):
    """One seat of a slot, claimed by a booking: the unique key makes a slot's capacity hold under any
    concurrency (a second claim of the same seat fails, and the booking tries the next)."""

    __tablename__ = "appointment_seats"
    __table_args__ = (UniqueConstraint("schedule_id", "slot_at", "seat", name="uq_appointment_seat"),)
    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="reception_schedules.id", index=True)
    slot_at: datetime = Field(sa_type=UTCDateTime)
    seat: int
    code: str = Field(max_length=32)  # the appointment holding it
    released: bool = False  # cancelled: the seat counts no more


class Appointment(SQLModel, table=True):
    """The read model of one booking (its workflow is the source of truth)."""

    __tablename__ = "appointments"
    code: str = Field(primary_key=True, max_length=32)
    version: int = 0
    schedule_id: int = Field(index=True)
    leader_id: str = Field(index=True, max_length=64)
    slot_at: datetime = Field(sa_type=UTCDateTime, index=True)
    video: bool = False
    level: str = Field(max_length=20)
    place: str = Field(max_length=200)
    name: str = Field(max_length=50)
    phone: str = Field(max_length=32)
    matter: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(index=True, max_length=20)
    outcome: str = Field(default="", max_length=20)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    linked_code: str = Field(default="", max_length=32)
    tracking_token_hash: str | None = Field(default=None, index=True, max_length=64)
    booked_at: datetime = Field(sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReceptionRecord(SQLModel, table=True):
    """One reception held: who received, how many batches and people (批/人次), a lawyer present, and
    what came of it (answered on the spot, or registered as a case or petition, linked)."""

    __tablename__ = "reception_records"
    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int | None = Field(default=None, foreign_key="reception_schedules.id", index=True)
    leader_id: str = Field(index=True, max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
    batches: int = 1
    people: int = 1
    lawyer_present: bool = False
    outcome: str = Field(max_length=20)  # answered / registered
    linked_code: str = Field(default="", max_length=32)
    appointment_code: str = Field(default="", max_length=32)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recorded_by: str = Field(max_length=64)


@dataclass(frozen=True)
class ReceptionSession:
    """One coming session of a schedule: its day and its slots' start times (aware, Beijing)."""

    schedule: ReceptionSchedule
    day: date
    slots: tuple[datetime, ...]


def sessions(
    schedules: list[ReceptionSchedule], start: date, days: int, is_working_day: Callable[[date], bool]
) -> Iterator[ReceptionSession]:
    """The sessions of the active schedules from `start` for `days` days, in time order."""
    found = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if not is_working_day(day):
            continue
        for s in schedules:
            if not s.active or not _on(s, day):
                continue
            found.append(ReceptionSession(s, day, tuple(_slots(s, day))))
    yield from sorted(found, key=lambda x: (x.day, x.schedule.start, x.schedule.id or 0))


def _on(s: ReceptionSchedule, day: date) -> bool:
    if s.recurrence == Recurrence.MONTHLY:
        return day.day == s.day_of_month
    if s.recurrence == Recurrence.WEEKLY:
        return day.weekday() == s.weekday
    return s.recurrence == Recurrence.DAILY


def _slots(s: ReceptionSchedule, day: date) -> Iterator[datetime]:
    at = datetime.combine(day, s.start, tzinfo=SHANGHAI)
    end = datetime.combine(day, s.end, tzinfo=SHANGHAI)
    step = timedelta(minutes=max(5, s.slot_minutes))
    while at + step <= end:
        yield at
        at += step
