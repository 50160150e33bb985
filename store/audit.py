"""The personal-data access log: every time an officer saw a resident's full phone and address.

Rows are only ever added. The case page shows them in the case's timeline, so whoever looks at a
case can see who looked at the resident's contact details before them.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


class _View(SQLModel):
    """Who saw a person's full contact details, when, from where."""

    user_id: str = Field(max_length=64)
    user_name: str = Field(default="", max_length=100)
    role: str = Field(max_length=20)
    org_id: str = Field(default="", max_length=64)
    at: datetime = Field(sa_type=UTCDateTime)
    client_addr: str = Field(default="", max_length=64)
    via: str = Field(default="web", max_length=10)  # web page or JSON API


class PersonalDataView(_View, table=True):
    """A 六单 resident's contact seen in full."""

    __tablename__ = "personal_data_views"
    KEY: ClassVar[str] = "case_code"
    id: int | None = Field(default=None, primary_key=True)
    case_code: str = Field(foreign_key="cases.code", index=True, max_length=32)


class PetitionDataView(_View, table=True):
    """A petitioner's contact seen in full (信访: the desk calls them, the unit visits them)."""

    __tablename__ = "petition_data_views"
    KEY: ClassVar[str] = "petition_code"
    id: int | None = Field(default=None, primary_key=True)
    petition_code: str = Field(foreign_key="petitions.code", index=True, max_length=32)
