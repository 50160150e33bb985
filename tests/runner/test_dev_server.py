"""`python server.py --dev` (make run) supervises the Temporal dev server and the worker, each a child
process: one that dies is restarted and the service is ready again, and SIGTERM stops the whole
process tree within 10 s."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.utils.stack import ROOT, dev_stack, wait_healthy

RESTARTED_WITHIN = 30.0
STOPPED_WITHIN = 10.0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def child_running(pid: int, marker: bytes) -> int | None:
    """The child of `pid` whose command line has the argument `marker`."""
    for child in children(pid):
        try:
            cmdline = (Path("/proc") / str(child) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(arg == marker or arg.endswith(b"/" + marker) for arg in cmdline):
            return child
    return None


def temporal_child(pid: int) -> int | None:
    return child_running(pid, b"start-dev")


def worker_child(pid: int) -> int | None:
    return child_running(pid, b"worker.py")


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def readiness(web: str) -> dict[str, str] | None:
    try:
        with urllib.request.urlopen(f"{web}/readyz", timeout=3) as response:
            return json.loads(response.read())
    except (OSError, urllib.error.HTTPError):
        return None


def wait_until(condition, within: float, what: str, log: Path):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{what} not within {within:.0f} s:\n{log.read_text()[-3000:]}")


def test_a_dead_temporal_or_worker_comes_back_and_sigterm_stops_everything(tmp_path: Path) -> None:
    dev = dev_stack(tmp_path, "liudan-runner")
    web = dev.web
    log_path = tmp_path / "server.log"
    log = open(log_path, "wb")
    server = subprocess.Popen(
        [sys.executable, "server.py", "--dev"], cwd=ROOT, env=dev.env, stdout=log, stderr=subprocess.STDOUT
    )
    temporal: int | None = None
    worker: int | None = None
    try:
        wait_healthy(web, server, log_path)
        ready = {"temporal": "ok", "database": "ok"}
        wait_until(lambda: readiness(web) == ready, 60, "ready", log_path)
        first = temporal = temporal_child(server.pid)
        assert first is not None

        os.kill(first, signal.SIGKILL)
        temporal = wait_until(
            lambda: (pid := temporal_child(server.pid)) != first and pid,
            RESTARTED_WITHIN,
            "restarted",
            log_path,
        )
        wait_until(lambda: readiness(web) == ready, RESTARTED_WITHIN, "ready again", log_path)
        assert "restarting it in 1 s" in log_path.read_text()

        # The worker is a process of its own (not the web's), restarted likewise; its log lines show.
        dead_worker = worker = worker_child(server.pid)
        assert worker is not None and "worker running on task queue liudan-runner" in log_path.read_text()
        os.kill(dead_worker, signal.SIGKILL)
        worker = wait_until(
            lambda: (pid := worker_child(server.pid)) != dead_worker and pid,
            RESTARTED_WITHIN,
            "worker restarted",
            log_path,
        )
        assert "The worker exited with code -9; restarting it in 1 s" in log_path.read_text()

        began = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=STOPPED_WITHIN)
        assert time.monotonic() - began < STOPPED_WITHIN
        assert not alive(temporal), "the Temporal dev server outlived the runner"
        assert not alive(worker), "the worker outlived the runner"
        assert "Liudan stopped." in log_path.read_text()
    finally:
        if server.poll() is None:
            server.kill()
        for child in (temporal, worker):
            if child and alive(child):
                os.kill(child, signal.SIGKILL)
        log.close()
