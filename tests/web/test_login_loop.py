"""Signing in never blocks the event loop: while one officer's password is being checked (argon2,
tens of milliseconds of CPU, or longer under load), every other request is still served."""

from __future__ import annotations

import asyncio
import threading

import web.services.auth as auth
from store.directory import DEMO_PASSWORD


async def test_other_requests_are_served_while_a_password_is_checked(app, browser, monkeypatch):
    checking = threading.Event()  # the password check has begun
    release = threading.Event()  # the test lets it finish
    in_check = []
    real = auth.verify_password

    def slow_verify(password: str, password_hash: str) -> bool:
        # Stands for a hash that takes long: it holds its thread until the test releases it. Were it
        # run on the event loop, the loop would stand still until the 5-second timeout.
        in_check.append(True)
        checking.set()
        release.wait(timeout=5)
        in_check.pop()
        return real(password, password_hash)

    monkeypatch.setattr(auth, "verify_password", slow_verify)
    officer, other = await browser(), await browser()
    await officer.get("/login")
    login = asyncio.create_task(
        officer.post("/login", {"username": "street-dongcheng", "password": DEMO_PASSWORD})
    )
    try:
        assert await asyncio.wait_for(asyncio.to_thread(checking.wait, 5), 6)
        page = await asyncio.wait_for(other.get("/login"), 3)
        assert page.status_code == 200
        assert in_check, "the other request was served only after the password check had ended"
    finally:
        release.set()
    signed_in = await asyncio.wait_for(login, 10)
    assert signed_in.status_code == 303
