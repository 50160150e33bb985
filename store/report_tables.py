"""The tables of dashboards and ledgers: admin-set score weights and the ledger rows already imported.

Kept apart from the code that uses them so that registering them (``store.db``) pulls in nothing
heavier than SQLModel.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


class MetricWeights(SQLModel, table=True):
    """The one row (id 1) of admin-set weights; absent means the defaults."""

    __tablename__ = "metric_weights"
    id: int = Field(default=1, primary_key=True)
    response: float
    resolution: float
    satisfaction: float
    average_rating: float
    updated_by: str = Field(default="", max_length=64)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LedgerImport(SQLModel, table=True):
    """A ledger row already registered as a case: importing it again registers nothing."""

    __tablename__ = "ledger_imports"
    fingerprint: str = Field(primary_key=True, max_length=64)
    case_code: str = Field(max_length=32)
    imported_at: datetime = Field(sa_type=UTCDateTime)
    filename: str = Field(default="", max_length=200)
    imported_by: str = Field(default="", max_length=64)
