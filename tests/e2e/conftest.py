"""End-to-end fixtures: the real stack started the way `make run` starts it (Temporal dev server,
worker and web under `server.py --dev`), on free ports with its own data directory, and Debian's
Chromium driven by Playwright. No browser is ever downloaded."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.utils.stack import ROOT, dev_stack, wait_healthy

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


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
    dev = dev_stack(data, "liudan-e2e")
    # Every scenario's resident writes from 127.0.0.1 to one session-long service: the portal's limit
    # per address (tested on its own in tests/web) would refuse the later scenarios' ratings.
    dev.env["PORTAL_RATE_LIMIT"] = "1000"
    log = open(data / "server.log", "wb")  # closed below, after the process
    process = subprocess.Popen(
        [sys.executable, "server.py", "--dev"], cwd=ROOT, env=dev.env, stdout=log, stderr=subprocess.STDOUT
    )
    web = dev.web
    try:
        wait_healthy(web, process, data / "server.log")
        yield Stack(web=web, temporal_ui=dev.temporal_ui, data_dir=data)
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C: the runner stops web, worker and Temporal
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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
