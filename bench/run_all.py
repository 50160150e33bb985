"""Every goal of issue 14 in one run: each benchmark in its own process, one after another, then a
table of each goal's figure beside the bare-Temporal figure of the same run, as a ratio.

    .venv/bin/python bench/run_all.py            # moderate sizes, about 15 minutes on 2 cores
    .venv/bin/python bench/run_all.py --full     # the issue's sizes (5,000-case storm, 20,000 open cases)
    .venv/bin/python bench/run_all.py --only 1,4 # some goals

(`make bench` runs the first.) Never part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def commands(full: bool, postgres: str) -> dict[str, list[str]]:
    pg = ["--postgres", postgres] if postgres else []
    return {
        "1": ["bare_updates.py", "--workflows", "100", "--concurrency", "16", "--liudan"],
        "2": ["intake.py", "--cases", "300", "--concurrency", "16"],
        "3": ["pages.py", "--cases", "100000", "--rounds", "30", *(pg or ["--sqlite-only"])],
        "4": ["storm.py", "--cases", "5000" if full else "1000"],
        "5": ["scale.py", "--cases", "20000" if full else "2000", "--cache", "1000"],
        "6": ["two_workers.py", "--cases", "60", "--concurrency", "16", *(pg or ["--sqlite"])],
    }


def summary(results: dict[str, dict]) -> list[str]:
    lines = ["", "goal | Liudan | bare (same run) | ratio / goal"]
    r = results.get("1")
    if r:
        lines.append(
            f"1 decisions | {r['liudan_updates_s']} updates/s, p95 {r['liudan_p95_ms']} ms | "
            f"{r['bare_updates_s']} updates/s, p95 {r['bare_p95_ms']} ms | "
            f"{r['ratio_updates']} × (goal ≥ 0.7); p95 {r['ratio_p95']} × (goal ≤ 2)"
        )
    r = results.get("2")
    if r:
        lines.append(
            f"2 intake | {r['liudan_registrations_s']} registrations/s | {r['bare_starts_s']} starts/s | "
            f"{r['ratio']} × (goal ≥ 0.6)"
        )
    r = results.get("3")
    if r:
        for backend in ("sqlite", "postgres"):
            if f"{backend}_inbox_worst_p95" in r:
                lines.append(
                    f"3 pages {backend} ({r['cases']} cases) | worst role: inbox p95 "
                    f"{r[f'{backend}_inbox_worst_p95']} ms, case page p95 {r[f'{backend}_case_worst_p95']} ms "
                    f"(its Temporal query p95 {r[f'{backend}_query_p95']} ms) | — | goal ≤ 30 ms / ≤ 50 ms"
                )
    r = results.get("4")
    if r:
        lines.append(
            f"4 storm ({r['cases']} due at once) | all escalated {r['liudan_s']} s after | "
            f"{r['bare_s']} s | {r['ratio']} × (goal ≥ 0.7); inbox p95 during it {r['inbox_during_storm_p95_ms']} ms"
        )
    r = results.get("5")
    if r:
        lines.append(
            f"5 scale ({r['cases']} open, cache {r['cache']}) | worker {r['worker_mb_per_1000_cached']} MiB per "
            f"1,000 cached (idle {r['worker_rss_idle_mb']}, full {r['worker_rss_full_mb']} MiB); Temporal RSS "
            f"{r['temporal_rss_mb']} MiB; temporal.db {r['temporal_db_mb']} MiB, read model {r['read_db_mb']} MiB | — | "
            f"inbox p95 {r['inbox_p95_ms']}"
        )
    r = results.get("6")
    if r:
        lines.append(
            f"6 two workers ({r['read_model']}) | one {r['one_worker_updates_s']}, two "
            f"{r['two_workers_updates_s']} decisions/s | {r['bare_updates_s']} updates/s | "
            f"{r['ratio_one']} × / {r['ratio_two']} × (two ÷ one {r['two_over_one']})"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="the issue's sizes")
    parser.add_argument("--only", default="1,2,3,4,5,6")
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_liudan",
        help="a bench_* database for goals 3 and 6 (its tables are dropped); '' for SQLite only",
    )
    args = parser.parse_args()
    results: dict[str, dict] = {}
    for goal, cmd in commands(args.full, args.postgres).items():
        if goal not in args.only.split(","):
            continue
        argv = [sys.executable, str(HERE / cmd[0]), *cmd[1:]]
        print(
            f"=== goal {goal}: {' '.join(['bench/' + cmd[0], *cmd[1:]])}  (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            if line.startswith("RESULT "):
                results[goal] = json.loads(line.removeprefix("RESULT "))
            elif not line.startswith(("Temporal ", "Temporal CLI")) and line.strip():
                print("  " + line, flush=True)
        if proc.returncode != 0:
            print(f"  goal {goal} FAILED (exit {proc.returncode}):\n{proc.stderr[-3000:]}", flush=True)
        print(f"  ({time.perf_counter() - t0:.0f}s)", flush=True)
    print("\n".join(summary(results)))


if __name__ == "__main__":
    main()
