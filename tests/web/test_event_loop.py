"""No `async def` route or service blocks the event loop (issue 13): a database call or a password hash
made on the loop stops every other request until it ends. Two guards:

- a static scan of web/ (`tests.web.loop_scan`): no `async def` calls, on the loop, a plain function
  that opens a database session or hashes a password, however deep the call;
- a few routes run for real while their blocking part is held open, and another request is served
  meanwhile (the pattern of `test_login_loop`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import web.routes.ledger as ledger_route
import web.routes.portal as portal_route
import web.services.directory_admin as directory_admin
from tests.web.loop_scan import Scan


def test_no_async_def_in_web_calls_the_database_or_hashes_on_the_loop() -> None:
    findings = Scan().findings("web")
    assert not findings, (
        "blocking work on the event loop; use asyncio.to_thread or a plain def:\n"
        + "\n".join(map(str, findings))
    )


@dataclass(frozen=True)
class Held:
    """A request whose blocking part (`module.name`) the test holds open."""

    module: Any
    name: str
    officer: str | None  # signed in as, or a resident
    form_page: str  # loaded first, for its CSRF token
    method: str
    url: str
    data: dict[str, str]
    status: int


HELD = {
    "admin creates a user (argon2)": Held(
        directory_admin, "hash_password", "admin", "/admin/users", "POST", "/admin/users",
        {"username": "grid-loop", "display_name": "网格员", "role": "grid_worker", "org_id": "cm-qinghe",
         "password": "long-enough-1"},
        303,
    ),
    "admin creates an org": Held(
        directory_admin, "create_org", "admin", "/admin/orgs", "POST", "/admin/orgs",
        {"id": "dp-loop", "name": "测试局", "kind": "department"}, 303,
    ),
    "the portal shows a refused request again": Held(
        portal_route, "communities_for", None, "/portal", "POST", "/portal", {"title": ""}, 422
    ),
    "the ledger's export": Held(
        ledger_route, "select_figures", "leader-wang", "/ledger", "GET", "/ledger/export.csv", {}, 200
    ),
}  # fmt: skip


@pytest.mark.parametrize("held", HELD.values(), ids=HELD.keys())
async def test_another_request_is_served_while_the_blocking_part_runs(
    app: Any, browser: Any, monkeypatch: pytest.MonkeyPatch, held: Held
) -> None:
    started = threading.Event()  # the blocking part has begun
    release = threading.Event()  # the test lets it finish
    inside: list[bool] = []
    real: Callable[..., Any] = getattr(held.module, held.name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        # Holds its thread until the test releases it. Run on the event loop, it would stop the loop
        # (and the other request) until the 5-second timeout.
        inside.append(True)
        started.set()
        release.wait(timeout=5)
        inside.pop()
        return real(*args, **kwargs)

    person = await browser(held.officer)
    await person.get(held.form_page)
    monkeypatch.setattr(held.module, held.name, slow)
    other = await browser()
    if held.method == "POST":
        request = asyncio.create_task(person.post(held.url, held.data))
    else:
        request = asyncio.create_task(person.get(held.url))
    try:
        assert await asyncio.wait_for(asyncio.to_thread(started.wait, 5), 6)
        page = await asyncio.wait_for(other.get("/login"), 3)
        assert page.status_code == 200
        assert inside, f"the other request was served only after {held.name} had ended"
    finally:
        release.set()
    response = await asyncio.wait_for(request, 15)
    assert response.status_code == held.status, response.text
