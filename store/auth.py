"""Sign-in tables: officers' web sessions and the record of login attempts.

The session cookie carries only a signed random id; the row here (keyed by the id's sha256) is what
makes a session real, so logging out, deactivating a user or an idle timeout ends it on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Field, Session, SQLModel, col, func, select

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
    # ok, bad_password, unknown_user, locked, inactive, throttled (refused before any password check),
    # unlocked (not a sign-in: an admin lifted a lock-out or reset the password)
    reason: str = Field(default="", max_length=20)


UNLOCKED = "unlocked"


def failures_since(
    session: Session, username: str, since: datetime, reasons: Sequence[str], client_addr: str | None = None
) -> int:
    """Failed attempts on `username` after `since` for these reasons (from one address when given).

    Counting starts again after the username's last successful sign-in (from that address, when
    given) and after an admin's unlock, whichever is later.
    """
    signed_in = col(LoginAttempt.success)
    if client_addr is not None:
        signed_in = and_(signed_in, LoginAttempt.client_addr == client_addr)
    last_reset = select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, or_(signed_in, LoginAttempt.reason == UNLOCKED)
    )
    failed = select(func.count()).where(
        LoginAttempt.username == username, col(LoginAttempt.reason).in_(reasons)
    )
    if client_addr is not None:
        failed = failed.where(LoginAttempt.client_addr == client_addr)
    reset_at = session.exec(last_reset).one()
    after = since if reset_at is None else max(since, reset_at)
    return session.exec(failed.where(LoginAttempt.at > after)).one()
