"""Each benchmark script starts and prints its result line on a toy size. How fast is never asserted
here: timing goals live in bench/ only (bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

TOY = {
    "1 decisions": ["bare_updates.py", "--workflows", "3", "--concurrency", "2", "--liudan"],
    "2 intake": ["intake.py", "--cases", "4", "--concurrency", "2"],
    "3 pages": ["pages.py", "--cases", "300", "--rounds", "2", "--sqlite-only"],
    "4 storm": ["storm.py", "--cases", "5", "--lead", "12"],
    "5 scale": ["scale.py", "--cases", "5", "--cache", "10"],
    "6 two workers": ["two_workers.py", "--cases", "2", "--concurrency", "2", "--sqlite"],
}


@pytest.mark.bench
@pytest.mark.parametrize("goal", list(TOY))
def test_bench_script_prints_its_result(goal: str) -> None:
    script, *args = TOY[goal]
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    results = [json.loads(line[7:]) for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert results and results[-1]["goal"] == goal, done.stdout[-2000:]
