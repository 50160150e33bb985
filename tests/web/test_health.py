"""Probes and outages: /healthz answers while the process lives, /readyz says whether Temporal and the
database answer, and an officer meets an outage as a clear 503 within seconds, never a 500."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

import payloads
from store.db import make_engine
from tests.utils.stack import free_port
from tests.utils.web import Browser, api_token, registration_input, running_app, web_settings
from web.api import PREFIX
from web.i18n import TEXT


@pytest.fixture
async def outage_app(engine, task_queue, tmp_path) -> AsyncIterator[FastAPI]:  # type: ignore[no-untyped-def]
    """The app with Temporal down: its client (made as the web makes it) points at a closed port."""
    settings = web_settings(task_queue, tmp_path, temporal_address=f"127.0.0.1:{free_port()}")
    client: Client = await payloads.connect(settings, lazy=True)
    async with running_app(settings, client, engine) as app:
        yield app


async def test_ready_when_temporal_and_the_database_answer(app: FastAPI) -> None:
    probe = Browser(app)
    assert (await probe.get("/healthz")).json() == {"status": "ok"}
    ready = await probe.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"temporal": "ok", "database": "ok"}


async def test_not_ready_without_the_database(app: FastAPI) -> None:
    probe = Browser(app)
    officer = Browser(app, "10.0.9.1")
    assert (await officer.login("community-qinghe")).status_code == 303
    token = api_token(app, "community-qinghe")
    working = app.state.engine
    app.state.engine = make_engine(f"postgresql+psycopg://liudan@127.0.0.1:{free_port()}/liudan")
    try:
        ready = await probe.get("/readyz")
        assert ready.status_code == 503 and ready.json() == {"temporal": "ok", "database": "unavailable"}
        assert (await probe.get("/healthz")).status_code == 200  # alive all the same
        page = await officer.get("/")
        assert page.status_code == 503 and TEXT["error_503_database"] in page.text
        api = await probe.http.get(f"{PREFIX}/me", headers=token)
        assert api.status_code == 503 and api.json() == {"detail": TEXT["error_503_database"]}
    finally:
        app.state.engine.dispose()
        app.state.engine = working


async def test_temporal_down_is_a_clear_503_within_seconds(outage_app: FastAPI) -> None:
    probe = Browser(outage_app)
    ready = await probe.get("/readyz")
    assert ready.status_code == 503 and ready.json() == {"temporal": "unavailable", "database": "ok"}

    began = time.monotonic()
    registered = await probe.http.post(
        f"{PREFIX}/cases",
        json=registration_input().model_dump(mode="json"),
        headers=api_token(outage_app, "grid-qinghe"),
    )
    assert registered.status_code == 503 and registered.json() == {"detail": TEXT["error_503_detail"]}
    assert registered.headers["retry-after"] == "5"

    officer = Browser(outage_app)
    assert (await officer.login("grid-qinghe")).status_code == 303
    await officer.get("/cases/new")
    form = registration_input().model_dump(mode="json", exclude={"attachments", "received_at", "category"})
    page = await officer.post("/cases", form)
    assert page.status_code == 503 and TEXT["error_503_detail"] in page.text
    assert time.monotonic() - began < 10


async def test_temporal_errors_no_service_caught_are_503_for_outages_and_500_for_bugs(app: FastAPI) -> None:
    """The safety net behind CaseUnavailable: an Update past its deadline, or Temporal unreachable,
    reaching a route uncaught is still a 503; any other Temporal error is a bug and says so."""
    raised: dict[str, Exception] = {
        "update-timeout": WorkflowUpdateRPCTimeoutOrCancelledError(),
        "unreachable": RPCError("tcp connect error", RPCStatusCode.UNAVAILABLE, b""),
        "bug": RPCError("bad request", RPCStatusCode.INVALID_ARGUMENT, b""),
    }

    async def fail(name: str) -> None:
        raise raised[name]

    app.add_api_route(f"{PREFIX}/test-failure/{{name}}", fail)
    probe = Browser(app)
    for name, status in (("update-timeout", 503), ("unreachable", 503), ("bug", 500)):
        answer = await probe.http.get(f"{PREFIX}/test-failure/{name}")
        assert answer.status_code == status, name
    assert (await probe.http.get(f"{PREFIX}/test-failure/unreachable")).json() == {
        "detail": TEXT["error_503_detail"]
    }
