"""Where the time of goal 1 goes: py-spy samples of `case_throughput.py` (driver and worker in one
process, as the benchmark and `make run` have them), grouped by what each sample is doing.

Runs the benchmark as a child, attaches `py-spy record --format raw` for `--seconds` once it is
warm (`--gil`: only the thread holding the GIL is sampled, so idle threads waiting in a pool do
not count and the shares are shares of the Python CPU time), reads the process's and the Temporal server's CPU over the same window from /proc, and prints
each group's share of the samples (a sample counts for a group if any of its frames is in it, so
groups overlap: projection work that runs SQLAlchemy counts for both), and the top leaf functions.

    .venv/bin/python bench/profile_decisions.py --cases 150 --seconds 25 [--out profile.txt]

`--sdk-converter` / `--default-sandbox` are handed to case_throughput.py: the profile before issue 14's
payload converter and sandbox pass-through; `--unsandboxed`: what is left without any sandbox.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from common import ROOT

# (label, substrings of a frame's file path or function name); checked on every frame of a sample.
GROUPS = [
    ("read-model projection (activities/projection.py)", ("activities/projection.py",)),
    ("SQLAlchemy (ORM and core, any caller)", ("sqlalchemy/",)),
    (
        "  of which the ORM unit of work (flush)",
        ("sqlalchemy/orm/unitofwork.py", "sqlalchemy/orm/persistence.py"),
    ),
    (
        "sqlite3 driver calls",
        ("execute (sqlite3", "commit (sqlite3", "<built-in method execute", "do_execute ("),
    ),
    ("payload conversion (temporalio/converter/)", ("temporalio/converter",)),
    ("  of which JSON encode/decode", ("json/encoder.py", "json/decoder.py", "json/__init__.py")),
    ("workflow sandbox (temporalio/worker/workflow_sandbox)", ("workflow_sandbox/",)),
    ("workflow code (workflows/)", ("(workflows/",)),
    ("worker: workflow activation handling (temporalio/worker/_workflow*)", ("worker/_workflow",)),
    ("activity worker (temporalio/worker/_activity.py)", ("worker/_activity.py",)),
    ("client side: Updates sent by the driver (temporalio/client.py)", ("temporalio/client.py",)),
    ("deadline arithmetic (activities/deadlines.py, workdays/)", ("activities/deadlines.py", "/workdays/")),
    ("notifications outbox (activities/notices.py)", ("activities/notices.py",)),
    ("typing.get_type_hints (dataclass payload conversion)", ("get_type_hints (typing.py",)),
    ("asyncio event loop itself", ("asyncio/base_events.py",)),
]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


def analyse(raw: Path, top: int = 25) -> str:
    total = 0
    groups: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaves[frames[-1]] += n
        for label, needles in GROUPS:
            if any(needle in frame for frame in frames for needle in needles):
                groups[label] += n
    lines = [f"{total} samples"]
    lines += [f"{groups[label] / total:6.1%}  {label}" for label, _ in GROUPS]
    lines.append("top leaf functions:")
    lines += [f"{n / total:6.1%}  {leaf}" for leaf, n in leaves.most_common(top)]
    return "\n".join(lines)


def main(cases: int, seconds: int, warmup: float, out: Path, extra: list[str]) -> None:
    bench = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "case_throughput.py"),
            "--cases",
            str(cases),
            "--concurrency",
            "16",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(warmup)
        server = [c for c in children(bench.pid)]
        cpu0 = cpu_seconds(bench.pid)
        server0 = {c: cpu_seconds(c) for c in server}
        t0 = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(bench.pid), "--duration",
             str(seconds), "--rate", "200", "--gil", "--format", "raw", "--output", str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        busy = (cpu_seconds(bench.pid) - cpu0) / wall
        server_busy = (
            sum(cpu_seconds(c) - s for c, s in server0.items() if Path(f"/proc/{c}").exists()) / wall
        )
        output, _ = bench.communicate(timeout=900)
    finally:
        if bench.poll() is None:
            bench.kill()
    print(output.strip().splitlines()[-1] if output.strip() else "(no benchmark output)")
    print(
        f"over {wall:.0f}s: benchmark process (driver + worker) {busy:.0%} of a core, Temporal server {server_busy:.0%}"
    )
    print(analyse(out))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--seconds", type=int, default=25)
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds before sampling starts")
    parser.add_argument("--out", type=Path, default=Path("/tmp/liudan-decisions-profile.txt"))
    parser.add_argument("--analyse", type=Path, help="only print the groups of an existing raw profile")
    parser.add_argument("--sdk-converter", action="store_true", help="the SDK's payload converter")
    parser.add_argument("--default-sandbox", action="store_true", help="the SDK's default sandbox")
    parser.add_argument("--unsandboxed", action="store_true", help="workflows outside any sandbox")
    args = parser.parse_args()
    flags = (
        ("--sdk-converter", args.sdk_converter),
        ("--default-sandbox", args.default_sandbox),
        ("--unsandboxed", args.unsandboxed),
    )
    extra = [flag for flag, on in flags if on]
    if args.analyse:
        print(analyse(args.analyse))
    else:
        main(args.cases, args.seconds, args.warmup, args.out, extra)
