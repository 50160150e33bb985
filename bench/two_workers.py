"""Benchmark, goal 6 (two of everything): decision throughput with one and with two worker processes.

One dev server as `make run` starts it, one PostgreSQL read model, and 1 then 2 `python worker.py`
processes on the same task queue (dev mode: the payload codec on, its key shared through DATA_DIR).
This process drives the six orders as `case_throughput.py` does (N cases, C at a time, 7 decisions
each) with a client on the same codec, and prints decisions/s for each worker count, beside the bare
figure (`bare_updates.py`'s workload: one process, worker and driver together) of the same run.

    .venv/bin/python bench/two_workers.py --cases 60 --concurrency 16 [--postgres URL | --sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import bare_updates
from case_throughput import one_case
from common import (
    PG_DEFAULT,
    dev_server,
    ensure_pg_database,
    p50,
    p95,
    reset_read_model,
    result,
    rss_mb,
    start_workers,
    stop,
    worker_env,
)
from temporalio.client import Client


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


async def drive(client: Client, task_queue: str, cases: int, concurrency: int) -> tuple[float, float, float]:
    latencies: list[float] = []
    limit = asyncio.Semaphore(concurrency)

    async def bounded() -> None:
        async with limit:
            await one_case(client, task_queue, latencies)

    await one_case(client, task_queue, [])  # warm-up
    t0 = time.perf_counter()
    await asyncio.gather(*(bounded() for _ in range(cases)))
    elapsed = time.perf_counter() - t0
    return len(latencies) / elapsed, p50(latencies), p95(latencies)


async def main(cases: int, concurrency: int, database_url: str) -> None:
    import payloads
    from settings import Settings
    from store.db import make_engine

    bare = await bare_updates.main(cases, concurrency)
    workdir = Path(tempfile.mkdtemp(prefix="liudan-two-"))
    figures: dict[int, tuple[float, float, float]] = {}
    database_url = database_url or f"sqlite:///{workdir}/read.db"
    try:
        async with dev_server(workdir) as server:
            settings = Settings(liudan_env="dev", data_dir=workdir)
            client = await Client.connect(server.address, data_converter=payloads.data_converter(settings))
            engine = make_engine(database_url)
            reset_read_model(engine)
            engine.dispose()
            for count in (1, 2):
                queue = f"bench-{uuid.uuid4()}"
                workers = await start_workers(
                    count, worker_env(server.address, queue, database_url, workdir), workdir
                )
                try:
                    cpu0 = [cpu_seconds(w.pid) for w in workers]
                    server_cpu0 = cpu_seconds(server.pid)
                    t0 = time.perf_counter()
                    figures[count] = await drive(client, queue, cases, concurrency)
                    wall = time.perf_counter() - t0
                    busy = [(cpu_seconds(w.pid) - c) / wall for w, c in zip(workers, cpu0, strict=True)]
                    server_busy = (cpu_seconds(server.pid) - server_cpu0) / wall
                    rss = [rss_mb(w.pid) for w in workers]
                finally:
                    for w in workers:
                        stop(w)
                rate, lat50, lat95 = figures[count]
                print(
                    f"{count} worker process(es): {rate:.1f} decisions/s p50={lat50 * 1000:.0f}ms "
                    f"p95={lat95 * 1000:.0f}ms; worker CPU {' + '.join(f'{b:.0%}' for b in busy)} of a core, "
                    f"Temporal server {server_busy:.0%}; worker RSS {' + '.join(f'{r:.0f}' for r in rss)} MiB",
                    flush=True,
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    one, two = figures[1][0], figures[2][0]
    print(
        f"ratio to bare ({bare[0]:.1f} updates/s): one worker {one / bare[0]:.2f}, two workers {two / bare[0]:.2f}; "
        f"two ÷ one {two / one:.2f}"
    )
    result(
        "6 two workers",
        cases=cases,
        concurrency=concurrency,
        read_model="postgresql" if database_url.startswith("postgresql") else "sqlite",
        bare_updates_s=round(bare[0], 1),
        one_worker_updates_s=round(one, 1),
        two_workers_updates_s=round(two, 1),
        one_worker_p95_ms=round(figures[1][2] * 1000),
        two_workers_p95_ms=round(figures[2][2] * 1000),
        ratio_one=round(one / bare[0], 2),
        ratio_two=round(two / bare[0], 2),
        two_over_one=round(two / one, 2),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", default=PG_DEFAULT, help="the shared read model (a bench_* database)")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite read model instead")
    args = parser.parse_args()
    url = "" if args.sqlite else args.postgres
    if url:
        ensure_pg_database(url)
    asyncio.run(main(args.cases, args.concurrency, url))
