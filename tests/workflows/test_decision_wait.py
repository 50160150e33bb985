"""A decision answers within one bound for the whole call, as "Temporal cannot answer now" when no
worker takes it, instead of holding the officer's request open. The SDK's per-call timeout bounds
only the start (15 s here before); once an Update is accepted it waits for the outcome without any
deadline, which in the kill -9 run, with a case the restarted dev server would not let complete,
hung the driver and the run for good."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

import web.services.cases as cases
from tests.utils.cases import COMMUNITY, _started, registration
from workflows.case import CaseWorkflow
from workflows.ids import workflow_id
from workflows.types import Action, Category, TriageDecision, Urgency


async def test_a_decision_nobody_takes_is_unavailable_within_its_bound(
    dev_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cases, "DECISION_WAIT", timedelta(seconds=3))
    reg = registration()
    # Started on a task queue no worker polls: the Update is admitted and never taken.
    handle = await dev_env.client.start_workflow(
        CaseWorkflow.run, reg, id=workflow_id(reg.code), task_queue=f"nobody-{uuid.uuid4()}"
    )
    _started.append(handle)
    began = time.monotonic()
    with pytest.raises(cases.CaseUnavailable):
        await cases.decide(
            dev_env.client,
            reg.code,
            Action.TRIAGE,
            TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.ENVIRONMENT),
        )
    assert time.monotonic() - began < 10
    # Nothing was decided: the case has not even run its first task.
    assert (await handle.describe()).raw_description.pending_workflow_task.attempt <= 1
