"""Fixtures for the workflow tests: a real (dev) Temporal server for proving that refusals write
nothing, and clean-up of the cases a test leaves running."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.utils.binaries import venv_binary
from tests.utils.cases import terminate_started
from worker import build_worker
from workflows import search_attributes


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The `temporal` dev server. Unlike the time-skipping test server it runs Update validators on
    speculative workflow tasks, so a refused decision leaves the history exactly as it was."""
    path = venv_binary("temporal")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=path, search_attributes=search_attributes.ALL
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def dev_client(dev_env: WorkflowEnvironment, engine: Engine, task_queue: str) -> AsyncIterator[Client]:
    async with build_worker(dev_env.client, engine, task_queue, strict=True):
        yield dev_env.client


@pytest.fixture(autouse=True)
async def _terminate_cases() -> AsyncIterator[None]:
    # The time-skipping server is shared by the session: a case left running would keep its timers.
    yield
    await terminate_started()
