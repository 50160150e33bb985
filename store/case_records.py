"""What each case recorded about its clocks, and the cases whose projection needs an admin.

`case_deadlines` holds every deadline a case ever ran, as the workflow computed it (due time, warning
time, provisional or not) and how it ended (met, overdue, cancelled), so figures read what the case
recorded and never recompute a limit with today's calendar or policy. `case_attention` lists the cases
whose last projection the read model rejected (it has no foreign key, so the rejection itself can
always be written), for the admins' "needs attention" list.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


class CaseDeadline(SQLModel, table=True):
    __tablename__ = "case_deadlines"
    case_code: str = Field(foreign_key="cases.code", primary_key=True, max_length=32)
    deadline_id: str = Field(primary_key=True, max_length=40)  # "completion-7": kind and ordinal
    kind: str = Field(index=True, max_length=20)
    label: str = Field(default="", max_length=40)
    org_id: str = Field(default="", max_length=64)  # whose clock it is
    started_at: datetime = Field(sa_type=UTCDateTime)
    warn_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    provisional: bool = False
    state: str = Field(max_length=20)  # running, warning, overdue, met, cancelled
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CaseAttention(SQLModel, table=True):
    __tablename__ = "case_attention"
    case_code: str = Field(primary_key=True, max_length=32)
    version: int = 0
    problem: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    at: datetime = Field(sa_type=UTCDateTime)
