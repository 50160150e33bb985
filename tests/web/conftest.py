"""Web test fixtures: the app on this test's Temporal client, worker and read model, and browsers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from settings import Settings
from store.backlogs import Backlog
from store.letters import Letter
from store.models import Case
from store.petitions import Petition
from store.reception import Appointment
from tests.conftest import started_time_env
from tests.utils.web import Browser, running_app, web_settings
from worker import build_worker
from workflows.appointment.ids import appointment_workflow_id
from workflows.backlog.ids import backlog_workflow_id
from workflows.mailbox.ids import letter_workflow_id
from workflows.petition.ids import petition_workflow_id
from workflows.types import Stage

OpenBrowser = Callable[..., Awaitable[Browser]]


@pytest.fixture(scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """The web tests' own time-skipping server: a case one of them leaves with timers running can
    never hold up another suite's time skips."""
    async with started_time_env() as env:
        yield env


@pytest.fixture
def app_settings(task_queue: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return web_settings(task_queue, tmp_path)


@pytest.fixture
async def client(  # type: ignore[no-untyped-def]
    time_env: WorkflowEnvironment, engine, task_queue: str, app_settings: Settings
) -> AsyncIterator[Client]:
    """The time-skipping client with a worker on the app's own settings: its background jobs (a ledger
    import) register cases with the app's code prefix and task queue, as the web's would."""
    async with build_worker(time_env.client, engine, task_queue, strict=True, settings=app_settings):
        yield time_env.client


@pytest.fixture
async def app(client, engine, app_settings: Settings) -> AsyncIterator[FastAPI]:  # type: ignore[no-untyped-def]
    async with running_app(app_settings, client, engine) as app:
        yield app
    await terminate_cases(client, engine)


async def terminate_cases(client, engine) -> None:  # type: ignore[no-untyped-def]
    """Ends the test's running workflows (cases, petitions, appointments, letters, 积案), so no timers
    outlive it on the shared time-skipping server: a timer that fires with no worker left for it
    stalls that server's clock, and a later test's long sleep then fails (h2 protocol error)."""
    with Session(engine) as session:
        codes = session.exec(select(Case.code).where(Case.stage != Stage.CLOSED.value)).all()
        open_ = {
            petition_workflow_id: Petition,
            appointment_workflow_id: Appointment,
            letter_workflow_id: Letter,
            backlog_workflow_id: Backlog,
        }
        others = [
            named(code)
            for named, model in open_.items()
            for code in session.exec(select(model.code).where(model.closed_at.is_(None))).all()  # type: ignore[attr-defined]
        ]
    for workflow_id in [f"case-{c}" for c in codes] + others:
        with contextlib.suppress(RPCError):
            await client.get_workflow_handle(workflow_id).terminate("test finished")


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[OpenBrowser]:
    """Opens a browser, signed in as `username` when given (each from its own client address)."""
    opened: list[Browser] = []

    async def open_browser(username: str | None = None, addr: str = "") -> Browser:
        b = Browser(app, addr or f"10.0.{len(opened) // 250}.{len(opened) % 250 + 1}")
        opened.append(b)
        if username:
            response = await b.login(username)
            assert response.status_code == 303, response.text
        return b

    yield open_browser
    for b in opened:
        await b.close()
