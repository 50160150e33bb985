"""Open311 GeoReport v2: the API keys admins issue to client apps, and the requests they filed.

A key is shown once and kept only as its sha256 (`key_hash`) beside a short hint the admin list shows;
a revoked key stays listed (who had it, until when) and is refused from then on.

`open311_requests` keeps, per case filed through Open311, what the case itself cannot: the service the
client asked for (the community may re-categorise the case at triage), the WGS84 point, the media
link and which key filed it. Keyed by case code without a foreign key to `cases`: the row is written
once the case is registered, which may be before its first projection reaches `cases`. Open311's GET methods
list only these rows, never a case that came by phone, visit or the portal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from store.models import Case
from store.types import UTCDateTime
from workflows.types import Stage

MAX_RESULTS = 1000  # GeoReport v2: "first 1000 requests returned"


class Open311ApiKey(SQLModel, table=True):
    __tablename__ = "open311_api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)  # the client app and who runs it, as the admin wrote it
    key_hash: str = Field(unique=True, max_length=64)  # sha256 of the key; the key itself is never kept
    hint: str = Field(max_length=12)  # the key's first characters, to tell keys apart in the list
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str = Field(default="", max_length=64)


class Open311Request(SQLModel, table=True):
    __tablename__ = "open311_requests"

    case_code: str = Field(primary_key=True, max_length=32)
    service_code: str = Field(index=True, max_length=40)
    api_key_id: int = Field(foreign_key="open311_api_keys.id", index=True)
    lat: float | None = None
    long: float | None = None
    address_string: str = Field(default="", max_length=200)
    media_url: str = Field(default="", max_length=500)
    filed_at: datetime = Field(sa_type=UTCDateTime)


# --- keys -----------------------------------------------------------------------------------------


def add_key(engine: Engine, name: str, key_hash: str, hint: str, by: str, now: datetime) -> Open311ApiKey:
    with Session(engine, expire_on_commit=False) as session:
        row = Open311ApiKey(name=name, key_hash=key_hash, hint=hint, created_at=now, created_by=by)
        session.add(row)
        session.commit()
        return row


def use_key(engine: Engine, key_hash: str, now: datetime) -> Open311ApiKey | None:
    """The key with this hash, its last use set to `now`; None when unknown. A revoked key is returned
    (and not marked used), so its caller can say it was revoked."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.exec(select(Open311ApiKey).where(Open311ApiKey.key_hash == key_hash)).first()
        if row is None or row.revoked_at is not None:
            return row
        session.execute(update(Open311ApiKey).where(col(Open311ApiKey.id) == row.id).values(last_used_at=now))
        session.commit()
        row.last_used_at = now
        return row


def revoke_key(engine: Engine, key_id: int, by: str, now: datetime) -> Open311ApiKey | None:
    """Revokes a live key and returns it; None when there is no such key or it was revoked already."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(Open311ApiKey, key_id)
        if row is None or row.revoked_at is not None:
            return None
        row.revoked_at, row.revoked_by = now, by
        session.add(row)
        session.commit()
        return row


def all_keys(engine: Engine) -> list[Open311ApiKey]:
    """Live keys first, then revoked ones; newest first within each."""
    with Session(engine) as session:
        query = select(Open311ApiKey).order_by(
            col(Open311ApiKey.revoked_at).is_not(None), col(Open311ApiKey.created_at).desc()
        )
        return list(session.exec(query).all())


# --- requests -------------------------------------------------------------------------------------


def record_request(engine: Engine, row: Open311Request) -> None:
    """Records what an Open311 client filed; a retry that filed nothing new (the same Idempotency-Key)
    finds the row there already and leaves it."""
    with Session(engine) as session:
        if session.get(Open311Request, row.case_code) is None:
            session.add(row)
            session.commit()


@dataclass(frozen=True)
class RequestFilter:
    """GET Service Requests: the ids (which override everything else), or the other filters."""

    codes: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    closed: bool | None = None  # None: open and closed


def filed_requests(engine: Engine, where: RequestFilter) -> list[tuple[Open311Request, Case]]:
    """Open311 requests with their cases, newest first, at most `MAX_RESULTS`. A case not projected
    yet is left out until it is."""
    query = select(Open311Request, Case).join(Case, col(Case.code) == col(Open311Request.case_code))
    if where.codes:
        query = query.where(col(Open311Request.case_code).in_(list(where.codes)))
    else:
        if where.service_codes:
            query = query.where(col(Open311Request.service_code).in_(list(where.service_codes)))
        if where.start is not None:
            query = query.where(col(Case.received_at) >= where.start)
        if where.end is not None:
            query = query.where(col(Case.received_at) <= where.end)
        if where.closed is True:
            query = query.where(col(Case.stage) == Stage.CLOSED.value)
        elif where.closed is False:
            query = query.where(col(Case.stage) != Stage.CLOSED.value)
    query = query.order_by(col(Case.received_at).desc(), col(Case.code).desc()).limit(MAX_RESULTS)
    with Session(engine) as session:
        return [(request, case) for request, case in session.exec(query).all()]
