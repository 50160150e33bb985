"""Two of everything: one Temporal dev server and one PostgreSQL read model (a database of this test's
own, made and dropped here), two `python worker.py` and two web processes (uvicorn, as deploy/ runs
them, in production mode). Any web process serves any officer, the workers share the work and one
carries on when the other dies, and the rate limits hold across both web processes.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from temporalio.api.enums.v1 import EventType, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from payloads.keys import new_entry
from server import dev_server_command
from settings import Settings
from store.db import create_schema, make_engine
from tests.conftest import POSTGRES_URL, _postgres_available
from tests.utils.directory import seed_directory
from tests.utils.stack import NOT_INHERITED, ROOT, free_port
from web.security import SESSION_COOKIE

pytestmark = pytest.mark.postgres

STARTUP_SECONDS = 60
PORTAL_LIMIT = 4  # unknown tracking links per address and window, on both web processes together
LOGIN_LIMIT = 30  # failed logins per address (web.ratelimit.LOGIN_FAILURES_PER_ADDRESS)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
INTAKE_KEY = re.compile(r'name="intake_key" value="([^"]+)"')
CODE = re.compile(r"\bHJ-\d{4}-\d{6}\b")
TRIAGED = "<dd>合理急办</dd>"  # the case page's urgency, "—" until the community triages
CASE = {
    "channel": "phone",
    "reporter_name": "赵六",
    "reporter_phone": "13700001111",
    "community_org_id": "cm-qinghe",
    "title": "噪音扰民",
    "description": "夜间施工噪音。",
}


class Child:
    """A process of the stack, in its own session, its output in `log`."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self) -> str:
        return f"--- {self.name} ---\n{self.log.read_text(errors='replace')[-2000:]}"

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Visitor:
    """One browser on whichever web process a request names. Production cookies are Secure, which an
    HTTP client keeps off plain http://, so this one carries them itself: the same cookie to A and B."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    async def request(self, method: str, url: str, data: dict[str, str] | None = None) -> httpx.Response:
        if data is not None:
            data = {"csrf_token": self.csrf, **data}
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await self.http.request(
            method, url, data=data, headers={"Cookie": cookie} if cookie else {}
        )
        self.http.cookies.clear()
        self.cookies.update(response.cookies)
        if found := CSRF.search(response.text):
            self.csrf = found.group(1)
        return response

    async def login(self, web: str, username: str, password: str = "liudan2026") -> httpx.Response:
        await self.request("GET", f"{web}/login")
        return await self.request("POST", f"{web}/login", {"username": username, "password": password})


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards (other tests' tables are never touched)."""
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests must run in CI, but {POSTGRES_URL} is unreachable")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    name = f"liudan_two_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    create_schema(engine)
    seed_directory(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def until(condition: Any, what: str, children: list[Child], within: float = STARTUP_SECONDS) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if found := await condition():
            return found
        await asyncio.sleep(0.25)
    raise AssertionError(f"{what} not within {within:.0f} s\n" + "\n".join(c.tail() for c in children))


async def pollers(client: Client, task_queue: str) -> set[str]:
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    return {p.identity for p in (await client.workflow_service.describe_task_queue(request)).pollers}


async def workers_of(client: Client, code: str) -> list[str]:
    """The identities (pid@host) of the workers that completed the case's workflow tasks, in order."""
    history = await client.get_workflow_handle(f"case-{code}").fetch_history()
    done = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    return [
        e.workflow_task_completed_event_attributes.identity for e in history.events if e.event_type == done
    ]


async def test_two_workers_and_two_webs_share_one_temporal_and_one_postgres(
    tmp_path: Path, database: str
) -> None:
    temporal_port, task_queue = free_port(), f"liudan-two-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        LIUDAN_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        PAYLOAD_KEYS=new_entry(),
        DATABASE_URL=database,
        TEMPORAL_ADDRESS=f"127.0.0.1:{temporal_port}",
        TASK_QUEUE=task_queue,
        DATA_DIR=str(tmp_path / "data"),
        WORKER_METRICS_PORT="0",
        PORTAL_RATE_LIMIT=str(PORTAL_LIMIT),
        # A decision on a case whose worker was killed waits for Temporal to give up on that worker's
        # sticky queue (10 s) before the other worker takes it.
        TEMPORAL_RPC_TIMEOUT_SECONDS="30",
        LOG_FORMAT="text",
    )
    dev = Settings(
        liudan_env="dev", data_dir=tmp_path, temporal_port=temporal_port, temporal_ui_port=free_port()
    )
    children = [Child("temporal", dev_server_command(dev), env, tmp_path / "temporal.log")]
    try:
        client = await until(lambda: _connect(env["TEMPORAL_ADDRESS"]), "Temporal", children)
        workers = [
            Child(f"worker {n}", [sys.executable, "worker.py"], env, tmp_path / f"worker{n}.log")
            for n in (1, 2)
        ]
        webs: list[str] = []
        for n in (1, 2):
            port = free_port()
            command = [sys.executable, "-m", "uvicorn", "--factory", "web.app:create_app"]
            command += ["--host", "127.0.0.1", "--port", str(port), "--no-proxy-headers"]
            children.append(Child(f"web {n}", command, env, tmp_path / f"web{n}.log"))
            webs.append(f"http://127.0.0.1:{port}")
        children += workers
        a, b = webs
        identity = {w.pid: w for w in workers}

        async def both_poll() -> bool:
            found = {int(i.split("@")[0]) for i in await pollers(client, task_queue)}
            return found >= identity.keys()

        await until(both_poll, "both workers polling", children)
        async with httpx.AsyncClient(timeout=60) as http:

            async def both_ready() -> bool:
                for web in webs:
                    try:
                        ready = await http.get(f"{web}/readyz")
                    except httpx.TransportError:
                        return False
                    if ready.json() != {"temporal": "ok", "database": "ok"}:
                        return False
                return True

            await until(both_ready, "both web processes ready", children)

            # An officer signs in on A; the same session cookie serves them on B.
            grid = Visitor(http)
            assert (await grid.login(a, "grid-qinghe")).status_code == 303
            assert SESSION_COOKIE in grid.cookies
            form = await grid.request("GET", f"{b}/cases/new")
            assert form.status_code == 200 and INTAKE_KEY.search(form.text)
            # A case registered through A...
            key = INTAKE_KEY.search(form.text).group(1)  # type: ignore[union-attr]
            filed = await grid.request("POST", f"{a}/cases", {**CASE, "intake_key": key})
            assert filed.status_code == 303, filed.text
            result = await grid.request("GET", f"{b}{filed.headers['location']}")
            code = CODE.search(result.text).group(0)  # type: ignore[union-attr]
            first = (await workers_of(client, code))[0]
            community = Visitor(http)
            assert (await community.login(b, "community-qinghe")).status_code == 303
            before = await community.request("GET", f"{a}/cases/{code}")
            assert before.status_code == 200 and TRIAGED not in before.text
            # ...its worker killed, so the other has to take the case up...
            died = identity[int(first.split("@")[0])]
            died.stop(signal.SIGKILL)
            # ...is decided through B by an officer signed in there, and both processes show it.
            triage = {"urgency": "urgent", "category": "environment"}
            decided = await community.request("POST", f"{b}/cases/{code}/actions/triage", triage)
            assert decided.status_code == 303, decided.text
            for web in webs:
                page = await community.request("GET", f"{web}/cases/{code}")
                assert page.status_code == 200 and TRIAGED in page.text, web
            took = set(await workers_of(client, code))
            assert len(took) == 2 and first in took, f"the case's workflow tasks were done by {took}"

            # Unknown tracking links: counted across A and B together, the limit holds on both.
            misses = [
                (await http.get(f"{webs[n % 2]}/track/{'x' * 43}")).status_code for n in range(PORTAL_LIMIT)
            ]
            assert misses == [404] * PORTAL_LIMIT
            assert [(await http.get(f"{web}/track/{'x' * 43}")).status_code for web in webs] == [429, 429]

            # Failed logins too (a new username each time: only the per-address limit applies).
            prober = Visitor(http)
            await prober.request("GET", f"{a}/login")
            failed = [
                (
                    await prober.request(
                        "POST", f"{webs[n % 2]}/login", {"username": f"nobody{n}", "password": "x"}
                    )
                )
                for n in range(LOGIN_LIMIT)
            ]
            assert [r.status_code for r in failed] == [401] * LOGIN_LIMIT
            for web in webs:
                refused = await prober.request(
                    "POST", f"{web}/login", {"username": "nobody", "password": "x"}
                )
                assert refused.status_code == 429, web
    finally:
        for child in reversed(children):
            child.stop()


async def _connect(address: str) -> Client | None:
    try:
        return await Client.connect(address)
    except RuntimeError:
        return None
