"""The bell, the notifications page and a case's delivery log, as the web shows them; and the
resident's notice choices (opt-out, email) set from their tracking link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import notifications as notices
from store.contact import clean_phone
from store.models import User
from store.notice_templates import inapp_text, label
from store.notifications import RESIDENT, Notification
from store.notify_contacts import ResidentNoticePrefs, prefs_for, set_prefs
from web.i18n.notify_text import NOTIFY_TEXT as NT
from web.timeutil import local

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
HREFS = {
    "case": "/cases/{code}",
    "petition": "/petitions/{code}",
    "appointment": "/leader/day",
    "digest": "/leader",
}


class BadContact(ValueError):
    pass


class BadEmail(BadContact):
    pass


@dataclass(frozen=True)
class BellItem:
    id: int
    text: str
    label: str
    at: datetime
    href: str
    unread: bool


@dataclass(frozen=True)
class LogLine:
    at: datetime
    what: str
    to: str
    channel: str
    status: str
    detail: str


def unread(engine: Engine, user_id: str) -> int:
    return notices.unread_count(engine, user_id)


def bell_items(engine: Engine, user_id: str) -> list[BellItem]:
    return [
        BellItem(
            n.id or 0,
            inapp_text(n.event, n.values()),
            label(n.event),
            n.created_at,
            HREFS.get(n.process, "/").format(code=n.subject_code),
            n.read_at is None,
        )
        for n in notices.inbox(engine, user_id)
    ]


def mark_read(engine: Engine, user_id: str, notification_id: int | None) -> int:
    return notices.mark_read(engine, user_id, datetime.now(UTC), notification_id)


def delivery_log(engine: Engine, code: str) -> list[LogLine]:
    """Every SMS and email about a case: to whom (the resident's number masked; an officer by name),
    how, and what became of it."""
    rows = notices.delivery_log(engine, code)
    with Session(engine) as session:
        ids = {n.recipient for n in rows if n.recipient != RESIDENT}
        names = (
            dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids)))) if ids else {}
        )
    return [_line(n, names) for n in rows]


def _line(n: Notification, names: dict[str, str]) -> LogLine:
    to = NT["log_resident"] if n.recipient == RESIDENT else names.get(n.recipient, n.recipient)
    detail = n.last_error
    if n.status == "pending" and n.not_before is not None:
        detail = NT["log_held"].format(at=local(n.not_before))
    elif n.attempts > 1:
        detail = " · ".join(filter(None, (NT["log_attempts"].format(n=n.attempts), n.last_error)))
    return LogLine(
        n.sent_at or n.created_at, label(n.event), to, NT[f"channel_{n.channel}"], n.status, detail
    )


def my_contact(engine: Engine, user_id: str) -> tuple[str, str]:
    with Session(engine) as session:
        user = session.get(User, user_id)
        return (user.phone, user.email) if user is not None else ("", "")


def save_my_contact(engine: Engine, user_id: str, phone: str, email: str) -> None:
    """An officer's own mobile (即将超期, 超期 and 督办 by SMS) and email (every notice); empty: none."""
    phone, email = phone.strip(), email.strip()
    cleaned = clean_phone(phone) if phone else ""
    if phone and (cleaned is None or len(cleaned) != 11):
        raise BadContact(NT["contact_bad_phone"])
    if email and not EMAIL.match(email):
        raise BadContact(NT["prefs_bad_email"])
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(user_id)
        user.phone, user.email = cleaned or "", email
        session.add(user)
        session.commit()


def resident_prefs(engine: Engine, phone: str) -> ResidentNoticePrefs | None:
    return prefs_for(engine, phone)


def save_resident_prefs(engine: Engine, phone: str, *, sms_opt_out: bool, email: str) -> None:
    email = email.strip()
    if email and not EMAIL.match(email):
        raise BadEmail(NT["prefs_bad_email"])
    set_prefs(engine, phone, datetime.now(UTC), sms_opt_out=sms_opt_out, email=email)
