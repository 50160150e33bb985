"""Helpers for web tests: an app on the test's Temporal client and engine, and signed-in browsers."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from settings import Settings
from store.directory import DEMO_PASSWORD
from web.app import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HX_CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"')


def web_settings(task_queue: str, tmp_path: Path, **changes: Any) -> Settings:
    return Settings(
        liudan_env="dev",
        task_queue=task_queue,
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path}/read.db",
        temporal_ui_url="http://temporal-ui.test",
        # Case codes (and so workflow ids) stay unique on the session-wide test server.
        district_prefix="T" + uuid.uuid4().hex[:6].upper(),
        petition_prefix="X" + "".join(chr(65 + b % 26) for b in uuid.uuid4().bytes[:6]),
        **changes,
    )


@asynccontextmanager
async def running_app(settings: Settings, client: Any, engine: Any) -> AsyncIterator[FastAPI]:
    app = create_app(settings, temporal_client=client, engine=engine)
    async with app.router.lifespan_context(app):
        yield app


class Browser:
    """One person's browser: its own cookies and the CSRF token of the last page it loaded."""

    def __init__(self, app: FastAPI, client_addr: str = "10.0.0.1") -> None:
        transport = httpx.ASGITransport(app=app, client=(client_addr, 40000))
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.csrf = ""

    async def close(self) -> None:
        await self.http.aclose()

    def _remember(self, response: httpx.Response) -> None:
        found = CSRF.search(response.text) or HX_CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)

    async def get(self, url: str, *, htmx: bool = False, target: str = "", **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if htmx:
            headers = {**headers, "HX-Request": "true", "HX-Target": target}
        response = await self.http.get(url, headers=headers, **kwargs)
        self._remember(response)
        return response

    async def post(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        *,
        htmx: bool = False,
        target: str = "",
        csrf: bool = True,
        files: Any = None,
        **kwargs: Any,
    ) -> httpx.Response:
        data = dict(data or {})
        headers = kwargs.pop("headers", {})
        if csrf and htmx:
            headers["X-CSRF-Token"] = self.csrf
        elif csrf:
            data.setdefault("csrf_token", self.csrf)
        if htmx:
            headers.update({"HX-Request": "true", "HX-Target": target})
        response = await self.http.post(url, data=data, files=files, headers=headers, **kwargs)
        self._remember(response)
        return response

    async def login(self, username: str, password: str = DEMO_PASSWORD) -> httpx.Response:
        await self.get("/login")
        response = await self.post("/login", {"username": username, "password": password})
        if response.status_code == 303:
            await self.get("/cases")  # a page with the session's own CSRF token
        return response


# A resident's request as the portal's form sends it (湖滨社区, 西湖街道).
PORTAL_FORM = {
    "title": "垃圾桶满了没人清",
    "description": "湖滨小区3号垃圾桶已经三天没清运。",
    "category": "environment",
    "location": "湖滨小区3号楼",
    "community_org_id": "cm-hubin",
    "reporter_name": "王芳",
    "reporter_phone": "13912345678",
    "reporter_address": "湖滨小区3号楼1单元",
}


def registration_input(**changes: Any) -> Any:
    from web.services.cases import RegistrationInput

    values: dict[str, Any] = {
        "channel": "phone",
        "reporter_name": "张秀兰",
        "reporter_phone": "13812341234",
        "reporter_address": "清河小区3栋2单元501",
        "community_org_id": "cm-qinghe",
        "title": "小区门口路灯不亮",
        "description": "清河小区南门外三盏路灯已经坏了两周，晚上出行不安全。",
        "location": "清河小区南门",
    }
    values.update(changes)
    return RegistrationInput.model_validate(values)


async def new_case(app: FastAPI, registered_by: Any = None, **changes: Any) -> tuple[str, str]:
    """Registers a case through the service (for tests about what comes after); (code, token)."""
    from tests.utils.cases import GRID
    from web.services.cases import register_case

    state = app.state
    registered = await register_case(
        state.engine,
        state.temporal_client,
        state.settings,
        registration_input(**changes),
        registered_by or GRID,
    )
    return registered.code, registered.tracking_token


async def legacy_case(app: FastAPI, policy_id: str) -> str:
    """A case on a policy no longer offered for new cases (the 六单 path's old petition policy), as one
    registered before the change runs on: started as the registration service did, then projected."""
    from dataclasses import replace

    from store.codes import next_case_code
    from tests.utils.cases import projected, registration, start_case

    state = app.state
    code = next_case_code(state.engine, state.settings.district_prefix, 2026)
    reg = replace(registration(policy_id), code=code)
    handle = await start_case(state.temporal_client, state.settings.task_queue, reg, track=False)
    await projected(handle, state.engine)
    return code


async def decide_as(app: FastAPI, code: str, action: Any, payload: Any) -> Any:
    from web.services.cases import decide

    return await decide(app.state.temporal_client, code, action, payload)


async def shared_case(app: FastAPI, *, accepted: bool = True) -> tuple[str, str]:
    """A case dispatched to 区住建局 (lead) and 区城管局, both accepted unless told not; (code, token)."""
    from tests.utils.cases import CHENGGUAN, COMMUNITY, STREET, ZHUJIAN
    from workflows.types import (
        AcceptDecision,
        Action,
        Category,
        Difficulty,
        DispatchDecision,
        ReportUp,
        SignDecision,
        TriageDecision,
        Urgency,
    )

    code, token = await new_case(app)
    triage = TriageDecision(COMMUNITY, Urgency.URGENT, Category.INFRASTRUCTURE)
    await decide_as(app, code, Action.TRIAGE, triage)
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    two = DispatchDecision(
        STREET, ["dp-zhujian", "dp-chengguan"], Difficulty.ORDINARY, lead_department_id="dp-zhujian"
    )
    await decide_as(app, code, Action.DISPATCH, two)
    if accepted:
        await decide_as(app, code, Action.ACCEPT, AcceptDecision(ZHUJIAN, "今日到场"))
        await decide_as(app, code, Action.ACCEPT, AcceptDecision(CHENGGUAN, "配合处理"))
    return code, token


async def fingerprint(app: FastAPI, code: str) -> tuple[int, int, int]:
    """What a refused or invalid decision must leave as it was: the case's version, its timeline, and
    the Updates its history accepted. (The time-skipping server records a workflow task for a
    rejected Update, where a real server records nothing, so raw history length is no measure.)"""
    from temporalio.api.enums.v1 import EventType

    handle = app.state.temporal_client.get_workflow_handle(f"case-{code}")
    events = (await handle.fetch_history()).events
    accepted = sum(
        1 for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    )
    snap = await snapshot(app, code)
    return snap.version, len(snap.timeline), accepted


async def snapshot(app: FastAPI, code: str) -> Any:
    from web.services.cases import get_snapshot

    return await get_snapshot(app.state.temporal_client, code)


FORM_ACTION = re.compile(r'hx-post="/cases/[^/"]+/actions/([a-z_]+)"')
CODE = re.compile(r"\bT[A-Z0-9]{6}-\d{4}-\d{6}\b")


def forms_on(html: str) -> set[str]:
    """The decision forms a page offers."""
    return set(FORM_ACTION.findall(html))


def future_date(days: int = 40) -> str:
    from datetime import datetime, timedelta

    from workdays import SHANGHAI

    return (datetime.now(SHANGHAI) + timedelta(days=days)).date().isoformat()


def api_token(app: FastAPI, username: str) -> dict[str, str]:
    """Authorization headers with a fresh API token for `username` (issued as an admin would)."""
    from web.services.directory_admin import issue_token

    return {"Authorization": f"Bearer {issue_token(app.state.engine, username)}"}


def actor_of(app: FastAPI, username: str) -> Any:
    from sqlmodel import Session

    from store.models import User
    from web.services.cases import actor_for

    with Session(app.state.engine) as session:
        return actor_for(session.get(User, username), session)


async def overdue_drill_case(app: FastAPI, time_env: Any, *, handling: bool = False, **changes: Any) -> str:
    """A case under the `drill` policy (clocks in seconds) whose clock has run out: its report (the
    street's to supervise), or with `handling` its completion at 区住建局 (the linked leader's)."""
    import asyncio

    from sqlmodel import Session

    from store.models import Case
    from tests.utils.cases import COMMUNITY, STREET, ZHUJIAN
    from workflows.types import (
        AcceptDecision,
        Action,
        Category,
        Difficulty,
        DispatchDecision,
        ReportUp,
        SignDecision,
        TriageDecision,
        Urgency,
    )

    code, _ = await new_case(app, policy_id="drill", **changes)
    wait = 301  # the report clock is 300 s
    if handling:
        triage = TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE)
        await decide_as(app, code, Action.TRIAGE, triage)
        await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
        await decide_as(app, code, Action.SIGN, SignDecision(STREET))
        await decide_as(
            app, code, Action.DISPATCH, DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY)
        )
        await decide_as(app, code, Action.ACCEPT, AcceptDecision(ZHUJIAN, "已联系群众"))
        wait = 21  # the ordinary completion clock is 20 s
    await time_env.sleep(wait)
    for _ in range(100):
        with Session(app.state.engine) as session:
            if session.get(Case, code).overdue:
                return code
        await asyncio.sleep(0.05)
    raise AssertionError(f"{code} never became overdue")
