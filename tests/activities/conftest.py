"""The activity tests that run real cases (the reconciler's) share the session's time-skipping server
with the workflow tests: a case left running would keep its timers and hold up their time skips."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.utils.cases import terminate_started


@pytest.fixture(autouse=True)
async def _terminate_cases() -> AsyncIterator[None]:
    yield
    await terminate_started()
