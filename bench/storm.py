"""Benchmark, goal 4 (the end-of-day storm): N open cases due at the same instant.

Bare: N workflows each sleep until one instant T, then run one local activity writing one row; the
figure is the time from T until all N rows are written. Liudan: N cases (the real worker in this
process, as `make run` has it, payload codec on, fresh SQLite read model) whose 报单 clocks all run
out at T: each is registered with the same `received_at` under the drill policy with its report span
set so that receipt + span = T (policies travel with the registration, so the case's own history
holds this one). The warning point (80 % of the span) is already past when a case starts, so the
warnings land during registration, not in the storm. The figure is the time from T until every
case is overdue in the read model (`cases.overdue`) and has its overdue item in an inbox
(`inbox_items.overdue`). Meanwhile the street's officer (the escalation's target) loads the inbox
through the ASGI app once a second: its p95 during the storm is printed beside goal 3.

    .venv/bin/python bench/storm.py --cases 1000      # --cases 5000 for the issue's size
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bare_updates import RowWriter, Step
from common import dev_server, p50, p95, poll_until, reset_read_model, result, verdict
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker

START_CONCURRENCY = 16


@workflow.defn(sandboxed=False)
class BareTimer:
    @workflow.run
    async def run(self, due: datetime) -> None:
        await workflow.sleep(max(timedelta(0), due - workflow.now()))
        await workflow.execute_local_activity(
            "write_row", Step(1, "overdue"), start_to_close_timeout=timedelta(seconds=60)
        )


async def gather_bounded(n: int, one: Any) -> None:
    limit = asyncio.Semaphore(START_CONCURRENCY)

    async def go(i: int) -> None:
        async with limit:
            await one(i)

    await asyncio.gather(*(go(i) for i in range(n)))


async def wait_until(t: float) -> None:
    await asyncio.sleep(max(0.0, t - time.time()))


async def bare(address: str, workdir: Path, n: int, lead: float) -> float:
    client = await Client.connect(address)
    writer = RowWriter(workdir / "bare-rows.db")
    queue = f"bare-{uuid.uuid4()}"
    due_ts = time.time() + lead
    due = datetime.fromtimestamp(due_ts, UTC)
    async with Worker(
        client,
        task_queue=queue,
        workflows=[BareTimer],
        activities=[writer.write_row],
        max_concurrent_local_activities=100,
    ):
        t0 = time.perf_counter()
        await gather_bounded(
            n,
            lambda i: client.start_workflow(BareTimer.run, due, id=f"bare-{uuid.uuid4()}", task_queue=queue),
        )
        print(f"bare: {n} timers started in {time.perf_counter() - t0:.1f}s", flush=True)
        assert time.time() < due_ts, "the lead was too short: raise --lead"
        await wait_until(due_ts)

        def rows() -> int:
            with sqlite3.connect(writer._path, timeout=30) as conn:
                return int(conn.execute("SELECT count(*) FROM rows").fetchone()[0])

        await poll_until(lambda: rows() >= n, every=0.1)
        took = time.time() - due_ts
    print(f"bare storm: {n} timers fired and written {took:.1f}s after the instant ({n / took:.0f}/s)")
    return took


async def liudan(address: str, workdir: Path, n: int, lead: float) -> tuple[float, float, list[float]]:
    from sqlalchemy import text

    import payloads
    from store.db import make_engine
    from tests.utils.cases import registration
    from tests.utils.web import Browser, running_app, web_settings
    from worker import build_worker
    from workflows.case import CaseWorkflow
    from workflows.policies import DRILL
    from workflows.types import Span, SpanUnit

    settings = web_settings(f"bench-{uuid.uuid4()}", workdir, temporal_address=address)
    client = await Client.connect(address, data_converter=payloads.data_converter(settings))
    engine = make_engine(settings.database_url)
    reset_read_model(engine)
    due_ts = time.time() + lead
    span = 10 * int(lead)  # so the warning point (span / 5 before T) is already past at registration
    received = datetime.fromtimestamp(due_ts - span, UTC)
    policy = dataclasses.replace(DRILL, report=Span(span, SpanUnit.SECONDS))
    prefix = "ST" + uuid.uuid4().hex[:4].upper()

    def counts() -> tuple[int, int]:
        with engine.connect() as conn:
            overdue = conn.execute(text("SELECT count(*) FROM cases WHERE overdue")).scalar_one()
            items = conn.execute(
                text("SELECT count(DISTINCT case_code) FROM inbox_items WHERE overdue")
            ).scalar_one()
        return int(overdue), int(items)

    def projected() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())

    page_ms: list[float] = []
    async with (
        build_worker(client, engine, settings.task_queue),
        running_app(settings, client, engine) as app,
    ):
        t0 = time.perf_counter()

        async def start(i: int) -> None:
            reg = registration(code=f"{prefix}-2026-{i:06d}", received_at=received, policy=policy)
            await client.start_workflow(
                CaseWorkflow.run, reg, id=f"case-{reg.code}", task_queue=settings.task_queue
            )

        await gather_bounded(n, start)
        await poll_until(lambda: projected() >= n)
        print(f"liudan: {n} cases registered and projected in {time.perf_counter() - t0:.1f}s", flush=True)
        assert time.time() < due_ts, "the lead was too short: raise --lead"
        assert await asyncio.to_thread(counts) == (0, 0)
        browser = Browser(app)
        await browser.login("street-dongcheng")
        await wait_until(due_ts)
        both_at = overdue_at = None
        next_page = time.time()
        while True:
            if time.time() >= next_page:
                next_page += 1.0
                t1 = time.perf_counter()
                assert (await browser.get("/")).status_code == 200
                page_ms.append((time.perf_counter() - t1) * 1000)
            overdue, items = await asyncio.to_thread(counts)
            if overdue_at is None and overdue >= n:
                overdue_at = time.time() - due_ts
            if overdue >= n and items >= n:
                both_at = time.time() - due_ts
                break
            await asyncio.sleep(0.2)
        await browser.close()
    engine.dispose()
    print(
        f"liudan storm: every case overdue in the read model {overdue_at:.1f}s after the instant, and in "
        f"the inboxes {both_at:.1f}s ({n / both_at:.0f}/s); street inbox during the storm "
        f"p50={p50(page_ms):.0f}ms p95={p95(page_ms):.0f}ms ({len(page_ms)} loads)"
    )
    return both_at, overdue_at, page_ms


async def main(n: int, lead: float | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="liudan-storm-"))
    try:
        async with dev_server(workdir) as server:
            bare_s = await bare(server.address, workdir, n, lead / 2 if lead else 15 + n / 100)
            liudan_s, overdue_s, page_ms = await liudan(server.address, workdir, n, lead or 20 + n / 12)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ratio = bare_s / liudan_s
    print(f"ratio escalations/s ÷ bare timers/s {ratio:.2f} {verdict(ratio, 0.7)}")
    result(
        "4 storm",
        cases=n,
        bare_s=round(bare_s, 1),
        liudan_s=round(liudan_s, 1),
        liudan_overdue_s=round(overdue_s, 1),
        ratio=round(ratio, 2),
        inbox_during_storm_p95_ms=round(p95(page_ms)),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--lead", type=float, default=None, help="seconds from now to the instant (auto)")
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.lead))
