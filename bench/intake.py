"""Benchmark, goal 2 (intake): registrations/s through the HTTP API against bare workflow starts/s.

One dev server as `make run` starts it. Bare: N workflows started C at a time (`start_workflow`
returns), each running one local activity that writes a row, with the worker in this process.
Liudan: N `POST /api/v1/cases` C at a time through the ASGI app (httpx ASGITransport: server time, no
network), a grid worker's API token, the real worker in this process as `make run` has it, the
payload codec on, a fresh SQLite read model. A registration answers once the case's first
projection is in the read model (`register_case`), so bare is also shown with the starter waiting
for its row, for comparison; the goal's ratio is against plain starts/s, as the issue states it.

    .venv/bin/python bench/intake.py --cases 300 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from bare_updates import RowWriter, Step
from common import dev_server, p50, p95, poll_until, result, verdict
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker


@workflow.defn(sandboxed=False)
class BareCase:
    """Started, writes its row, then stays open as a case does."""

    @workflow.run
    async def run(self) -> None:
        await workflow.execute_local_activity(
            "write_row", Step(0, "registered"), start_to_close_timeout=timedelta(seconds=30)
        )
        await workflow.wait_condition(lambda: False)


async def bounded(n: int, concurrency: int, one) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def go(i: int) -> None:
        async with limit:
            t0 = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(go(i) for i in range(n)))
    return time.perf_counter() - t0, latencies


def row_seen(path: Path, wf: str) -> bool:
    with sqlite3.connect(path, timeout=30) as conn:
        return conn.execute("SELECT 1 FROM rows WHERE wf = ?", (wf,)).fetchone() is not None


async def bare(address: str, workdir: Path, n: int, concurrency: int) -> dict[str, float]:
    client = await Client.connect(address)
    writer = RowWriter(workdir / "rows.db")
    queue = f"bare-{uuid.uuid4()}"
    out: dict[str, float] = {}
    async with Worker(client, task_queue=queue, workflows=[BareCase], activities=[writer.write_row]):

        async def start(i: int) -> None:
            await client.start_workflow(BareCase.run, id=f"bare-{uuid.uuid4()}", task_queue=queue)

        async def start_and_wait(i: int) -> None:
            handle = await client.start_workflow(BareCase.run, id=f"bare-{uuid.uuid4()}", task_queue=queue)
            # register_case polls its read model for the first projection the same way
            await poll_until(lambda: row_seen(writer._path, handle.id), every=0.05)

        await start(-1)
        elapsed, lat = await bounded(n, concurrency, start)
        out.update(starts_s=n / elapsed, p50=p50(lat), p95=p95(lat))
        print(
            f"bare starts n={n} c={concurrency} {n / elapsed:.1f}/s p50={p50(lat) * 1000:.0f}ms p95={p95(lat) * 1000:.0f}ms"
        )
        elapsed, lat = await bounded(n, concurrency, start_and_wait)
        out.update(starts_row_s=n / elapsed, row_p95=p95(lat))
        print(
            f"bare start+row visible {n / elapsed:.1f}/s p50={p50(lat) * 1000:.0f}ms p95={p95(lat) * 1000:.0f}ms"
        )
    return out


async def liudan(address: str, workdir: Path, n: int, concurrency: int) -> dict[str, float]:
    import httpx

    import payloads
    from store.db import create_schema, make_engine
    from tests.utils.directory import seed_directory
    from tests.utils.web import running_app, web_settings
    from web.services.directory_admin import issue_token
    from worker import build_worker

    settings = web_settings(f"bench-{uuid.uuid4()}", workdir, temporal_address=address)
    client = await Client.connect(address, data_converter=payloads.data_converter(settings))
    engine = make_engine(settings.database_url)
    create_schema(engine)
    seed_directory(engine)
    headers = {"Authorization": f"Bearer {issue_token(engine, 'grid-qinghe')}"}
    body = {
        "channel": "phone",
        "reporter_name": "张秀兰",
        "reporter_phone": "13812341234",
        "reporter_address": "清河小区3栋2单元501",
        "community_org_id": "cm-qinghe",
        "title": "小区门口路灯不亮",
        "description": "清河小区南门外三盏路灯已经坏了两周，晚上出行不安全。",
        "location": "清河小区南门",
    }
    async with (
        build_worker(client, engine, settings.task_queue),
        running_app(settings, client, engine) as app,
    ):
        transport = httpx.ASGITransport(app=app, client=("10.0.0.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as http:

            async def register(i: int) -> None:
                response = await http.post("/api/v1/cases", json=body, headers=headers)
                assert response.status_code == 201, response.text

            await register(-1)
            elapsed, lat = await bounded(n, concurrency, register)
    rate = n / elapsed
    print(
        f"liudan API registrations n={n} c={concurrency} {rate:.1f}/s p50={p50(lat) * 1000:.0f}ms p95={p95(lat) * 1000:.0f}ms"
    )
    engine.dispose()
    return {"registrations_s": rate, "p50": p50(lat), "p95": p95(lat)}


async def main(n: int, concurrency: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="liudan-intake-"))
    try:
        async with dev_server(workdir) as server:
            b = await bare(server.address, workdir, n, concurrency)
            lv = await liudan(server.address, workdir, n, concurrency)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ratio = lv["registrations_s"] / b["starts_s"]
    print(
        f"ratio registrations/s ÷ bare starts/s {ratio:.2f} {verdict(ratio, 0.6)}; "
        f"÷ bare start+row {lv['registrations_s'] / b['starts_row_s']:.2f}"
    )
    result(
        "2 intake",
        cases=n,
        concurrency=concurrency,
        bare_starts_s=round(b["starts_s"], 1),
        bare_start_row_s=round(b["starts_row_s"], 1),
        liudan_registrations_s=round(lv["registrations_s"], 1),
        liudan_p95_ms=round(lv["p95"] * 1000),
        ratio=round(ratio, 2),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.concurrency))
