"""The real stack as `make run` starts it (`server.py --dev`), for the tests that run it as a process:
free ports, its environment, and waiting until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120
# Settings a developer's shell may hold that would point the stack somewhere else.
NOT_INHERITED = ("DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_UI_URL", "PAYLOAD_KEYS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DevStack:
    env: dict[str, str]  # for server.py --dev (or worker.py) on its own ports and data directory
    web: str
    temporal_ui: str
    temporal_port: int


def dev_stack(data_dir: Path, task_queue: str) -> DevStack:
    web_port, temporal_port, ui_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        LIUDAN_ENV="dev",
        DATA_DIR=str(data_dir),
        WEB_PORT=str(web_port),
        TEMPORAL_PORT=str(temporal_port),
        TEMPORAL_UI_PORT=str(ui_port),
        TASK_QUEUE=task_queue,
        # The worker's own metrics endpoint, on a port of its own too.
        WORKER_METRICS_PORT=str(free_port()),
    )
    return DevStack(env, f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{ui_port}", temporal_port)


def wait_healthy(web: str, process: subprocess.Popen[bytes], log: Path) -> None:
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
