"""Benchmark: the bare-Temporal figure Liudan's decisions are measured against.

The same dev server as `make run` (SQLite with WAL and synchronous=1), the same shape of work as
`case_throughput.py`: N workflows, C at a time, each taking 7 Updates in turn; each Update runs one
local activity that writes one row to a SQLite file (in a thread, as Liudan's projection does) and
answers a small dataclass. No rules, no deadlines, no read model beyond that row: what Temporal and
the Python SDK cost on this machine. With `--liudan` it runs `case_throughput.py` right after, in the
same session, and prints the ratios.

    .venv/bin/python bench/bare_updates.py --workflows 100 --concurrency 16 --liudan
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.common import result, verdict
from tests.utils.binaries import venv_binary

UPDATES_PER_WORKFLOW = 7


@dataclass
class Step:
    n: int
    note: str = ""


@dataclass
class Answer:
    version: int


class RowWriter:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = threading.local()
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS rows (wf TEXT, n INTEGER, note TEXT)")

    def _conn(self) -> sqlite3.Connection:
        if not hasattr(self._local, "conn"):
            self._local.conn = sqlite3.connect(self._path, timeout=30)
            self._local.conn.execute("PRAGMA synchronous=NORMAL")
        return self._local.conn  # type: ignore[no-any-return]

    def write(self, wf: str, step: Step) -> None:
        conn = self._conn()
        conn.execute("INSERT INTO rows VALUES (?, ?, ?)", (wf, step.n, step.note))
        conn.commit()

    @activity.defn(name="write_row")
    async def write_row(self, step: Step) -> bool:
        await asyncio.to_thread(self.write, activity.info().workflow_id, step)
        return True


@workflow.defn(sandboxed=False)
class BareWorkflow:
    def __init__(self) -> None:
        self._version = 0
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self._version >= UPDATES_PER_WORKFLOW)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._version

    @workflow.update
    async def step(self, s: Step) -> Answer:
        async with self._lock:
            await workflow.execute_local_activity(
                "write_row", s, start_to_close_timeout=timedelta(seconds=30)
            )
            self._version += 1
            return Answer(self._version)


async def one(client, task_queue: str, latencies: list[float]) -> None:  # type: ignore[no-untyped-def]
    handle = await client.start_workflow(BareWorkflow.run, id=f"bare-{uuid.uuid4()}", task_queue=task_queue)
    for n in range(UPDATES_PER_WORKFLOW):
        t0 = time.perf_counter()
        await handle.execute_update(BareWorkflow.step, Step(n, "已处理"))
        latencies.append(time.perf_counter() - t0)


async def main(workflows: int, concurrency: int) -> tuple[float, float, float]:
    workdir = Path(tempfile.mkdtemp(prefix="liudan-bare-"))
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_binary("temporal"),
        dev_server_extra_args=[
            "--db-filename",
            str(workdir / "temporal.db"),
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=1",
        ],
        ui=False,
    )
    writer = RowWriter(workdir / "rows.db")
    task_queue = f"bare-{uuid.uuid4()}"
    latencies: list[float] = []
    limit = asyncio.Semaphore(concurrency)

    async def bounded() -> None:
        async with limit:
            await one(env.client, task_queue, latencies)

    async with (
        env,
        Worker(env.client, task_queue=task_queue, workflows=[BareWorkflow], activities=[writer.write_row]),
    ):
        await one(env.client, task_queue, [])  # warm-up
        t0 = time.perf_counter()
        await asyncio.gather(*(bounded() for _ in range(workflows)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    p50, p95 = statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]
    rate = len(latencies) / elapsed
    print(
        f"bare workflows={workflows} concurrency={concurrency} elapsed={elapsed:.1f}s "
        f"updates/s={rate:.1f} update p50={p50 * 1000:.0f}ms p95={p95 * 1000:.0f}ms"
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return rate, p50, p95


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workflows", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--liudan", action="store_true", help="then run case_throughput.py and print ratios")
    parser.add_argument(
        "--sdk-converter", action="store_true", help="Liudan with the SDK's payload converter"
    )
    parser.add_argument(
        "--default-sandbox", action="store_true", help="Liudan with the SDK's default sandbox"
    )
    parser.add_argument("--unsandboxed", action="store_true", help="Liudan's workflows outside any sandbox")
    args = parser.parse_args()
    bare = asyncio.run(main(args.workflows, args.concurrency))
    if args.liudan:
        import case_throughput

        liudan = asyncio.run(
            case_throughput.main(
                args.workflows,
                args.concurrency,
                True,
                args.sdk_converter,
                args.default_sandbox,
                args.unsandboxed,
            )
        )
        rate, p95 = liudan[0] / bare[0], liudan[2] / bare[2]
        print(
            f"ratio liudan/bare: updates/s {rate:.2f} {verdict(rate, 0.7)}, "
            f"p50 {liudan[1] / bare[1]:.2f}x, p95 {p95:.2f}x {verdict(p95, 2.0, higher_is_better=False)}"
        )
        result(
            "1 decisions",
            workflows=args.workflows,
            concurrency=args.concurrency,
            bare_updates_s=round(bare[0], 1),
            bare_p50_ms=round(bare[1] * 1000),
            bare_p95_ms=round(bare[2] * 1000),
            liudan_updates_s=round(liudan[0], 1),
            liudan_p50_ms=round(liudan[1] * 1000),
            liudan_p95_ms=round(liudan[2] * 1000),
            ratio_updates=round(rate, 2),
            ratio_p95=round(p95, 2),
            converter="sdk" if args.sdk_converter else "liudan",
            sandbox="off" if args.unsandboxed else "default" if args.default_sandbox else "worker",
        )
