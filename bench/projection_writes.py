"""The read-model projection alone: what one `ProjectionActivities.write` costs, without Temporal.

Runs `--cases` cases through the six orders on a dev server and the real worker (as
`case_throughput.py` does), keeping every `Projection` the worker wrote, in order; then replays those
projections into a fresh read model (SQLite file, and PostgreSQL unless `--postgres ''`), one thread,
and prints the mean, p50 and p95 of one write beside a bare write (one row inserted and committed on the
same engine), as a ratio. `--profile` adds the top functions of a cProfile of the SQLite replay.
`--save` / `--load` keep the captured projections in a pickle, so one capture serves several replays
(before and after a change, in one session).

    .venv/bin/python bench/projection_writes.py --cases 40 [--profile] [--save /tmp/p.pickle]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import cProfile
import io
import pickle
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import Engine
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

import worker
from activities.projection import ProjectionActivities
from bench.common import PG_DEFAULT, ensure_pg_database, p50, p95, reset_read_model, result
from payloads.plain_json import PayloadConverter
from store.db import create_schema, make_engine
from tests.utils.binaries import venv_binary
from tests.utils.directory import seed_directory
from workflows import search_attributes
from workflows.types import Projection


async def capture(cases: int) -> list[Projection]:
    """Every projection the worker writes while `cases` cases go through the six orders."""
    import case_throughput  # bench/ is on the path when this runs as a script

    captured: list[Projection] = []
    write = ProjectionActivities.write

    def recording(self: ProjectionActivities, projection: Projection) -> bool:
        captured.append(pickle.loads(pickle.dumps(projection)))
        return write(self, projection)

    workdir = Path(tempfile.mkdtemp(prefix="liudan-projection-"))
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_binary("temporal"),
        dev_server_extra_args=["--db-filename", str(workdir / "temporal.db")],
        search_attributes=list(search_attributes.ALL),
        ui=False,
        data_converter=DataConverter(payload_converter_class=PayloadConverter),
    )
    engine = make_engine(f"sqlite:///{workdir}/read.db")
    create_schema(engine)
    seed_directory(engine)
    task_queue = f"bench-{uuid.uuid4()}"
    ProjectionActivities.write = recording  # type: ignore[method-assign]
    try:
        async with env, worker.build_worker(env.client, engine, task_queue):
            limit = asyncio.Semaphore(8)

            async def bounded() -> None:
                async with limit:
                    await case_throughput.one_case(env.client, task_queue, [])

            await asyncio.gather(*(bounded() for _ in range(cases)))
    finally:
        ProjectionActivities.write = write  # type: ignore[method-assign]
        # The worker's directory ticker (a daemon thread) still reads this read model: removed at exit.
        atexit.register(shutil.rmtree, workdir, True)
    return captured


def bare_write(engine: Engine, rounds: int) -> list[float]:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_rows (wf VARCHAR(64), n INTEGER, note TEXT)"))
    times = []
    for n in range(rounds):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO bench_rows VALUES (:wf, :n, :note)"), {"wf": "w", "n": n, "note": "已处理"}
            )
        times.append(time.perf_counter() - t0)
    return times


def replay(engine: Engine, projections: list[Projection], profile: bool) -> tuple[list[float], str]:
    acts = ProjectionActivities(engine)
    for p in projections[:20]:  # warm the engine's statement caches, as a running worker has them
        acts.write(p)
    times = []
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    for p in projections[20:]:
        t0 = time.perf_counter()
        acts.write(p)
        times.append(time.perf_counter() - t0)
    report = ""
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        report = out.getvalue()
    return times, report


def fresh(url: str, workdir: Path) -> Engine:
    if url == "sqlite":
        engine = make_engine(f"sqlite:///{workdir}/replay.db")
    else:
        ensure_pg_database(url)
        engine = make_engine(url)
    reset_read_model(engine)
    return engine


def main(projections: list[Projection], postgres: str, profile: bool) -> None:
    figures: dict[str, Any] = {"projections": len(projections)}
    for name, url in (("sqlite", "sqlite"), ("postgresql", postgres)):
        if not url:
            continue
        workdir = Path(tempfile.mkdtemp(prefix="liudan-replay-"))
        engine = fresh(url, workdir)
        try:
            times, report = replay(engine, projections, profile and name == "sqlite")
            bare = bare_write(engine, len(times))
        finally:
            engine.dispose()
            shutil.rmtree(workdir, ignore_errors=True)
        mean = sum(times) / len(times)
        print(
            f"{name}: {len(times)} projection writes, mean {mean * 1000:.2f} ms, p50 {p50(times) * 1000:.2f} ms, "
            f"p95 {p95(times) * 1000:.2f} ms; bare one-row write p50 {p50(bare) * 1000:.2f} ms "
            f"(ratio p50 {p50(times) / p50(bare):.1f}x)"
        )
        if report:
            print(report)
        figures |= {
            f"{name}_mean_ms": round(mean * 1000, 2),
            f"{name}_p50_ms": round(p50(times) * 1000, 2),
            f"{name}_p95_ms": round(p95(times) * 1000, 2),
            f"{name}_bare_p50_ms": round(p50(bare) * 1000, 2),
        }
    result("1 projection", **figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--postgres", default=PG_DEFAULT, help="'' for SQLite only")
    parser.add_argument("--profile", action="store_true", help="cProfile the SQLite replay")
    parser.add_argument("--save", type=Path, help="keep the captured projections in this pickle")
    parser.add_argument("--load", type=Path, help="replay projections captured earlier (no dev server)")
    args = parser.parse_args()
    if args.load:
        found = pickle.loads(args.load.read_bytes())
    else:
        found = asyncio.run(capture(args.cases))
        print(f"captured {len(found)} projections of {args.cases} cases")
        if args.save:
            args.save.write_bytes(pickle.dumps(found))
    main(found, args.postgres, args.profile)
