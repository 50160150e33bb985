"""`python worker.py` with the Worker's workflow cache set by BENCH_MAX_CACHED_WORKFLOWS (goal 5).

worker.py takes no such setting yet, so the benchmark wraps the SDK's Worker that `build_worker`
constructs; everything else is worker.py as it is (settings from the environment, codec, metrics).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.worker import Worker

import worker

if __name__ == "__main__":
    cached = int(os.environ.get("BENCH_MAX_CACHED_WORKFLOWS", "1000"))  # the SDK's default is 1000
    worker.Worker = functools.partial(Worker, max_cached_workflows=cached)  # type: ignore[misc]
    worker.main()
