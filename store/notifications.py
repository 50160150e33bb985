"""Notifications (通知): what Liudan tells residents, officers and leaders, and whether it reached them.

One row per (subject, event, recipient, channel): its `key` is unique, so a projection retried or
replayed, or a sweep run twice, never queues the same notice twice. Rows are written by the projections
(in the same transaction as the state they announce: a transactional outbox) and by the leaders'
digest, and delivered by `NotificationDispatchWorkflow`, one Temporal activity per notice
(`activities.notifications`). In-app notices need no delivery: they are `sent` when written, and the
bell counts those a user has not read.

No personal data is kept here: a row names its recipient (a user id, or `resident`) and the address is
looked up when it is sent, so a corrected phone number is used and an opt-out is honoured to the last
moment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Text, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from store.types import UTCDateTime

RESIDENT = "resident"  # the recipient of a notice to the person who filed the case
DISPATCH_BATCH = 200


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    INAPP = "inapp"


class Delivery(StrEnum):
    PENDING = "pending"  # waiting for the dispatcher (or for the morning, `not_before`)
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; `attempts` and `last_error` say how
    SKIPPED = "skipped"  # not sent, on purpose (opted out, no address): `last_error` says why


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "not_before"),
        Index("ix_notifications_bell", "recipient", "channel", "read_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)  # idempotency: subject:event:recipient:channel
    subject_code: str = Field(index=True, max_length=32)  # the case, petition or appointment
    process: str = Field(max_length=16)  # case, petition, appointment, digest
    event: str = Field(max_length=32)  # a NoticeEvent value (store.notice_templates)
    channel: str = Field(max_length=8)
    recipient: str = Field(max_length=64)  # a user id, or RESIDENT
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    created_at: datetime = Field(sa_type=UTCDateTime)
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)  # quiet hours: the morning
    status: str = Field(default=Delivery.PENDING.value, max_length=10)
    attempts: int = 0
    last_error: str = Field(default="", max_length=300)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    provider_ref: str = Field(default="", max_length=80)  # the SMS provider's BizId, the mail's Message-ID

    def values(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.params or "{}")
        return loaded


@dataclass(frozen=True)
class Notice:
    """A notice to queue: computed from a transition, before recipients become rows."""

    subject_code: str
    process: str
    event: str
    recipient: str
    channel: Channel
    occasion: str  # what makes it unique for its subject (a timeline seq, a deadline, a date)
    params: dict[str, Any] = field(default_factory=dict)
    not_before: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.subject_code}:{self.event}:{self.occasion}:{self.recipient}:{self.channel.value}"[:200]


def enqueue(session: Session, notices: Iterable[Notice], now: datetime) -> int:
    """Queues the notices not queued before (by key), in the caller's transaction; how many were new."""
    wanted = {n.key: n for n in notices}
    if not wanted:
        return 0
    known = set(session.exec(select(Notification.key).where(col(Notification.key).in_(wanted))))
    added = 0
    for key, n in wanted.items():
        if key in known:
            continue
        inapp = n.channel == Channel.INAPP
        session.add(
            Notification(
                key=key, subject_code=n.subject_code, process=n.process, event=n.event,
                channel=n.channel.value, recipient=n.recipient,
                params=json.dumps(n.params, ensure_ascii=False, default=str), created_at=now,
                not_before=n.not_before, status=(Delivery.SENT if inapp else Delivery.PENDING).value,
                sent_at=now if inapp else None,
            )
        )  # fmt: skip
        added += 1
    return added


def enqueue_now(engine: Engine, notices: Sequence[Notice], now: datetime) -> int:
    with Session(engine) as session:
        added = enqueue(session, notices, now)
        session.commit()
    return added


def due(engine: Engine, now: datetime, limit: int = DISPATCH_BATCH) -> list[int]:
    """Notices to deliver now: pending and not held for the morning. (A failed notice stays failed:
    Temporal retried its activity before giving up, and the case's delivery log shows it.)"""
    with Session(engine) as session:
        rows = session.exec(
            select(Notification.id)
            .where(
                col(Notification.status) == Delivery.PENDING.value,
                (col(Notification.not_before).is_(None)) | (col(Notification.not_before) <= now),
            )
            .order_by(col(Notification.id))
            .limit(limit)
        )
        return [i for i in rows if i is not None]


def next_deferred(engine: Engine) -> datetime | None:
    with Session(engine) as session:
        return session.exec(
            select(func.min(Notification.not_before)).where(
                col(Notification.status) == Delivery.PENDING.value, col(Notification.not_before).is_not(None)
            )
        ).first()


def get(engine: Engine, notification_id: int) -> Notification | None:
    with Session(engine) as session:
        return session.get(Notification, notification_id)


def record(engine: Engine, notification_id: int, **changes: Any) -> None:
    with Session(engine) as session:
        session.execute(update(Notification).where(col(Notification.id) == notification_id).values(**changes))
        session.commit()


# --- the bell and the case's delivery log ------------------------------------------------------------


def unread_count(engine: Engine, user_id: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Notification)
            .where(*_inapp_for(user_id), col(Notification.read_at).is_(None))
        ).one()


def inbox(engine: Engine, user_id: str, limit: int = 50) -> list[Notification]:
    with Session(engine) as session:
        rows = session.exec(
            select(Notification)
            .where(*_inapp_for(user_id))
            .order_by(col(Notification.id).desc())
            .limit(limit)
        )
        return list(rows)


def mark_read(engine: Engine, user_id: str, now: datetime, notification_id: int | None = None) -> int:
    """Marks one (or, without an id, every) unread notice of this user as read; how many changed."""
    with Session(engine) as session:
        query = update(Notification).where(*_inapp_for(user_id), col(Notification.read_at).is_(None))
        if notification_id is not None:
            query = query.where(col(Notification.id) == notification_id)
        changed = session.execute(query.values(read_at=now)).rowcount  # type: ignore[attr-defined]
        session.commit()
    return int(changed or 0)


def delivery_log(engine: Engine, subject_code: str) -> list[Notification]:
    """Every notice about one case, petition or appointment, in-app ones left out (they are not sent)."""
    with Session(engine) as session:
        rows = session.exec(
            select(Notification)
            .where(
                col(Notification.subject_code) == subject_code,
                col(Notification.channel) != Channel.INAPP.value,
            )
            .order_by(col(Notification.id))
        )
        return list(rows)


def _inapp_for(user_id: str) -> tuple[Any, ...]:
    return (col(Notification.recipient) == user_id, col(Notification.channel) == Channel.INAPP.value)
