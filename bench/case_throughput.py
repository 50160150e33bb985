"""Benchmark: how many cases per second the embedded stack carries through the six orders.

Starts Temporal's dev server exactly as `make run` does (SQLite file with WAL and synchronous=1,
or the default journal with --default-journal), runs the real worker against a fresh SQLite read
model, and pushes N cases through register → triage → report → sign → dispatch → accept → result
→ rate, C at a time. Prints cases/s and the p50/p95 latency of one decision (a Temporal Update,
including its projection).

    .venv/bin/python bench/case_throughput.py --cases 200 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

import worker
from payloads.plain_json import PayloadConverter
from store.db import create_schema, make_engine
from tests.utils.binaries import venv_binary
from tests.utils.cases import CHENGGUAN, COMMUNITY, RESIDENT, STREET, registration
from tests.utils.directory import seed_directory
from workflows import search_attributes
from workflows.case import CaseWorkflow
from workflows.types import (
    AcceptDecision,
    Category,
    Difficulty,
    DispatchDecision,
    RatingDecision,
    RatingValue,
    ReportUp,
    ResultSubmission,
    SignDecision,
    TriageDecision,
    Urgency,
)


async def one_case(client, task_queue: str, latencies: list[float]) -> None:  # type: ignore[no-untyped-def]
    reg = registration(code=f"BN-2026-{uuid.uuid4().hex[:8]}")
    handle = await client.start_workflow(CaseWorkflow.run, reg, id=f"case-{reg.code}", task_queue=task_queue)
    steps = [
        (CaseWorkflow.triage, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE)),
        (CaseWorkflow.report_up, ReportUp(COMMUNITY)),
        (CaseWorkflow.sign, SignDecision(STREET)),
        (CaseWorkflow.dispatch, DispatchDecision(STREET, ["dp-chengguan"], Difficulty.ORDINARY)),
        (CaseWorkflow.accept, AcceptDecision(CHENGGUAN, "已联系群众")),
        (CaseWorkflow.submit_result, ResultSubmission(CHENGGUAN, "已处理")),
        (CaseWorkflow.rate, RatingDecision(RESIDENT, RatingValue.SATISFIED, solved=True)),
    ]
    for update, payload in steps:
        t0 = time.perf_counter()
        await handle.execute_update(update, payload)
        latencies.append(time.perf_counter() - t0)


async def main(
    cases: int,
    concurrency: int,
    wal: bool,
    sdk_converter: bool = False,
    default_sandbox: bool = False,
    unsandboxed: bool = False,
) -> tuple[float, float, float]:
    workdir = Path(tempfile.mkdtemp(prefix="liudan-bench-"))
    extra = ["--db-filename", str(workdir / "temporal.db")]
    if wal:
        extra += ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=1"]
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_binary("temporal"),
        dev_server_extra_args=extra,
        search_attributes=[k for k in search_attributes.ALL],
        ui=False,
        data_converter=DataConverter.default
        if sdk_converter
        else DataConverter(payload_converter_class=PayloadConverter),
    )
    if default_sandbox:
        worker.WORKFLOW_RUNNER = SandboxedWorkflowRunner()
    if unsandboxed:
        worker.WORKFLOW_RUNNER = UnsandboxedWorkflowRunner()
    engine = make_engine(f"sqlite:///{workdir}/read.db")
    create_schema(engine)
    seed_directory(engine)
    task_queue = f"bench-{uuid.uuid4()}"
    latencies: list[float] = []
    limit = asyncio.Semaphore(concurrency)

    async def bounded() -> None:
        async with limit:
            await one_case(env.client, task_queue, latencies)

    async with env, worker.build_worker(env.client, engine, task_queue):
        await one_case(env.client, task_queue, [])  # warm-up
        t0 = time.perf_counter()
        await asyncio.gather(*(bounded() for _ in range(cases)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"journal={'wal' if wal else 'default'} converter={'sdk' if sdk_converter else 'liudan'} "
        f"sandbox={'off' if unsandboxed else 'default' if default_sandbox else 'worker'} cases={cases} concurrency={concurrency} "
        f"elapsed={elapsed:.1f}s cases/s={cases / elapsed:.2f} updates/s={len(latencies) / elapsed:.1f} "
        f"update p50={statistics.median(latencies) * 1000:.0f}ms p95={p95 * 1000:.0f}ms"
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return len(latencies) / elapsed, statistics.median(latencies), p95


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--default-journal", action="store_true", help="without the WAL pragmas")
    parser.add_argument("--sdk-converter", action="store_true", help="the SDK's payload converter")
    parser.add_argument("--default-sandbox", action="store_true", help="the SDK's default sandbox")
    parser.add_argument("--unsandboxed", action="store_true", help="workflows outside any sandbox")
    args = parser.parse_args()
    asyncio.run(
        main(
            args.cases,
            args.concurrency,
            not args.default_journal,
            args.sdk_converter,
            args.default_sandbox,
            args.unsandboxed,
        )
    )
