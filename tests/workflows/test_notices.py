"""Notices on the clock: a case's 即将超期 and 超期 reach its officers (in the app, and 超期 by SMS to an
officer with a phone) and its new 督办 task the street that supervises it; a petitioner hears of 登记 and
受理, an appointment holder of the booking and the day-before reminder; the leaders' morning digest is
queued once per working day and not on a rest day. The timers run on the time-skipping server."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from store.models import User
from store.notifications import Notification
from store.notify_contacts import outbox
from tests.utils.appointments import book
from tests.utils.cases import COMMUNITY, running, sleep_until, snapshot, start_case
from tests.utils.petitions import start_petition, to_handling
from workflows.notify.digest import LeaderDigestWorkflow
from workflows.notify.dispatch import NotificationDispatchWorkflow
from workflows.notify.types import DigestReport, DigestRequest, DispatchReport, DispatchRequest

OFFICER_PHONE = "13700001111"


def _notices(engine: Engine, **where: str) -> list[Notification]:
    with Session(engine) as session:
        query = select(Notification)
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        return list(session.exec(query))


async def test_warning_and_overdue_reach_the_officers_and_the_leader(
    client: Client, task_queue: str, engine: Engine, time_env: WorkflowEnvironment
):
    with Session(engine) as session:
        officer = session.get(User, COMMUNITY.user_id)
        assert officer is not None
        officer.phone = OFFICER_PHONE
        session.add(officer)
        session.commit()
    handle = await start_case(client, task_queue)
    s = await snapshot(handle)
    [report] = running(s)
    await sleep_until(time_env, report.due_at + timedelta(minutes=1))
    mine = {(n.event, n.channel) for n in _notices(engine, subject_code=s.code, recipient=COMMUNITY.user_id)}
    assert {("new_task", "inapp"), ("warning", "inapp"), ("overdue", "inapp"), ("overdue", "sms")} <= mine
    # A community's missed report is its street's to supervise (督单).
    street = _notices(engine, subject_code=s.code, recipient="street-dongcheng", event="new_task")
    assert [n.values()["task"] for n in street] == ["督办"]

    with time_env.auto_time_skipping_disabled():
        dispatched: DispatchReport = await client.execute_workflow(
            NotificationDispatchWorkflow.run,
            DispatchRequest(),
            id=f"dispatch-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert dispatched.failed == []
    texts = sorted(m.body for m in outbox(engine, OFFICER_PHONE))
    assert len(texts) == 2 and all(s.code in t for t in texts)  # 即将超期 and 已超期, once each
    assert any("即将超期" in t for t in texts) and any("已超期" in t for t in texts)


async def test_the_leaders_digest_is_queued_once_per_working_day(
    client: Client, task_queue: str, engine: Engine, time_env: WorkflowEnvironment
):
    async def digest(day: date) -> DigestReport:
        with time_env.auto_time_skipping_disabled():
            return await client.execute_workflow(
                LeaderDigestWorkflow.run,
                DigestRequest(day.isoformat()),
                id=f"digest-{uuid.uuid4()}",
                task_queue=task_queue,
            )

    monday = await digest(date(2026, 11, 23))
    assert monday.working_day and monday.queued >= 3  # one per leader of the demo district
    [wang] = _notices(engine, recipient="leader-wang", event="digest")
    assert (wang.channel, wang.status, wang.values()["date"]) == ("inapp", "sent", "11月23日")
    assert (await digest(date(2026, 11, 23))).queued == 0  # run again (a retried schedule): nothing twice
    sunday = await digest(date(2026, 11, 22))
    assert (sunday.working_day, sunday.queued) == (False, 0)
    adjusted = await digest(date(2026, 10, 1))  # 国庆节: a weekday that is not a working day
    assert (adjusted.working_day, adjusted.queued) == (False, 0)


async def test_a_petitioner_hears_of_registration_and_acceptance(
    client: Client, task_queue: str, engine: Engine, time_env: WorkflowEnvironment
):
    handle = await start_petition(client, task_queue)
    await to_handling(handle)
    code = handle.id.removeprefix("petition-")
    events = sorted(n.event for n in _notices(engine, subject_code=code, channel="sms"))
    assert events == ["xf_accepted", "xf_received"]  # 登记 and 受理告知, to the petitioner's mobile
    with time_env.auto_time_skipping_disabled():
        await client.execute_workflow(
            NotificationDispatchWorkflow.run,
            DispatchRequest(),
            id=f"dispatch-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    texts = [m.body for m in outbox(engine, "13900001111") if code in m.body]
    assert len(texts) == 2 and any("已受理" in t and "/track/xf/" in t for t in texts)


async def test_an_appointment_is_confirmed_and_reminded_the_day_before(
    client: Client, task_queue: str, engine: Engine, time_env: WorkflowEnvironment
):
    _, reg = await book(time_env, client, task_queue, engine)
    await sleep_until(time_env, reg.slot_at - timedelta(hours=23))
    events = sorted(n.event for n in _notices(engine, subject_code=reg.code, channel="sms"))
    assert events == ["appt_booked", "appt_reminder"]
