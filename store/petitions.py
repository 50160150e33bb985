"""The petitions' read model (信访): written by the petition projection, read by the bureau's and the
units' inboxes, the petition pages, the documents and the figures.

Separate from the 六单 tables on purpose: the statutory path has its own stages, clocks and figures
(及时受理率, 按期办结率, 复查率...), and a petition must never count in a street's 六单 ranking.
Times are stored in UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


class Petition(SQLModel, table=True):
    __tablename__ = "petitions"
    code: str = Field(primary_key=True, max_length=32)
    workflow_id: str = Field(max_length=48)
    version: int = 0
    title: str = Field(max_length=200)
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    channel: str = Field(max_length=20)
    matter_type: str = Field(index=True, max_length=20)
    policy_id: str = Field(max_length=40)
    stage: str = Field(index=True, max_length=24)
    outcome: str | None = Field(default=None, max_length=20)
    bureau_org_id: str = Field(index=True, max_length=64)
    handling_org_id: str = Field(default="", index=True, max_length=64)
    holder_org_ids: str = Field(default="", max_length=400)
    holder_role: str | None = Field(default=None, max_length=20)
    review_org_id: str = Field(default="", index=True, max_length=64)
    recheck_org_id: str = Field(default="", index=True, max_length=64)
    accused_org_id: str = Field(default="", max_length=64)
    about_officials: bool = False
    petitioner_name: str = Field(max_length=100)
    petitioner_phone: str = Field(max_length=32)
    petitioner_address: str = Field(default="", max_length=200)
    petitioner_key: str = Field(default="", index=True, max_length=64)  # hash of the id number
    petitioner_id_masked: str = Field(default="", max_length=18)  # 110105********002X, never the number
    first_time: bool = True
    people_count: int = 1
    # 集体访: the representatives' names, one a line (`representative_names`).
    representatives: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    handed_down_by: str = Field(default="", max_length=100)
    handed_down_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    repeat_of: str = Field(default="", max_length=32)
    merged_into: str = Field(default="", index=True, max_length=32)  # 并案: the petition it went into
    registered_by: str = Field(default="", max_length=64)
    tracking_token_hash: str | None = Field(default=None, index=True, max_length=64)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deadline_label: str = Field(default="", max_length=40)
    provisional: bool = False
    overdue: bool = Field(default=False, index=True)
    ever_overdue: bool = False
    objections: int = 0
    extensions_granted: int = 0
    presses: int = 0
    hearing_days: int = 0
    received_at: datetime = Field(sa_type=UTCDateTime)
    transferred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recheck_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def representative_names(p: Petition) -> list[str]:
    return [name for name in p.representatives.split("\n") if name]


class PetitionEvent(SQLModel, table=True):
    __tablename__ = "petition_events"
    __table_args__ = (UniqueConstraint("petition_code", "seq", name="uq_petition_events_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    petition_code: str = Field(foreign_key="petitions.code", index=True, max_length=32)
    seq: int
    at: datetime = Field(sa_type=UTCDateTime)
    action: str = Field(max_length=40)
    actor_user_id: str = Field(max_length=64)
    actor_role: str = Field(max_length=20)
    actor_org_id: str = Field(default="", max_length=64)
    actor_name: str = Field(default="", max_length=100)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    public: bool = True


class PetitionTask(SQLModel, table=True):
    """What an org must do on a petition now (its inbox), rewritten on every projection."""

    __tablename__ = "petition_tasks"
    id: int | None = Field(default=None, primary_key=True)
    petition_code: str = Field(foreign_key="petitions.code", index=True, max_length=32)
    org_id: str = Field(index=True, max_length=64)
    role: str = Field(max_length=20)
    task: str = Field(max_length=40)  # a PetitionAction value
    title: str = Field(max_length=200)
    matter_type: str = Field(max_length=20)
    stage: str = Field(max_length=24)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    overdue: bool = False
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PetitionDocumentRow(SQLModel, table=True):
    __tablename__ = "petition_documents"
    petition_code: str = Field(foreign_key="petitions.code", primary_key=True, max_length=32)
    document_id: str = Field(primary_key=True, max_length=12)
    kind: str = Field(max_length=20)
    number: str = Field(max_length=60)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    issuer_org_id: str = Field(max_length=64)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    outcome: str = Field(default="", max_length=20)
    detail: str = Field(default="", max_length=40)
    org_id: str = Field(default="", max_length=64)
    referral_body: str = Field(default="", max_length=100)
    facts: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    reasons: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    decision: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    delivery: str | None = Field(default=None, max_length=20)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PetitionDeadline(SQLModel, table=True):
    __tablename__ = "petition_deadlines"
    petition_code: str = Field(foreign_key="petitions.code", primary_key=True, max_length=32)
    deadline_id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(index=True, max_length=20)
    label: str = Field(default="", max_length=40)
    org_id: str = Field(default="", max_length=64)
    started_at: datetime = Field(sa_type=UTCDateTime)
    warn_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    provisional: bool = False  # counted on weekends only: the year's calendar was not yet published
    state: str = Field(max_length=20)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DocumentNumber(SQLModel, table=True):
    """Every document number (文号) ever given: one per (petition, document), whatever the retries."""

    __tablename__ = "document_numbers"
    petition_code: str = Field(primary_key=True, max_length=32)
    document_id: str = Field(primary_key=True, max_length=12)
    number: str = Field(unique=True, max_length=60)
