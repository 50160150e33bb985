"""The codec endpoint of the Temporal UI and CLI: admins read a case's personal data from its stored
history; nobody else does, and only the Temporal UI's origin may call it from a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from payloads import data_converter
from payloads.keys import new_entry
from tests.utils.web import Browser, api_token, new_case, running_app, web_settings
from tests.web.conftest import terminate_cases
from worker import build_worker

PHONE = "13812341234"  # registration_input()'s resident
UI = "http://temporal-ui.test"  # web_settings()'s TEMPORAL_UI_URL
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def app(time_env: WorkflowEnvironment, engine, task_queue, tmp_path) -> AsyncIterator[FastAPI]:  # type: ignore[no-untyped-def]
    """The app, its worker and its client all encrypting with one key, as in production."""
    settings = web_settings(task_queue, tmp_path, payload_keys=new_entry("k1"))
    client = Client(**{**time_env.client.config(), "data_converter": data_converter(settings)})
    async with build_worker(client, engine, task_queue), running_app(settings, client, engine) as app:
        yield app
    await terminate_cases(client, engine)


async def browser(app: FastAPI, username: str | None = None) -> Browser:
    b = Browser(app)
    if username:
        assert (await b.login(username)).status_code == 303
    return b


async def stored_input(app: FastAPI, time_env: WorkflowEnvironment) -> dict[str, Any]:
    """A new case's workflow input as the Temporal UI fetches it: from the server, still encrypted."""
    code, _ = await new_case(app)
    history = await time_env.client.get_workflow_handle(f"case-{code}").fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    body = json_format.MessageToDict(started.input)
    assert PHONE not in str(body) and body["payloads"][0]["metadata"]["encoding"]
    return body


async def test_an_admin_decodes_and_nobody_else_does(app: FastAPI, time_env: WorkflowEnvironment) -> None:
    body = await stored_input(app, time_env)

    anonymous = await browser(app)
    refused = await anonymous.http.post("/codec/decode", json=body)
    assert refused.status_code == 401 and refused.json()["detail"].startswith("请以系统管理员身份登录")
    officer = await browser(app, "community-qinghe")
    assert (await officer.http.post("/codec/decode", json=body)).status_code == 403
    token = api_token(app, "street-dongcheng")
    refused = await anonymous.http.post("/codec/decode", json=body, headers=token)
    assert refused.status_code == 403 and refused.json() == {
        "detail": "只有系统管理员可以解密 Temporal 中的个人信息。"
    }

    # The Temporal UI, with an admin's session cookie...
    admin = await browser(app, "admin")
    decoded = await admin.http.post(
        "/codec/decode", json=body, headers={"Origin": UI, "X-Namespace": "default"}
    )
    assert decoded.status_code == 200, decoded.text
    assert decoded.headers["access-control-allow-origin"] == UI
    assert decoded.headers["access-control-allow-credentials"] == "true"
    [payload] = json_format.ParseDict(decoded.json(), Payloads()).payloads
    assert payload.metadata["encoding"] == b"json/plain" and PHONE.encode() in payload.data
    # ...and the CLI, with an admin's API token.
    cli = await anonymous.http.post("/codec/decode", json=body, headers=api_token(app, "admin"))
    assert cli.status_code == 200 and cli.json() == decoded.json()

    # Encoding (the UI's start and signal forms) round-trips through decoding.
    encoded = await admin.http.post("/codec/encode", json=decoded.json())
    assert encoded.status_code == 200 and PHONE not in encoded.text
    assert (await admin.http.post("/codec/decode", json=encoded.json())).json() == decoded.json()


async def test_browsers_call_it_from_the_temporal_ui_only(
    app: FastAPI, time_env: WorkflowEnvironment
) -> None:
    admin = await browser(app, "admin")
    preflight = await admin.http.options(
        "/codec/decode",
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == UI
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "x-namespace" in preflight.headers["access-control-allow-headers"]
    elsewhere = await admin.http.options(
        "/codec/decode", headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "POST"}
    )
    assert elsewhere.status_code == 403 and "access-control-allow-origin" not in elsewhere.headers

    # A page elsewhere cannot ride on the admin's cookie: not from its origin, not as a form post.
    body = {"payloads": []}
    evil = await admin.http.post("/codec/decode", json=body, headers={"Origin": "http://evil.test"})
    assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers
    form = await admin.http.post(
        "/codec/decode", content=b'{"payloads": []}', headers={"Content-Type": "text/plain"}
    )
    assert form.status_code == 415
    assert (await admin.http.post("/codec/decode", json=body, headers={"Origin": UI})).json() == body


async def test_bad_requests_get_clear_answers(app: FastAPI, time_env: WorkflowEnvironment) -> None:
    body = await stored_input(app, time_env)
    admin = await browser(app, "admin")
    other = await admin.http.post("/codec/decode", json=body, headers={"X-Namespace": "elsewhere"})
    assert other.status_code == 400 and "default" in other.json()["detail"]
    garbled = await admin.http.post("/codec/decode", content=b"{not json", headers=JSON)
    assert garbled.status_code == 400
    body["payloads"][0]["metadata"]["encryption-key-id"] = "b2xk"  # "old": a key no longer listed
    lost = await admin.http.post("/codec/decode", json=body)
    assert lost.status_code == 422 and "old" in lost.json()["detail"]
