"""End-to-end fixtures: the real stack started the way `make run` starts it (Temporal dev server,
worker and web under `server.py --dev`), on free ports with its own data directory, and Debian's
Chromium driven by Playwright. No browser is ever downloaded."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    web: str
    temporal_ui: str
    data_dir: Path


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    data = tmp_path_factory.mktemp("stack")
    web_port, temporal_port, ui_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "LIUDAN_ENV": "dev",
        "DATA_DIR": str(data),
        "WEB_PORT": str(web_port),
        "TEMPORAL_PORT": str(temporal_port),
        "TEMPORAL_UI_PORT": str(ui_port),
        "TASK_QUEUE": "liudan-e2e",
    }
    for name in ("DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_UI_URL"):
        env.pop(name, None)
    log = open(data / "server.log", "wb")  # closed below, after the process
    process = subprocess.Popen(
        [sys.executable, "server.py", "--dev"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    web = f"http://127.0.0.1:{web_port}"
    try:
        _wait_healthy(web, process, data / "server.log")
        yield Stack(web=web, temporal_ui=f"http://127.0.0.1:{ui_port}", data_dir=data)
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C: the runner stops web, worker and Temporal
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_healthy(web: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server.py --dev exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{web}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the stack did not come up in {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        await browser.close()


class Shots:
    """Screenshots of each step under tests/e2e/artifacts/<test>/NN-name.png, to look at."""

    def __init__(self, name: str) -> None:
        self.dir = ARTIFACTS / name
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.n = 0

    async def __call__(self, page: Page, step: str) -> None:
        self.n += 1
        await page.screenshot(path=str(self.dir / f"{self.n:02d}-{step}.png"), full_page=True)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)
