"""Where notices go: residents' choices (opt-out, an email address), the development SMS outbox, and
the tracking links an SMS carries.

A resident's choices are keyed by `phone_key`, the person as every figure tells residents apart, so one
opt-out covers every case they filed. Only an SMS is refused after an opt-out: what the resident reads
on their own tracking page is never withheld.

A tracking link is a bearer token; a case keeps the one shown at registration, and every SMS that
carries a link gets one of its own (kept as its sha256 only), so the link is never stored in clear.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from store.contact import phone_key
from store.types import UTCDateTime


class ResidentNoticePrefs(SQLModel, table=True):
    __tablename__ = "resident_notice_prefs"
    phone_key: str = Field(primary_key=True, max_length=32)
    sms_opt_out: bool = False
    email: str = Field(default="", max_length=200)  # also notified by email when set
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SmsOutbox(SQLModel, table=True):
    """The development and test SMS adapter's "sent" messages: one per notice, never two."""

    __tablename__ = "sms_outbox"
    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(unique=True)
    phone: str = Field(max_length=32)
    sign_name: str = Field(default="", max_length=40)
    body: str = Field(max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)


class TrackingLink(SQLModel, table=True):
    __tablename__ = "tracking_links"
    token_hash: str = Field(primary_key=True, max_length=64)
    subject_code: str = Field(index=True, max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefs_for(engine: Engine, phone: str) -> ResidentNoticePrefs | None:
    key = phone_key(phone)
    if not key:
        return None
    with Session(engine) as session:
        return session.get(ResidentNoticePrefs, key)


def set_prefs(engine: Engine, phone: str, now: datetime, *, sms_opt_out: bool, email: str) -> None:
    key = phone_key(phone)
    with Session(engine) as session:
        row = session.get(ResidentNoticePrefs, key) or ResidentNoticePrefs(phone_key=key, updated_at=now)
        row.sms_opt_out, row.email, row.updated_at = sms_opt_out, email, now
        session.add(row)
        session.commit()


def put_in_outbox(
    engine: Engine, notification_id: int, phone: str, sign_name: str, body: str, now: datetime
) -> int:
    """Writes the message once: a retried delivery finds the row its first attempt wrote."""
    with Session(engine) as session:
        found = session.exec(select(SmsOutbox).where(SmsOutbox.notification_id == notification_id)).first()
        if found is None:
            found = SmsOutbox(
                notification_id=notification_id, phone=phone, sign_name=sign_name, body=body, created_at=now
            )
            session.add(found)
            try:
                session.commit()
            except IntegrityError:  # a concurrent attempt wrote it first
                session.rollback()
                found = session.exec(
                    select(SmsOutbox).where(SmsOutbox.notification_id == notification_id)
                ).one()
        assert found.id is not None
        return found.id


def outbox(engine: Engine, phone: str | None = None) -> list[SmsOutbox]:
    with Session(engine) as session:
        query = select(SmsOutbox).order_by(SmsOutbox.id)  # type: ignore[arg-type]
        if phone is not None:
            query = query.where(SmsOutbox.phone == phone)
        return list(session.exec(query))


def add_tracking_link(engine: Engine, subject_code: str, token: str, now: datetime) -> None:
    with Session(engine) as session:
        session.add(TrackingLink(token_hash=token_hash(token), subject_code=subject_code, created_at=now))
        session.commit()


def linked_subject(session: Session, hashed: str) -> str | None:
    row = session.get(TrackingLink, hashed)
    return row.subject_code if row is not None else None
