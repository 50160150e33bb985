"""Sign-in tables: officers' web sessions and the record of login attempts.

The session cookie carries only a signed random id; the row here (keyed by the id's sha256) is what
makes a session real, so logging out, deactivating a user or an idle timeout ends it on the server.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


class WebSession(SQLModel, table=True):
    __tablename__ = "web_sessions"
    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    client_addr: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=200)


class LoginAttempt(SQLModel, table=True):
    """Every login attempt, successful or not (who tried, from where, why it failed)."""

    __tablename__ = "login_attempts"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, max_length=64)
    at: datetime = Field(sa_type=UTCDateTime)
    client_addr: str = Field(default="", max_length=64)
    success: bool = False
    reason: str = Field(default="", max_length=20)  # ok, bad_password, unknown_user, locked, inactive
