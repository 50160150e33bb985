"""SQLModel tables of the read model.

The workflow owns a case's state; these tables are its projection (cases, case_departments,
case_events, inbox_items, ratings) plus the directory (orgs, users, leader ↔ street links) and
data admins load (calendar_years). Times are stored in UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


class OrgKind:
    CITY = "city"  # 市人民政府: decides 复核 on what the district decided on 复查
    DISTRICT = "district"  # 区人民政府: decides 复查 on its departments' and streets' answers
    STREET = "street"  # 乡/街道
    COMMUNITY = "community"  # 村/社区
    DEPARTMENT = "department"  # 区直部门
    LEADER_OFFICE = "leader_office"
    SUPERVISION = "supervision"  # 督查室
    DISCIPLINE = "discipline"  # 纪工委
    PETITION_BUREAU = "petition_bureau"  # 区信访局 (and a 12345 centre): the petition desk
    ALL = (
        CITY,
        DISTRICT,
        STREET,
        COMMUNITY,
        DEPARTMENT,
        LEADER_OFFICE,
        SUPERVISION,
        DISCIPLINE,
        PETITION_BUREAU,
    )


class Org(SQLModel, table=True):
    __tablename__ = "orgs"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    kind: str = Field(index=True, max_length=20)
    parent_id: str | None = Field(default=None, foreign_key="orgs.id", index=True)
    active: bool = True


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: str = Field(primary_key=True, max_length=64)
    username: str = Field(unique=True, index=True, max_length=64)
    display_name: str = Field(max_length=100)
    role: str = Field(index=True, max_length=20)
    org_id: str = Field(foreign_key="orgs.id", index=True)
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=200)  # where email notices go; empty: none
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    api_token_hash: str | None = Field(default=None, index=True, max_length=64)
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LeaderStreet(SQLModel, table=True):
    """联点: the streets a district leader supervises."""

    __tablename__ = "leader_streets"
    leader_id: str = Field(foreign_key="users.id", primary_key=True)
    street_id: str = Field(foreign_key="orgs.id", primary_key=True)


class LeaderDepartment(SQLModel, table=True):
    """分管: the departments in a district leader's portfolio. The leader sets a 特别难 matter's limit
    when its lead unit is one of them (the unit's 提请)."""

    __tablename__ = "leader_departments"
    leader_id: str = Field(foreign_key="users.id", primary_key=True)
    department_id: str = Field(foreign_key="orgs.id", primary_key=True)


class Counter(SQLModel, table=True):
    """Named sequences (case codes per district and year), advanced atomically."""

    __tablename__ = "counters"
    name: str = Field(primary_key=True, max_length=64)
    value: int = 0


class Case(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_street_stage", "street_org_id", "stage"),
        Index("ix_cases_community_stage", "community_org_id", "stage"),
        Index("ix_cases_received", "received_at"),
    )
    code: str = Field(primary_key=True, max_length=32)
    workflow_id: str = Field(max_length=48)
    version: int = 0
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    channel: str = Field(max_length=20)
    policy_id: str = Field(max_length=20)
    category: str | None = Field(default=None, index=True, max_length=20)
    urgency: str | None = Field(default=None, max_length=20)
    difficulty: str | None = Field(default=None, max_length=20)
    stage: str = Field(index=True, max_length=20)
    outcome: str | None = Field(default=None, max_length=20)
    holder_org_ids: str = Field(default="", max_length=400)  # space-separated
    holder_role: str | None = Field(default=None, max_length=20)
    community_org_id: str = Field(index=True, max_length=64)
    street_org_id: str = Field(max_length=64)
    department_ids: str = Field(default="", max_length=400)  # space-separated
    lead_department_id: str | None = Field(default=None, max_length=64)
    reporter_name: str = Field(max_length=100)
    reporter_phone: str = Field(max_length=32)
    # The phone as store.contact.phone_key reads it (digits only): finds one person's cases across
    # periods however the number was written.
    phone_key: str = Field(default="", index=True, max_length=32)
    reporter_address: str = Field(default="", max_length=200)
    location: str = Field(default="", max_length=200)
    registered_by: str = Field(default="", max_length=64)
    tracking_token_hash: str | None = Field(default=None, index=True, max_length=64)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deadline_label: str = Field(default="", max_length=40)
    provisional: bool = False
    overdue: bool = Field(default=False, index=True)
    ever_overdue: bool = False
    supervision_level: int = 0
    supervised: bool = False
    talk_ordered: bool = False
    escalated: bool = False
    leader_in_charge: str = Field(default="", max_length=64)
    returns: int = 0
    extensions_granted: int = 0
    reopened: int = 0
    rating: str | None = Field(default=None, max_length=20)
    callback_failures: int = 0  # 回访未联系上 in the current rating window
    solved: bool | None = None  # 是否解决 in the last rating (None: not rated, or not asked)
    result: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    received_at: datetime = Field(sa_type=UTCDateTime)
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CaseDepartment(SQLModel, table=True):
    """A department's part in a case, for its own inbox history and its figures."""

    __tablename__ = "case_departments"
    case_code: str = Field(foreign_key="cases.code", primary_key=True)
    department_id: str = Field(foreign_key="orgs.id", primary_key=True, index=True)
    lead: bool = False
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    response: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class CaseEvent(SQLModel, table=True):
    """The timeline (台账): who did what, when and why. (case_code, seq) makes replays harmless."""

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_code", "seq", name="uq_case_events_seq"),
        # "Done recently" inboxes: what an org (or a leader) acted on in the last days; the case code
        # in the index answers the badge without reading the rows (0012_page_indexes).
        Index("ix_case_events_org_at_case", "actor_org_id", "at", "case_code"),
        Index("ix_case_events_user_at_case", "actor_user_id", "at", "case_code"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_code: str = Field(foreign_key="cases.code", index=True)
    seq: int
    at: datetime = Field(sa_type=UTCDateTime)
    action: str = Field(max_length=40)
    actor_user_id: str = Field(max_length=64)
    actor_role: str = Field(max_length=20)
    actor_org_id: str = Field(default="", max_length=64)
    actor_name: str = Field(default="", max_length=100)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    public: bool = True  # the resident sees that this happened (tracking page)
    # ... and also reads its note: the officer chose "告知群众" (0015_note_audience)
    note_public: bool = True


class InboxItem(SQLModel, table=True):
    """What an org (in a role) must do on a case now, and by when. Replaced on every projection."""

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_org_role_due", "org_id", "role", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_code: str = Field(foreign_key="cases.code", index=True)
    org_id: str = Field(max_length=64)
    role: str = Field(max_length=20)
    task: str = Field(max_length=40)  # the action expected (an Action value, or "supervise"...)
    title: str = Field(max_length=200)
    category: str | None = Field(default=None, max_length=20)
    urgency: str | None = Field(default=None, max_length=20)
    stage: str = Field(max_length=20)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    provisional: bool = False
    overdue: bool = False
    supervised: bool = False
    escalated: bool = False
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Rating(SQLModel, table=True):
    __tablename__ = "ratings"
    case_code: str = Field(foreign_key="cases.code", primary_key=True)
    round: int = Field(primary_key=True)
    value: str = Field(max_length=20)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    channel: str = Field(max_length=20)
    by_role: str = Field(max_length=20)
    by_user_id: str = Field(default="", max_length=64)  # who called or visited (回访); "" the resident
    at: datetime = Field(sa_type=UTCDateTime)
    street_org_id: str = Field(default="", max_length=64)
    lead_department_id: str | None = Field(default=None, max_length=64)
    solved: bool | None = None  # 是否解决, the resident's answer; None in ratings from before it was asked


class CalendarYear(SQLModel, table=True):
    """An official schedule loaded by an admin for a year the calendar package does not know yet."""

    __tablename__ = "calendar_years"
    year: int = Field(primary_key=True)
    holidays: str = Field(sa_column=Column(Text, nullable=False))  # ISO dates, space-separated
    workdays: str = Field(sa_column=Column(Text, nullable=False))  # adjusted working weekends
    source_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    loaded_by: str = Field(default="", max_length=64)
    loaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Claim(SQLModel, table=True):
    """An officer took a case in their org's inbox to themselves (认领). Survives projections."""

    __tablename__ = "claims"
    case_code: str = Field(foreign_key="cases.code", primary_key=True)
    org_id: str = Field(foreign_key="orgs.id", primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True)
    claimed_at: datetime = Field(sa_type=UTCDateTime)
