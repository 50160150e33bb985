"""Signing in: password checks with lock-out, server-side sessions with idle expiry, API tokens.

Failed sign-ins, and what they may and may not reveal or cause (W = LOGIN_LOCKOUT_MINUTES,
N = LOGIN_MAX_FAILURES):

1. Per client address, over all usernames: after 30 failures in 15 minutes the address gets 429
   (`LOGIN_FAILURES_PER_ADDRESS` in `web.ratelimit`, counted by `web.routes.auth` in the limiter
   every web process shares) — password spraying across many accounts. The address is
   `web.deps.client_addr`'s: a forwarded header counts only from a trusted proxy.
2. Per address and username: an address that failed N - 1 times on one username within W (since
   its last successful sign-in there) gets 429 for that username, before any password is checked.
   So one address alone can never lock an account: it is throttled one failure short of the lock.
3. Per account: N wrong passwords within W, from any addresses together, lock the account for W
   (guessing spread over many addresses). The lock ends by itself; an admin may lift it sooner
   (`lift_lockout`), which also forgives every address's failures on the account so far.
   Failures older than W are forgotten, so a lock takes N failures close together, not N ever.

Every failure (unknown username, wrong password, locked account) answers the same 401 with the same
message and spends the same password-hashing time, so nobody learns which usernames exist or that
an account is locked; only someone who gives the right password of a deactivated account is told so.
Every attempt is recorded in `login_attempts`, which is also what rules 2 and 3 count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from settings import Settings
from store.auth import UNLOCKED, LoginAttempt, WebSession, failures_since
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


class LoginThrottled(LoginFailed):
    """Too many failures on this username from this address lately: 429, no password checked."""


# Failures that are a guess at a password: they count towards the per-address limit (rule 2).
GUESSES = ("bad_password", "unknown_user")


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
    """The user with these credentials, or `LoginFailed` (`LoginThrottled`) with what to tell them.

    The policy is the module's docstring: the address is throttled before the account can lock, the
    lock is temporary, and every failure looks the same.
    """
    now = datetime.now(UTC)
    window = now - timedelta(minutes=settings.login_lockout_minutes)
    username = username.strip()[:64]
    with Session(engine, expire_on_commit=False) as session:
        if failures_since(session, username, window, GUESSES, addr) >= _per_address_limit(settings):
            _record(session, username, addr, False, "throttled")
            session.commit()
            raise LoginThrottled(TEXT["rate_limited"])
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None or (user.locked_until is not None and user.locked_until > now):
            burn_password_check(password)
            _record(session, username, addr, False, "unknown_user" if user is None else "locked")
            session.commit()
            raise LoginFailed(TEXT["login_failed"])
        if not verify_password(password, user.password_hash):
            # Failures older than the window no longer count (an admin's unlock sets the count to 0).
            recent = failures_since(session, username, window, ("bad_password",))
            user.failed_logins = min(user.failed_logins, recent) + 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
                log.warning("user %s locked after repeated failed logins", user.id)
            session.add(user)
            _record(session, username, addr, False, "bad_password")
            session.commit()
            raise LoginFailed(TEXT["login_failed"])
        if not user.active:
            _record(session, username, addr, False, "inactive")
            session.commit()
            raise LoginFailed(TEXT["login_inactive"])
        user.failed_logins, user.locked_until = 0, None
        session.add(user)
        _record(session, username, addr, True, "ok")
        session.commit()
        return user


def lift_lockout(session: Session, user: User) -> None:
    """An admin's unlock (or password reset): the account opens at once, and the failures so far,
    from every address, are forgiven. The caller commits."""
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    _record(session, user.username, "", False, UNLOCKED)


def _per_address_limit(settings: Settings) -> int:
    # One short of the lock, so a single address cannot lock anyone out (with N = 1 it still can).
    return max(1, settings.login_max_failures - 1)


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
