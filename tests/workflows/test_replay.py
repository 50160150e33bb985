"""Every recorded history in tests/histories/ replays against the current workflow code, so a change
that would break a running case fails here (see tests/histories/README.md)."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.utils.cases import HISTORIES
from workflows.case import CaseWorkflow

RECORDED = {p.stem: p.read_text(encoding="utf-8") for p in sorted(HISTORIES.glob("*.json"))}


def test_the_corpus_is_there():
    assert len(RECORDED) >= 5, f"the replay corpus in {HISTORIES} is missing"
    assert all(len(text.encode()) < 200_000 for text in RECORDED.values())


@pytest.mark.parametrize("name", RECORDED)
async def test_replay(name: str):
    history = WorkflowHistory.from_json(f"case-{name}", RECORDED[name])
    # The local activities (deadlines, projection) are not run: their recorded markers are replayed.
    result = await Replayer(workflows=[CaseWorkflow]).replay_workflow(history)
    assert result.replay_failure is None
