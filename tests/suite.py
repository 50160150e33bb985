"""`make test`: the whole suite as two pytest processes side by side, so CI stays inside its 20 minutes.

The tests that start a whole stack of their own (browser scenarios, the kill -9 run, the benchmark
smoke runs: dev servers, workers, Chromium, mostly waiting) run beside the rest (in-process workers
on the shared time-skipping server, and every PostgreSQL test, which share one database and so stay
in one process). Each half is an ordinary pytest run: fixtures, order and isolation are those of a
plain `pytest`. The stack half's output is printed after the rest's, whole, never interleaved.

    python -m tests.suite [pytest args...]     # the args go to both halves
    JUNIT_DIR=var python -m tests.suite        # var/junit-rest.xml and var/junit-stacks.xml

For a part of the suite run pytest itself: `.venv/bin/python -m pytest tests/web -k inbox`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACKS = ["tests/e2e", "tests/chaos", "tests/bench"]


def _junit(name: str) -> list[str]:
    folder = os.environ.get("JUNIT_DIR")
    return [f"--junitxml={Path(folder) / f'junit-{name}.xml'}"] if folder else []


def main(args: list[str]) -> int:
    pytest = [sys.executable, "-m", "pytest"]
    rest_cmd = [*pytest, *(f"--ignore={p}" for p in STACKS), *_junit("rest"), *args]
    stacks_cmd = [*pytest, *STACKS, *_junit("stacks"), *args]
    started = time.monotonic()
    with tempfile.TemporaryFile() as stacks_log:
        stacks = subprocess.Popen(stacks_cmd, cwd=ROOT, stdout=stacks_log, stderr=subprocess.STDOUT)
        rest = subprocess.Popen(rest_cmd, cwd=ROOT)
        try:
            rest_code = rest.wait()
            print(f"\n=== rest of the suite: exit {rest_code} after {time.monotonic() - started:.0f} s;"
                  " waiting for the stack tests ===", flush=True)  # fmt: skip
            stacks_code = stacks.wait()
        except KeyboardInterrupt:
            for p in (rest, stacks):
                p.send_signal(signal.SIGINT)
            for p in (rest, stacks):
                p.wait()
            raise
        stacks_log.seek(0)
        sys.stdout.flush()
        print(f"\n=== stack tests ({' '.join(STACKS)}) ===", flush=True)
        sys.stdout.buffer.write(stacks_log.read())
    print(
        f"\n=== suite: rest exit {rest_code}, stack tests exit {stacks_code},"
        f" {time.monotonic() - started:.0f} s in all ===",
        flush=True,
    )
    return rest_code or stacks_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
