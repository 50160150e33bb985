"""Delivering notices (the dispatcher's activities) and queuing the leaders' daily digest.

At most once per notice: a delivery reads its row first and does nothing for a notice already sent,
skipped or failed; the development outbox keeps one message per notice even if the process dies
between writing it and recording it sent, and the SMS provider gets the notice id as `OutId`. The one
window left is a provider that accepted a message whose reply was lost: its retry is sent again, as
every provider's own retry would be, and the provider's delivery report carries the same OutId.

The address is looked up at delivery (the resident's phone on the case, petition or appointment; an
officer's phone or email on their account) and never stored with the notice; a resident's opt-out is
checked at that moment too.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from temporalio import activity

from activities.mail import MailRefused, SmtpMail
from activities.notices import NoticePolicy
from activities.sms import SmsMessage, SmsRefused, SmsSender
from store import notifications as queue
from store.calendar_cache import StoredCalendar
from store.contact import phone_key
from store.models import Case, LeaderStreet, User
from store.notice_templates import NoticeEvent, email_subject, sms_text
from store.notifications import RESIDENT, Channel, Delivery, Notice, Notification
from store.notify_contacts import ResidentNoticePrefs, add_tracking_link
from store.petitions import Petition
from store.reception import Appointment
from workdays import SHANGHAI, CalendarUnavailable
from workflows.notify.types import Delivery as DeliveryRequest
from workflows.notify.types import DigestReport, DigestRequest, DispatchRequest
from workflows.types import Role, Stage

log = logging.getLogger("liudan.notifications")
# Where each process's tracking page lives (web/routes: tracking, petition_tracking, reception).
TRACK_PATHS = {"case": "/track/{token}", "petition": "/track/xf/{token}", "appointment": "/track/yf/{token}"}
WITH_LINK = {
    NoticeEvent.RECEIVED, NoticeEvent.RESULT, NoticeEvent.CLOSED, NoticeEvent.PETITION_RECEIVED,
    NoticeEvent.PETITION_ACCEPTED, NoticeEvent.PETITION_DECLINED, NoticeEvent.PETITION_ANSWERED,
    NoticeEvent.REVIEW_DECIDED, NoticeEvent.RECHECK_DECIDED, NoticeEvent.APPOINTMENT_BOOKED,
    NoticeEvent.APPOINTMENT_REMINDER,
}  # fmt: skip


@dataclass(frozen=True)
class Address:
    phone: str = ""
    email: str = ""
    sms_opt_out: bool = False


class NotificationActivities:
    def __init__(
        self,
        engine: Engine,
        sms: SmsSender,
        mail: SmtpMail,
        *,
        public_url: str,
        policy: NoticePolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine, self._sms, self._mail = engine, sms, mail
        self._public_url, self._policy, self._clock = public_url.rstrip("/"), policy or NoticePolicy(), clock

    @property
    def policy(self) -> NoticePolicy:
        return self._policy

    @activity.defn(name="due_notifications")
    async def due_notifications(self, request: DispatchRequest) -> list[int]:
        return await asyncio.to_thread(queue.due, self._engine, self._clock(), request.limit)

    @activity.defn(name="deliver_notification")
    async def deliver_notification(self, delivery: DeliveryRequest) -> str:
        attempt = activity.info().attempt if activity.in_activity() else 1
        return await self.deliver(delivery.notification_id, attempt, delivery.max_attempts)

    async def deliver(self, notification_id: int, attempt: int = 1, max_attempts: int = 5) -> str:
        """Sends one notice; its status afterwards: sent, held (quiet hours), skipped or failed.
        Raises (to be retried) when the provider could not be reached; the last attempt records failed."""
        row = await asyncio.to_thread(queue.get, self._engine, notification_id)
        if row is None or row.status != Delivery.PENDING:
            return row.status if row is not None else Delivery.SKIPPED.value
        now = self._clock()
        if row.channel == Channel.SMS and (hold := self._policy.hold_until(now)) is not None:
            await asyncio.to_thread(queue.record, self._engine, notification_id, not_before=hold)
            return "held"
        address = await asyncio.to_thread(self._address, row)
        why_not = _why_not(row, address, self._mail.enabled)
        if why_not:
            await self._record(row, status=Delivery.SKIPPED, last_error=why_not, attempts=attempt)
            return Delivery.SKIPPED.value
        try:
            ref = await self._send(row, address, now)
        except (SmsRefused, MailRefused) as refused:
            await self._record(row, status=Delivery.FAILED, last_error=str(refused)[:300], attempts=attempt)
            return Delivery.FAILED.value
        except Exception as error:
            final = attempt >= max_attempts
            status = Delivery.FAILED if final else Delivery.PENDING
            await self._record(
                row, status=status, last_error=f"{type(error).__name__}: {error}"[:300], attempts=attempt
            )
            raise
        await self._record(
            row, status=Delivery.SENT, sent_at=now, provider_ref=ref[:80], last_error="", attempts=attempt
        )
        return Delivery.SENT.value

    async def _send(self, row: Notification, address: Address, now: datetime) -> str:
        params = row.values()
        if NoticeEvent(row.event) in WITH_LINK and row.recipient == RESIDENT:
            params["link"] = await asyncio.to_thread(self._link, row, now)
        assert row.id is not None
        if row.channel == Channel.SMS:
            body = sms_text(row.event, params)
            return await self._sms.send(SmsMessage(row.id, address.phone, row.event, params, body))
        body = sms_text(row.event, params)
        return await self._mail.send(row.id, address.email, email_subject(row.event, params), body)

    def _link(self, row: Notification, now: datetime) -> str:
        """A tracking link of the notice's own: the one shown at registration is kept only as a hash."""
        token = secrets.token_urlsafe(24)
        add_tracking_link(self._engine, row.subject_code, token, now)
        return self._public_url + TRACK_PATHS[row.process].format(token=token)

    def _address(self, row: Notification) -> Address:
        with Session(self._engine) as session:
            if row.recipient != RESIDENT:
                user = session.get(User, row.recipient)
                return Address(user.phone, user.email) if user is not None and user.active else Address()
            phone = _resident_phone(session, row.process, row.subject_code)
            prefs = session.get(ResidentNoticePrefs, phone_key(phone)) if phone else None
            return Address(phone, prefs.email if prefs else "", bool(prefs and prefs.sms_opt_out))

    async def _record(self, row: Notification, **changes: object) -> None:
        assert row.id is not None
        await asyncio.to_thread(queue.record, self._engine, row.id, **changes)
        log.info("notice %s (%s %s) %s", row.id, row.event, row.channel, changes.get("status"))

    @activity.defn(name="queue_digests")
    async def queue_digests(self, request: DigestRequest) -> DigestReport:
        day = date.fromisoformat(request.day) if request.day else self._clock().astimezone(SHANGHAI).date()
        return await asyncio.to_thread(self.digests, day)

    def digests(self, day: date) -> DigestReport:
        """Each leader's figures for the streets linked to them, on a working day only."""
        calendar = StoredCalendar(self._engine)
        try:
            working = calendar.official().is_working_day(day)
        except CalendarUnavailable:  # a year whose schedule is not published: weekends only, as deadlines
            working = calendar.provisional().is_working_day(day)
        if not working:
            return DigestReport(day=day.isoformat(), working_day=False)
        notices: list[Notice] = []
        with Session(self._engine) as session:
            leaders = session.exec(select(User).where(col(User.active), User.role == Role.LEADER.value)).all()
            for leader in leaders:
                streets = list(
                    session.exec(select(LeaderStreet.street_id).where(LeaderStreet.leader_id == leader.id))
                )
                params = {"date": day.strftime("%m月%d日"), **_street_figures(session, streets)}
                channels = [Channel.INAPP, *([Channel.EMAIL] if leader.email else [])]
                notices += [
                    Notice(
                        f"D{day:%Y%m%d}",
                        "digest",
                        NoticeEvent.DIGEST.value,
                        leader.id,
                        c,
                        day.isoformat(),
                        params,
                    )
                    for c in channels
                ]
        queued = queue.enqueue_now(self._engine, notices, self._clock())
        return DigestReport(day=day.isoformat(), working_day=True, queued=queued)


def _street_figures(session: Session, streets: list[str]) -> dict[str, int]:
    def count(*where: object) -> int:
        if not streets:
            return 0
        query = select(func.count()).select_from(Case).where(col(Case.street_org_id).in_(streets), *where)
        return int(session.exec(query).one())

    open_case = col(Case.stage) != Stage.CLOSED.value
    return {
        "overdue": count(open_case, col(Case.overdue)),
        "review": count(col(Case.stage) == Stage.REVIEW.value),
        "supervised": count(open_case, col(Case.supervised)),
    }


def _resident_phone(session: Session, process: str, code: str) -> str:
    if process == "case":
        case = session.get(Case, code)
        return case.reporter_phone if case else ""
    if process == "petition":
        petition = session.get(Petition, code)
        return petition.petitioner_phone if petition else ""
    if process == "appointment":
        appointment = session.get(Appointment, code)
        return appointment.phone if appointment else ""
    return ""


def _why_not(row: Notification, address: Address, mail_enabled: bool) -> str:
    """Why a notice is not sent at all (a skipped notice, not a failure); "" to send it."""
    if row.channel == Channel.SMS:
        if not address.phone:
            return "无手机号码"
        if address.sms_opt_out:
            return "已退订短信通知"
    if row.channel == Channel.EMAIL:
        if not mail_enabled:
            return "未配置邮件服务器"
        if not address.email:
            return "无邮箱地址"
    return ""
