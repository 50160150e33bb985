"""Rate-limit hits in the read model: a sliding window per (limiter, key) that every web process shares.

Used by `web.ratelimit.DatabaseLimiter` only. Each counted action is one row; a hit counts its key's
rows inside the window and keeps its own row only if there was room. Two processes counting the same
key at once must not both take its last place, so a hit is serialised per key: on PostgreSQL by an
advisory transaction lock on the key, on SQLite by the database's write lock, which the insert that
opens the hit takes (the count after it sees every committed hit; one too many is rolled back).

Rows past the window go: a key's own at each of its hits, every key's of a limiter by `purge`, which
the limiter runs once a window. Keys are stored as their sha256, so the table holds no client address.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Index, delete, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel, col

from store.types import UTCDateTime

# The first key of pg_advisory_xact_lock(int, int) for rate limits (crc32 of "liudan.rate-limits");
# the two-key form never meets the migrations' one-key lock.
PG_LOCK_SPACE = 0x1384_2A22


class RateLimitHit(SQLModel, table=True):
    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key", "limiter", "key_hash", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    limiter: str = Field(max_length=20)  # "login", "portal", "track_miss", "open311"
    key_hash: str = Field(max_length=64)  # sha256 of the key (a client address, an API key's id)
    at: datetime = Field(sa_type=UTCDateTime, index=True)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def hits_in_window(engine: Engine, limiter: str, key: str, since: datetime) -> int:
    """How many of `key`'s actions after `since` were counted."""
    with engine.connect() as conn:
        return _count(conn, limiter, key_hash(key), since)


def hit(engine: Engine, limiter: str, key: str, limit: int, since: datetime, now: datetime) -> bool:
    """Counts one action by `key` at `now`, unless `limit` actions after `since` were counted already:
    then False, and nothing is counted."""
    hashed = key_hash(key)
    with engine.connect() as conn, conn.begin() as transaction:
        _lock_key(conn, limiter, hashed)
        conn.execute(insert(RateLimitHit).values(limiter=limiter, key_hash=hashed, at=now))
        conn.execute(
            delete(RateLimitHit).where(
                col(RateLimitHit.limiter) == limiter,
                col(RateLimitHit.key_hash) == hashed,
                col(RateLimitHit.at) <= since,
            )
        )
        if _count(conn, limiter, hashed, since) > limit:
            transaction.rollback()
            return False
    return True


def purge(engine: Engine, limiter: str, before: datetime) -> int:
    """Deletes the limiter's hits at or before `before` (every key's, idle ones included)."""
    with engine.begin() as conn:
        deleted = conn.execute(
            delete(RateLimitHit).where(col(RateLimitHit.limiter) == limiter, col(RateLimitHit.at) <= before)
        )
    return deleted.rowcount or 0


def _count(conn: Connection, limiter: str, hashed: str, since: datetime) -> int:
    query = select(func.count()).where(
        col(RateLimitHit.limiter) == limiter,
        col(RateLimitHit.key_hash) == hashed,
        col(RateLimitHit.at) > since,
    )
    return int(conn.execute(query).scalar_one())


def _lock_key(conn: Connection, limiter: str, hashed: str) -> None:
    # SQLite needs nothing here: the insert that follows waits (busy timeout) for the write lock.
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"{limiter}:{hashed}".encode()).digest()[:4], "big", signed=True)
        # Released at commit or rollback.
        conn.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": PG_LOCK_SPACE, "key": key})
