"""Signing in: password checks with lock-out, server-side sessions with idle expiry, API tokens."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from settings import Settings
from store.auth import LoginAttempt, WebSession
from store.models import User
from web.i18n import TEXT
from web.security import burn_password_check, new_api_token, new_token, sha256, verify_password
from web.services.cases import actor_for
from workflows.types import Actor

log = logging.getLogger("liudan.web.auth")
# last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = timedelta(seconds=60)


class LoginFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class SignedIn:
    """The officer behind a request: their directory row and their workflow actor."""

    user: User
    actor: Actor
    session_id: str = ""  # empty for API token requests


def _record(session: Session, username: str, addr: str, success: bool, reason: str) -> None:
    session.add(
        LoginAttempt(
            username=username[:64], at=datetime.now(UTC), client_addr=addr, success=success, reason=reason
        )
    )


def authenticate(engine: Engine, settings: Settings, username: str, password: str, addr: str) -> User:
    """The user with these credentials, or `LoginFailed` with what to tell them.

    An unknown username and a wrong password get the same answer and take the same time. After
    `login_max_failures` wrong passwords in a row the account locks for `login_lockout_minutes`;
    while locked, not even the right password opens it.
    """
    now = datetime.now(UTC)
    username = username.strip()
    with Session(engine, expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            burn_password_check(password)
            _record(session, username, addr, False, "unknown_user")
            session.commit()
            raise LoginFailed(TEXT["login_failed"])
        if user.locked_until is not None and user.locked_until > now:
            _record(session, username, addr, False, "locked")
            session.commit()
            minutes = math.ceil((user.locked_until - now).total_seconds() / 60)
            raise LoginFailed(TEXT["login_locked"].format(minutes=minutes))
        if not verify_password(password, user.password_hash):
            user.failed_logins += 1
            message = TEXT["login_failed"]
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
                message = TEXT["login_locked"].format(minutes=settings.login_lockout_minutes)
                log.warning("user %s locked after repeated failed logins", user.id)
            session.add(user)
            _record(session, username, addr, False, "bad_password")
            session.commit()
            raise LoginFailed(message)
        if not user.active:
            _record(session, username, addr, False, "inactive")
            session.commit()
            raise LoginFailed(TEXT["login_inactive"])
        user.failed_logins, user.locked_until = 0, None
        session.add(user)
        _record(session, username, addr, True, "ok")
        session.commit()
        return user


def open_session(engine: Engine, user: User, addr: str, user_agent: str) -> str:
    """A new session for `user`; returns its id (the cookie signs it, the table keeps its hash)."""
    session_id = new_token(32)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(
            WebSession(
                id_hash=sha256(session_id),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                client_addr=addr,
                user_agent=user_agent[:200],
            )
        )
        session.commit()
    return session_id


def load_session(engine: Engine, settings: Settings, session_id: str) -> SignedIn | None:
    """The signed-in user of a live session; None (and the session ended) when idle too long."""
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(WebSession, sha256(session_id))
        if row is None:
            return None
        user = session.get(User, row.user_id)
        idle = now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
        if idle or user is None or not user.active:
            session.delete(row)
            session.commit()
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            row.last_seen_at = now
            session.add(row)
            session.commit()
        return SignedIn(user=user, actor=actor_for(user, session), session_id=session_id)


def close_session(engine: Engine, session_id: str) -> None:
    with Session(engine) as session:
        session.execute(delete(WebSession).where(col(WebSession.id_hash) == sha256(session_id)))
        session.commit()


def end_user_sessions(session: Session, user_id: str) -> None:
    session.execute(delete(WebSession).where(col(WebSession.user_id) == user_id))


def issue_api_token(engine: Engine, user_id: str) -> str:
    """A new bearer token for `user_id`, replacing any earlier one; shown once, stored as sha256."""
    token = new_api_token()
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(user_id)
        user.api_token_hash = sha256(token)
        session.add(user)
        session.commit()
    return token


def user_for_token(engine: Engine, token: str) -> SignedIn | None:
    if not token:
        return None
    with Session(engine, expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.api_token_hash == sha256(token))).first()
        if user is None or not user.active:
            return None
        return SignedIn(user=user, actor=actor_for(user, session))
