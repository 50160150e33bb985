"""Notices: queued by the projection with the state they announce, once; delivered at most once across
retries; held in quiet hours; skipped after an opt-out; email received by a real SMTP server; the
Aliyun adapter signed as its documentation's worked example says. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.mail import MailSettings, SmtpMail
from activities.notices import NoticePolicy
from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from activities.sms import AliyunSms, OutboxSms, SmsMessage, aliyun_signature
from store.models import User
from store.notifications import RESIDENT, Notification, due
from store.notify_contacts import outbox, set_prefs, token_hash
from store.queries import case_by_token_hash
from tests.utils.cases import COMMUNITY, GRID, read_model, registration
from tests.utils.stack import free_port
from workdays import SHANGHAI
from workflows.policies import LIUDAN
from workflows.types import CaseSnapshot, Projection, Role, Stage, TimelineEntry

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)  # a Monday, office hours
NIGHT = datetime(2026, 11, 23, 22, 30, tzinfo=SHANGHAI)
PHONE = "13812341234"


def _registered(at: datetime) -> Projection:
    reg = registration(received_at=at)
    snap = CaseSnapshot(
        code=reg.code, version=1, registration=reg, policy=LIUDAN, stage=Stage.REPORT,
        holder_org_ids=["cm-qinghe"], holder_role=Role.COMMUNITY, updated_at=at,
    )  # fmt: skip
    entry = TimelineEntry(1, at, "registered", GRID.user_id, GRID.role, GRID.org_id)
    return Projection(snapshot=snap, new_events=[entry], event_count=1)


def _notices(engine: Engine, code: str) -> list[Notification]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Notification).where(Notification.subject_code == code).order_by(Notification.id)
            )
        )  # type: ignore[arg-type]


def _deliverer(engine: Engine, at: datetime, sms=None, mail=None) -> NotificationActivities:  # type: ignore[no-untyped-def]
    return NotificationActivities(
        engine,
        sms or OutboxSms(engine, "六单"),
        mail or SmtpMail(MailSettings()),
        public_url="https://liudan.example.gov.cn",
        clock=lambda: at.astimezone(UTC),
    )


def _set_user(engine: Engine, user_id: str, **fields: str) -> None:
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        for name, value in fields.items():
            setattr(user, name, value)
        session.add(user)
        session.commit()


def test_a_projection_queues_its_notices_once(any_engine: Engine):
    projection = _registered(NOON)
    acts = ProjectionActivities(any_engine)
    acts.write(projection)
    acts.write(projection)  # retried after its commit: nothing twice
    found = {
        (n.event, n.recipient, n.channel, n.status) for n in _notices(any_engine, projection.snapshot.code)
    }
    assert found == {
        ("received", RESIDENT, "sms", "pending"),  # 受理告知 to the resident's mobile
        ("new_task", COMMUNITY.user_id, "inapp", "sent"),  # the community officer's new 报单 task
    }
    assert read_model(any_engine, projection.snapshot.code).case.version == 1


def test_a_landline_gets_no_sms_and_a_rebuild_queues_nothing(any_engine: Engine):
    projection = _registered(NOON)
    reg = replace(
        projection.snapshot.registration,
        reporter=replace(projection.snapshot.registration.reporter, phone="0571-87654321"),
    )
    landline = replace(projection, snapshot=replace(projection.snapshot, registration=reg))
    ProjectionActivities(any_engine).write(landline)
    assert [n.channel for n in _notices(any_engine, reg.code)] == ["inapp"]
    other = _registered(NOON)
    ProjectionActivities(any_engine).replace(replace(other.snapshot, timeline=other.new_events), None)
    assert _notices(any_engine, other.snapshot.code) == []  # a rebuild texts nobody about the past


async def test_an_sms_is_sent_with_its_own_tracking_link(any_engine: Engine):
    projection = _registered(NOON)
    ProjectionActivities(any_engine).write(projection)
    sms = next(n for n in _notices(any_engine, projection.snapshot.code) if n.channel == "sms")
    assert sms.id is not None
    assert await _deliverer(any_engine, NOON).deliver(sms.id) == "sent"
    assert await _deliverer(any_engine, NOON).deliver(sms.id) == "sent"  # run again: nothing more sent
    [message] = outbox(any_engine, PHONE)
    assert projection.snapshot.code in message.body and "https://liudan.example.gov.cn/track/" in message.body
    token = message.body.rsplit("/track/", 1)[1]
    found = case_by_token_hash(any_engine, token_hash(token))
    assert found is not None and found.code == projection.snapshot.code  # the link opens the case


async def test_quiet_hours_hold_an_sms_until_the_morning(any_engine: Engine):
    projection = _registered(NIGHT)
    ProjectionActivities(any_engine).write(projection)
    sms = next(n for n in _notices(any_engine, projection.snapshot.code) if n.channel == "sms")
    morning = datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)
    assert sms.not_before == morning.astimezone(UTC)
    assert sms.id is not None
    # Not due at night; due from 08:00.
    assert sms.id not in due(any_engine, (NIGHT + timedelta(hours=1)).astimezone(UTC))
    assert sms.id in due(any_engine, morning.astimezone(UTC))
    # A delivery that reaches a quiet hour anyway (queued by day, sent late) is held again, not sent.
    assert await _deliverer(any_engine, NIGHT + timedelta(hours=2)).deliver(sms.id) == "held"
    assert outbox(any_engine, PHONE) == []
    assert await _deliverer(any_engine, morning + timedelta(minutes=1)).deliver(sms.id) == "sent"
    assert len(outbox(any_engine, PHONE)) == 1


def test_quiet_hours_from_settings():
    policy = NoticePolicy.parse("21:00-08:00")
    assert policy.hold_until(datetime(2026, 11, 23, 20, 59, tzinfo=SHANGHAI)) is None
    assert policy.hold_until(datetime(2026, 11, 23, 7, 0, tzinfo=SHANGHAI)) == datetime(
        2026, 11, 23, 8, 0, tzinfo=SHANGHAI
    )
    assert NoticePolicy.parse("").hold_until(NIGHT) is None


class _LostReply:
    """A provider that takes the message and then loses its reply, once: the delivery is retried."""

    def __init__(self, inner: OutboxSms) -> None:
        self.inner, self.calls = inner, 0

    async def send(self, message: SmsMessage) -> str:
        self.calls += 1
        ref = await self.inner.send(message)
        if self.calls == 1:
            raise ConnectionResetError("connection reset by peer")
        return ref


async def test_a_retried_delivery_sends_once(any_engine: Engine):
    projection = _registered(NOON)
    ProjectionActivities(any_engine).write(projection)
    sms = next(n for n in _notices(any_engine, projection.snapshot.code) if n.channel == "sms")
    assert sms.id is not None
    flaky = _LostReply(OutboxSms(any_engine, "六单"))
    with pytest.raises(ConnectionResetError):
        await _deliverer(any_engine, NOON, sms=flaky).deliver(sms.id, attempt=1, max_attempts=3)
    [after_first] = [n for n in _notices(any_engine, projection.snapshot.code) if n.id == sms.id]
    assert (after_first.status, after_first.attempts) == ("pending", 1)
    assert "ConnectionResetError" in after_first.last_error
    assert await _deliverer(any_engine, NOON, sms=flaky).deliver(sms.id, attempt=2, max_attempts=3) == "sent"
    assert len(outbox(any_engine, PHONE)) == 1  # one message for the resident, not two
    [done] = [n for n in _notices(any_engine, projection.snapshot.code) if n.id == sms.id]
    assert (done.status, done.attempts, done.last_error) == ("sent", 2, "")


async def test_the_last_failed_attempt_is_recorded_as_failed(any_engine: Engine):
    class Down:
        async def send(self, message: SmsMessage) -> str:
            raise ConnectionRefusedError("provider unreachable")

    projection = _registered(NOON)
    ProjectionActivities(any_engine).write(projection)
    sms = next(n for n in _notices(any_engine, projection.snapshot.code) if n.channel == "sms")
    assert sms.id is not None
    with pytest.raises(ConnectionRefusedError):
        await _deliverer(any_engine, NOON, sms=Down()).deliver(sms.id, attempt=3, max_attempts=3)
    [failed] = [n for n in _notices(any_engine, projection.snapshot.code) if n.id == sms.id]
    assert (failed.status, failed.attempts) == ("failed", 3)


async def test_an_opted_out_resident_gets_no_sms(any_engine: Engine):
    set_prefs(any_engine, "138-1234-1234", NOON, sms_opt_out=True, email="")
    projection = _registered(NOON)
    ProjectionActivities(any_engine).write(projection)
    sms = next(n for n in _notices(any_engine, projection.snapshot.code) if n.channel == "sms")
    assert sms.id is not None
    assert await _deliverer(any_engine, NOON).deliver(sms.id) == "skipped"
    [skipped] = [n for n in _notices(any_engine, projection.snapshot.code) if n.id == sms.id]
    assert skipped.last_error == "已退订短信通知"
    assert outbox(any_engine, PHONE) == []


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


async def test_email_reaches_a_real_smtp_server(any_engine: Engine, smtp_server):  # type: ignore[no-untyped-def]
    controller, handler = smtp_server
    set_prefs(any_engine, PHONE, NOON, sms_opt_out=False, email="zhang@example.cn")
    _set_user(any_engine, COMMUNITY.user_id, email="qinghe@example.gov.cn")
    projection = _registered(NOON)
    ProjectionActivities(any_engine).write(projection)
    mail = SmtpMail(
        MailSettings(host=controller.hostname, port=controller.port, sender="noreply@example.gov.cn")
    )
    deliverer = _deliverer(any_engine, NOON, mail=mail)
    emails = [n for n in _notices(any_engine, projection.snapshot.code) if n.channel == "email"]
    assert {n.recipient for n in emails} == {RESIDENT, COMMUNITY.user_id}
    for n in emails:
        assert n.id is not None
        assert await deliverer.deliver(n.id) == "sent"
    received = {m["To"]: m for m in (message_from_bytes(raw) for raw in handler.messages)}
    assert set(received) == {"zhang@example.cn", "qinghe@example.gov.cn"}
    subject = str(make_header(decode_header(received["zhang@example.cn"]["Subject"])))
    assert subject == f"您的诉求已登记（{projection.snapshot.code}）"


async def test_email_without_a_server_is_skipped_not_failed(any_engine: Engine):
    set_prefs(any_engine, PHONE, NOON, sms_opt_out=False, email="zhang@example.cn")
    projection = _registered(NOON)
    ProjectionActivities(any_engine).write(projection)
    email = next(n for n in _notices(any_engine, projection.snapshot.code) if n.channel == "email")
    assert email.id is not None
    assert await _deliverer(any_engine, NOON).deliver(email.id) == "skipped"


# Alibaba Cloud's SendSms signature document (签名机制), its worked example.
DOC_PARAMS = {
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
    "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
}  # fmt: skip


def test_aliyun_signature_matches_the_documented_example():
    assert aliyun_signature(DOC_PARAMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


async def test_aliyun_adapter_sends_a_signed_request_and_reads_the_answer():
    seen: list[httpx.Request] = []

    def provider(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"Code": "OK", "BizId": "900619746936498440^0", "Message": "OK"})

    sms = AliyunSms(
        "testId", "testSecret", "六单", {"received": "SMS_1"}, transport=httpx.MockTransport(provider)
    )
    ref = await sms.send(SmsMessage(7, PHONE, "received", {"code": "HJ-2026-000001"}, "正文"))
    assert ref == "900619746936498440^0"
    params = dict(seen[0].url.params)
    signature = params.pop("Signature")
    assert signature == aliyun_signature(params, "testSecret")
    assert (params["TemplateCode"], params["OutId"], params["PhoneNumbers"]) == ("SMS_1", "7", PHONE)
