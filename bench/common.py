"""What every benchmark shares: the dev server `make run` uses, percentiles, RSS, result lines.

Each bench script prints human lines and, last, one `RESULT {json}` line that `run_all.py` collects.
Figures are always printed beside the bare-Temporal figure measured in the same run, as a ratio.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.client import Client  # noqa: E402

from tests.utils.binaries import venv_binary  # noqa: E402
from workflows import search_attributes  # noqa: E402

# Warnings only: the app configures logging only where nobody has (liudan_logging.configure_logging),
# and an INFO line per request would cost more than some of what is measured.
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # so that a SIGTERM (run_all stopped) still stops the servers we started


signal.signal(signal.SIGTERM, _interrupted)

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_liudan"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DevServer:
    process: subprocess.Popen[bytes]
    address: str
    db_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def dev_server_args(db_path: Path, port: int) -> list[str]:
    """`server.dev_server_command` without the UI: the same binary, SQLite file and pragmas."""
    cmd = [
        venv_binary("temporal"), "server", "start-dev",
        "--db-filename", str(db_path),
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=1",
        "--ip", "127.0.0.1", "--port", str(port), "--headless",
        "--log-level", "error",
    ]  # fmt: skip
    for name, kind in search_attributes.CLI_TYPE_NAMES.items():
        cmd += ["--search-attribute", f"{name}={kind}"]
    return cmd


@asynccontextmanager
async def dev_server(workdir: Path) -> AsyncIterator[DevServer]:
    """Temporal's dev server as `make run` starts it (SQLite, WAL, synchronous=1, the case search
    attributes), as a child process whose pid we know (for its RSS); killed on exit."""
    port = free_port()
    db_path = workdir / "temporal.db"
    process = spawn(dev_server_args(db_path, port), workdir / "temporal.log")
    address = f"127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                client = await Client.connect(address)
                await client.count_workflows()
                break
            except Exception:
                await asyncio.sleep(0.1)
        else:
            raise RuntimeError(f"the dev server did not start; see {workdir / 'temporal.log'}")
        yield DevServer(process, address, db_path)
    finally:
        stop(process)


def spawn(argv: list[str], log_path: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
    """A child in its own session (a Ctrl-C of the benchmark reaches the benchmark, which stops it)."""
    with open(log_path, "ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)


async def poll_until(check: Callable[[], bool], every: float = 0.2) -> None:
    """Waits until `check` (run in a thread: it reads a database another process writes) is true."""
    while True:
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(every)


def stop(process: subprocess.Popen[bytes], within: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_mb(pid: int) -> float:
    """Resident set size of one process, MiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def file_mb(*paths: Path) -> float:
    """Size on disk of the files (and their -wal/-shm companions), MiB."""
    total = 0
    for p in paths:
        for q in (p, p.with_name(p.name + "-wal"), p.with_name(p.name + "-shm")):
            if q.exists():
                total += q.stat().st_size
    return total / 2**20


def p50(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: Sequence[float]) -> float:
    """The same nearest-rank p95 the first benchmarks used."""
    s = sorted(values)
    return s[max(0, int(len(s) * 0.95) - 1)] if s else float("nan")


def verdict(ratio: float, goal: float, higher_is_better: bool = True) -> str:
    met = ratio >= goal if higher_is_better else ratio <= goal
    return f"{'met' if met else 'NOT met'} (goal {'≥' if higher_is_better else '≤'} {goal:g})"


def result(goal: str, **figures: Any) -> None:
    """The machine-readable line run_all.py collects."""
    print("RESULT " + json.dumps({"goal": goal, **figures}, ensure_ascii=False, default=str), flush=True)


def bench_env(**changes: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(changes)
    return env


def ensure_pg_database(url: str) -> None:
    """Creates the benchmark's own PostgreSQL database if it is missing (never touches `test`)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    assert target.database and target.database.startswith("bench"), "benchmarks use a bench_* database"
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database}
        ).first()
        if not found:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def reset_read_model(engine: Any) -> None:
    """An empty read model at the newest migration, with the demo directory."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    from store.db import create_schema
    from tests.utils.directory import seed_directory

    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    create_schema(engine)
    seed_directory(engine)


def worker_env(
    address: str, task_queue: str, database_url: str, data_dir: Path, **extra: str
) -> dict[str, str]:
    """What `python worker.py` reads (see settings.py): dev mode (its payload key in DATA_DIR), no
    metrics port (two workers on one machine), human log lines."""
    return bench_env(
        LIUDAN_ENV="dev",
        TEMPORAL_ADDRESS=address,
        TEMPORAL_NAMESPACE="default",
        TASK_QUEUE=task_queue,
        DATABASE_URL=database_url,
        DATA_DIR=str(data_dir),
        WORKER_METRICS_PORT="0",
        LOG_FORMAT="text",
        **extra,
    )


async def start_workers(
    count: int, env: dict[str, str], workdir: Path, script: Path | None = None
) -> list[subprocess.Popen[bytes]]:
    """`count` worker processes (worker.py, or a wrapper of it), each ready (polling) on return."""
    script = script or ROOT / "worker.py"
    # cwd: the work dir, so that no .env of the checkout changes what the benchmark sets.
    processes = [
        spawn([sys.executable, str(script)], workdir / f"worker-{i}.log", env=env, cwd=workdir)
        for i in range(count)
    ]
    for i, process in enumerate(processes):
        log_path = workdir / f"worker-{i}.log"
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"worker {i} exited: {log_path.read_text()[-2000:]}")
            if "worker running on task queue" in log_path.read_text(errors="replace"):
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError(f"worker {i} did not start: {log_path}")
    return processes
