"""A deadline warning makes exactly one notice and one SMS across worker crashes at the two worst moments:
right after the projection that queued it committed (the workflow retries that projection on the next
worker), and right after its SMS was written to the outbox (the dispatcher retries that delivery on
the next worker). A real `temporal` dev server, real worker processes killed with SIGKILL, a drill case
whose clocks run in seconds.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import payloads
from server import dev_server_command
from settings import Settings
from store.db import create_schema, make_engine
from store.models import User
from store.notifications import Notification
from store.notify_contacts import outbox
from tests.chaos.test_kill9 import Child
from tests.utils.cases import ZHUJIAN, registration, start_case, to_handle
from tests.utils.directory import seed_directory
from tests.utils.stack import dev_stack
from workflows.notify.dispatch import NotificationDispatchWorkflow
from workflows.notify.types import DispatchReport, DispatchRequest

pytestmark = pytest.mark.chaos
OFFICER_PHONE = "13700002222"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Settings, Child, Child, Engine]]:
    dev = dev_stack(tmp_path, "liudan-notice-crash")
    env = {
        **dev.env,
        "TEMPORAL_ADDRESS": f"127.0.0.1:{dev.temporal_port}",
        "DATABASE_URL": f"sqlite:///{tmp_path}/read.db",
        "CRASH_DIR": str(tmp_path),
        "WORKER_METRICS_PORT": "0",
        "NOTIFY_QUIET_HOURS": "",  # the test runs at any hour
        "NOTIFY_INTERVAL_SECONDS": "3600",  # the test runs the dispatcher itself
    }
    settings = Settings(
        liudan_env="dev", data_dir=tmp_path, temporal_address=env["TEMPORAL_ADDRESS"],
        database_url=env["DATABASE_URL"], task_queue=env["TASK_QUEUE"], temporal_port=dev.temporal_port,
        temporal_ui_port=int(env["TEMPORAL_UI_PORT"]),
    )  # fmt: skip
    payloads.data_converter(settings)  # the dev payload key, before two processes race for it
    engine = make_engine(settings.database_url)
    create_schema(engine)
    seed_directory(engine)
    with Session(engine) as session:
        officer = session.get(User, ZHUJIAN.user_id)
        assert officer is not None
        officer.phone = OFFICER_PHONE
        session.add(officer)
        session.commit()
    temporal = Child("temporal", dev_server_command(settings), env, tmp_path / "temporal.log")
    worker = Child(
        "worker", [sys.executable, "-m", "tests.chaos.notice_crash_worker"], env, tmp_path / "worker.log"
    )
    temporal.start()
    worker.start()
    yield settings, temporal, worker, engine
    worker.stop()
    temporal.stop()
    engine.dispose()


async def _until(condition, seconds: float, worker: Child, what: str) -> None:  # type: ignore[no-untyped-def]
    """Waits for `condition`, restarting the worker whenever it has died (as systemd would)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not worker.alive():
            worker.start()
        if condition():
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"{what} within {seconds}s; worker log:\n{worker.log.read_text()[-3000:]}")


def _warnings(engine: Engine, code: str) -> list[Notification]:
    with Session(engine) as session:
        query = select(Notification).where(
            Notification.subject_code == code,
            Notification.event == "warning",
            Notification.recipient == ZHUJIAN.user_id,
        )
        return list(session.exec(query))


async def test_a_warning_is_one_notice_and_one_sms_across_two_crashes(stack, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings, _temporal, worker, engine = stack
    client = None
    for _ in range(60):  # the dev server takes a few seconds to listen
        try:
            client = await payloads.connect(settings)
            break
        except RuntimeError:
            await asyncio.sleep(0.5)
    assert client is not None
    handle = await start_case(client, settings.task_queue, registration(policy_id="drill"), track=False)
    try:
        await to_handle(handle)  # dispatched to 区住建局 and accepted: its 20-second completion clock runs
        code = handle.id.removeprefix("case-")

        # Crash 1: the worker dies right after the projection that queued the warning committed.
        await _until(lambda: (tmp_path / "projection").exists(), 60, worker, "the warning's projection")
        await _until(lambda: worker.alive(), 10, worker, "the worker restarted")

        # Crash 2: the dispatcher's delivery dies right after writing the SMS to the outbox.
        dispatching = asyncio.create_task(
            client.execute_workflow(
                NotificationDispatchWorkflow.run,
                DispatchRequest(timeout_seconds=5),
                id=f"dispatch-{uuid.uuid4()}",
                task_queue=settings.task_queue,
            )
        )
        await _until(
            lambda: (tmp_path / "sms").exists() or dispatching.done(), 60, worker, "the warning's SMS"
        )
        await _until(lambda: dispatching.done(), 60, worker, "the delivery retried on the next worker")
        report: DispatchReport = dispatching.result()
        assert report.failed == []
        assert (tmp_path / "projection").exists() and (tmp_path / "sms").exists(), "both crashes happened"
        assert worker.kills == 0  # it killed itself, twice; the test only restarted it

        [notice] = [n for n in _warnings(engine, code) if n.channel == "sms"]
        assert (notice.status, notice.attempts) == ("sent", 2)
        texts = [m for m in outbox(engine, OFFICER_PHONE) if "即将超期" in m.body]
        assert len(texts) == 1 and code in texts[0].body
        assert {n.channel for n in _warnings(engine, code)} == {"inapp", "sms"}  # one of each, no more
        assert len(_warnings(engine, code)) == 2
    finally:
        await handle.terminate("test finished")
