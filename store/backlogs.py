"""积案 / 包案 in the read model: one row per backlog case (the petition's code) and its timeline, for
the backlog ledger, each leader's own 包案 list, and the backlog figures (积案存量, 积案化解率)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


class Backlog(SQLModel, table=True):
    __tablename__ = "backlogs"
    code: str = Field(primary_key=True, max_length=32)  # the petition's code
    workflow_id: str = Field(max_length=48)
    version: int = 0
    title: str = Field(max_length=200)
    reason: str = Field(max_length=20)
    by_rule: bool = False
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    bureau_org_id: str = Field(index=True, max_length=64)
    org_id: str = Field(default="", index=True, max_length=64)  # the petition's handling unit
    stage: str = Field(index=True, max_length=24)
    leader_ids: str = Field(default="", max_length=400)  # space-separated, each padded: " a b "
    team_org_ids: str = Field(default="", max_length=400)
    duties_done: str = Field(default="", max_length=200)
    reports: int = 0
    missed_reports: int = 0
    presses: int = 0
    outcome: str | None = Field(default=None, max_length=20)
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deadline_label: str = Field(default="", max_length=40)
    overdue: bool = Field(default=False, index=True)
    ever_overdue: bool = False
    designated_at: datetime = Field(sa_type=UTCDateTime)
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_report_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BacklogEvent(SQLModel, table=True):
    __tablename__ = "backlog_events"
    __table_args__ = (UniqueConstraint("backlog_code", "seq", name="uq_backlog_events_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    backlog_code: str = Field(foreign_key="backlogs.code", index=True, max_length=32)
    seq: int
    at: datetime = Field(sa_type=UTCDateTime)
    action: str = Field(max_length=40)
    actor_user_id: str = Field(max_length=64)
    actor_role: str = Field(max_length=20)
    actor_name: str = Field(default="", max_length=100)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
