"""One-time intake keys: the same request sent twice (a double click, a reload, a client's retry)
files one case.

Used by `web/services/intake.py` only. A key is *claimed* — its row inserted and committed in a
transaction of its own — before the case is registered; the unique (scope, key_hash) constraint
lets one of two concurrent requests with the same key win, and the other finds the row and waits
for its case code. The row keeps a hash of the key (never the key), who may use it (`scope`:
"portal:<hash of the browser's nonce>", "api:cases:<user id>"), a fingerprint of the request, and
once registered the case code and the sealed tracking token the caller may be shown again.

A row expires `KEY_TTL` after it was claimed; expired rows are deleted by the next claim.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import UniqueConstraint, delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from store.types import UTCDateTime

KEY_TTL = timedelta(hours=24)


class IntakeKey(SQLModel, table=True):
    __tablename__ = "intake_keys"
    __table_args__ = (UniqueConstraint("scope", "key_hash", name="uq_intake_keys_scope_key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=100)
    key_hash: str = Field(max_length=64)  # sha256 of the key
    fingerprint: str = Field(max_length=64)  # sha256 of the request as filed
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # Empty while the registration is under way.
    case_code: str | None = Field(default=None, max_length=32)
    # The tracking token, sealed under SECRET_KEY and the key itself (`web.security.seal`).
    response_ref: str | None = Field(default=None, max_length=200)


def claim(engine: Engine, scope: str, key_hash: str, fingerprint: str, now: datetime) -> IntakeKey | None:
    """Claims the key for this request, or None when a live claim on it exists already."""
    with Session(engine, expire_on_commit=False) as session:
        # Expired keys go in the same transaction, so an expired claim on this very key is no conflict.
        session.execute(delete(IntakeKey).where(col(IntakeKey.created_at) < now - KEY_TTL))
        row = IntakeKey(scope=scope, key_hash=key_hash, fingerprint=fingerprint, created_at=now)
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return None
        return row


def find(engine: Engine, scope: str, key_hash: str, now: datetime) -> IntakeKey | None:
    """The live claim on this key in this scope."""
    with Session(engine) as session:
        return session.exec(
            select(IntakeKey).where(
                IntakeKey.scope == scope,
                IntakeKey.key_hash == key_hash,
                col(IntakeKey.created_at) >= now - KEY_TTL,
            )
        ).first()


def complete(engine: Engine, claim_id: int, case_code: str, response_ref: str) -> None:
    """Records what the claim filed: from now on the key answers with this case."""
    with Session(engine) as session:
        session.execute(
            update(IntakeKey)
            .where(col(IntakeKey.id) == claim_id)
            .values(case_code=case_code, response_ref=response_ref)
        )
        session.commit()


def release(engine: Engine, claim_id: int) -> None:
    """Gives the key up after a registration that filed nothing, so the same key may try again."""
    with Session(engine) as session:
        session.execute(delete(IntakeKey).where(col(IntakeKey.id) == claim_id))
        session.commit()
