"""Benchmark, goal 5 (scale): many open cases with live timers on the embedded default.

The dev server as `make run` starts it, one worker process (`worker.py`, through `worker_proc.py` so
that its workflow cache is set: `--cache`, the SDK's `max_cached_workflows`, default 1000), a SQLite
read model. N cases are registered under the 六单 policy (each with its live report clock and
warning timer) and left open. Printed: worker RSS idle and with the cache full, so RSS per 1,000
cached workflows; the Temporal server's RSS; the size of Temporal's database and of the read model;
and inbox page p95 on that read model (the community that holds all the cases, through the ASGI app
in this process).

    .venv/bin/python bench/scale.py --cases 2000 [--cache 1000]   # --cases 20000 for the issue's size
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from common import (
    ROOT,
    dev_server,
    file_mb,
    p50,
    p95,
    poll_until,
    reset_read_model,
    result,
    rss_mb,
    start_workers,
    stop,
    worker_env,
)
from temporalio.client import Client

START_CONCURRENCY = 16


async def main(n: int, cache: int) -> None:
    from sqlalchemy import text

    import payloads
    from store.db import make_engine
    from tests.utils.cases import registration
    from tests.utils.web import Browser, running_app, web_settings
    from workflows.case import CaseWorkflow

    workdir = Path(tempfile.mkdtemp(prefix="liudan-scale-"))
    workers = []
    try:
        async with dev_server(workdir) as server:
            settings = web_settings(f"bench-{uuid.uuid4()}", workdir, temporal_address=server.address)
            settings = settings.model_copy(update={"data_dir": workdir})
            client = await Client.connect(server.address, data_converter=payloads.data_converter(settings))
            engine = make_engine(settings.database_url)
            reset_read_model(engine)
            env = worker_env(
                server.address, settings.task_queue, settings.database_url, workdir,
                BENCH_MAX_CACHED_WORKFLOWS=str(cache),
            )  # fmt: skip
            workers = await start_workers(1, env, workdir, ROOT / "bench" / "worker_proc.py")
            pid = workers[0].pid
            prefix = "SC" + uuid.uuid4().hex[:4].upper()

            def projected() -> int:
                with engine.connect() as conn:
                    return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())

            async def start(i: int) -> None:
                reg = registration(code=f"{prefix}-2026-{i:06d}")
                await client.start_workflow(
                    CaseWorkflow.run, reg, id=f"case-{reg.code}", task_queue=settings.task_queue
                )

            await start(n)  # warm-up: sandbox and imports loaded
            await poll_until(lambda: projected() >= 1, every=0.1)
            await asyncio.sleep(2)
            idle = rss_mb(pid)
            server_idle = rss_mb(server.pid)
            t0 = time.perf_counter()
            limit = asyncio.Semaphore(START_CONCURRENCY)

            async def bounded(i: int) -> None:
                async with limit:
                    await start(i)

            await asyncio.gather(*(bounded(i) for i in range(n)))
            await poll_until(lambda: projected() >= n + 1, every=0.5)
            took = time.perf_counter() - t0
            await asyncio.sleep(2)
            full = rss_mb(pid)
            server_full = rss_mb(server.pid)
            cached = min(n + 1, cache)
            per_1000 = (full - idle) / cached * 1000 if cached else float("nan")
            temporal_db = file_mb(server.db_path)
            read_db = file_mb(workdir / "read.db")
            print(
                f"{n} open cases registered in {took:.0f}s ({n / took:.1f}/s); worker cache {cache}: "
                f"worker RSS idle {idle:.0f} MiB, with {cached} cached {full:.0f} MiB → "
                f"{per_1000:.0f} MiB per 1,000 cached workflows; Temporal server RSS {server_idle:.0f} → "
                f"{server_full:.0f} MiB; temporal.db {temporal_db:.0f} MiB, read model {read_db:.1f} MiB",
                flush=True,
            )
            async with running_app(settings, client, engine) as app:
                figures = {}
                for username in ("community-qinghe", "street-dongcheng", "supervision"):
                    browser = Browser(app)
                    await browser.login(username)
                    await browser.get("/")
                    ms = []
                    for _ in range(20):
                        t1 = time.perf_counter()
                        assert (await browser.get("/")).status_code == 200
                        ms.append((time.perf_counter() - t1) * 1000)
                    await browser.close()
                    figures[username] = round(p95(ms), 1)
                    print(f"inbox {username}: p50={p50(ms):.1f}ms p95={p95(ms):.1f}ms")
            engine.dispose()
    finally:
        for w in workers:
            stop(w)
        shutil.rmtree(workdir, ignore_errors=True)
    result(
        "5 scale",
        cases=n,
        cache=cache,
        worker_rss_idle_mb=round(idle),
        worker_rss_full_mb=round(full),
        worker_mb_per_1000_cached=round(per_1000),
        temporal_rss_mb=round(server_full),
        temporal_db_mb=round(temporal_db),
        read_db_mb=round(read_db, 1),
        inbox_p95_ms=figures,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--cache", type=int, default=1000, help="the worker's max_cached_workflows")
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.cache))
