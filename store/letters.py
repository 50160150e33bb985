"""Letters to the director's mailbox (局长信箱) in the read model: one row each, for the mailbox desk's
list, the units' lists and the mailbox figures (letters, answered on time, satisfaction)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


class Letter(SQLModel, table=True):
    __tablename__ = "letters"
    code: str = Field(primary_key=True, max_length=32)
    version: int = 0
    mailbox_org_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=50)
    phone: str = Field(max_length=32)
    subject: str = Field(max_length=200)
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    stage: str = Field(index=True, max_length=20)
    holder_org_ids: str = Field(default="", max_length=400)
    holder_role: str | None = Field(default=None, max_length=20)
    proposed_org_id: str = Field(default="", max_length=64)
    proposal: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    assigned_org_id: str = Field(default="", index=True, max_length=64)
    instruction: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_on_time: bool | None = None
    rating: str | None = Field(default=None, max_length=20)
    presses: int = 0
    overdue: bool = Field(default=False, index=True)
    tracking_token_hash: str | None = Field(default=None, index=True, max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
