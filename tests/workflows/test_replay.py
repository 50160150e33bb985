"""Every recorded history in tests/histories/ replays against the current workflow code, so a change
that would break a running case fails here (see tests/histories/README.md).

Replaying checks the commands; it does not see a change of state-only logic (a field computed
differently). So the replay also captures what the code returns now — each Update's result and the
run's final snapshot — and compares it with what the history recorded.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import (
    ExecuteWorkflowInput,
    HandleUpdateInput,
    Interceptor,
    Replayer,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from tests.utils.cases import HISTORIES
from workflows.appointment.workflow import AppointmentWorkflow
from workflows.backlog.workflow import BacklogWorkflow
from workflows.case import CaseWorkflow
from workflows.mailbox.workflow import MailboxWorkflow
from workflows.petition.workflow import PetitionWorkflow

RECORDED = {p.stem: p.read_text(encoding="utf-8") for p in sorted(HISTORIES.glob("*.json"))}
# v1 was recorded during development, before the first release, from code that still answered with the
# timeline and closed superseded clocks as met; no case ever ran on it, so it replays for its commands
# only. r1 is the first release (recorded from its commit), v2 the convergent-projection patch.
COMMANDS_ONLY = {"v1"}
RUN = "run"  # the key of the run's own result among the update ids
# Histories of the other processes, by file name prefix: their workflow ids.
PREFIXES = {
    "petition_": "petition-",
    "backlog_": "backlog-",
    "appointment_": "appointment-",
    "letter_": "letter-",
}


def _as_json(value: Any) -> Any:
    """A value as the default converter stores it, parsed back to plain JSON for comparison."""
    (payload,) = DataConverter.default.payload_converter.to_payloads([value])
    return json.loads(payload.data)


class _Capture(Interceptor):
    """Collects, in JSON form, what the replayed code returns: each Update's result and the run's."""

    def __init__(self) -> None:
        self.results: dict[str, Any] = {}

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        results = self.results

        class Inbound(WorkflowInboundInterceptor):
            async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
                value = await super().execute_workflow(input)
                results[RUN] = _as_json(value)
                return value

            async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
                value = await super().handle_update_handler(input)
                results[input.id] = _as_json(value)
                return value

        return Inbound


def _as_recorded(recorded: Any, replayed: Any) -> Any:
    """`replayed` cut down to the fields `recorded` has: a field added later with a default (which
    by our rule means "as before") is not a difference; every recorded field must be equal."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        return {k: _as_recorded(v, replayed.get(k)) for k, v in recorded.items()}
    if isinstance(recorded, list) and isinstance(replayed, list) and len(recorded) == len(replayed):
        return [_as_recorded(a, b) for a, b in zip(recorded, replayed, strict=True)]
    return replayed


def _recorded_results(history: WorkflowHistory) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for e in history.events:
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            attrs = e.workflow_execution_update_completed_event_attributes
            if attrs.outcome.HasField("success") and attrs.outcome.success.payloads:
                out[attrs.meta.update_id] = json.loads(attrs.outcome.success.payloads[0].data)
        elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            out[RUN] = json.loads(e.workflow_execution_completed_event_attributes.result.payloads[0].data)
    return out


def test_the_corpus_is_there():
    assert len(RECORDED) >= 5, f"the replay corpus in {HISTORIES} is missing"
    assert all(len(text.encode()) < 200_000 for text in RECORDED.values())
    # Histories from before and after the convergent-projection patch (issue 9) both replay, and the
    # statutory petition path's own (p1, its first release).
    assert {name.rsplit(".", 1)[-1] for name in RECORDED} >= {"r1", "v2", "p1"}


@pytest.mark.parametrize("name", RECORDED)
async def test_replay(name: str):
    prefix = next((p for n, p in PREFIXES.items() if name.startswith(n)), "case-")
    history = WorkflowHistory.from_json(f"{prefix}{name}", RECORDED[name])
    capture = _Capture()
    # The local activities (deadlines, projection, numbering) are not run: their recorded markers are.
    replayer = Replayer(
        workflows=[CaseWorkflow, PetitionWorkflow, BacklogWorkflow, AppointmentWorkflow, MailboxWorkflow],
        interceptors=[capture],
    )
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
    if name.rsplit(".", 1)[-1] in COMMANDS_ONLY:
        return
    recorded = _recorded_results(history)
    assert recorded, "a recorded history answers at least one decision"
    # Every answer the history recorded is what the code answers now, field for field.
    assert _as_recorded(recorded, capture.results) == recorded


async def test_a_state_only_change_is_caught(monkeypatch: pytest.MonkeyPatch):
    """The comparison catches logic that changes state without changing a command: count a signature
    as a return too, and the recorded answers no longer match although the replay itself passes."""
    from dataclasses import replace

    from temporalio.worker import UnsandboxedWorkflowRunner

    from workflows.decisions import DECISIONS
    from workflows.types import Action

    sign = DECISIONS[Action.SIGN]
    assert sign.transition is not None
    original = sign.transition

    def sign_and_count_a_return(s, d, now):  # type: ignore[no-untyped-def]
        s.returns += 1
        return original(s, d, now)

    # Unsandboxed, so the workflow uses this process's (patched) decision table.
    monkeypatch.setitem(DECISIONS, Action.SIGN, replace(sign, transition=sign_and_count_a_return))
    name = next(n for n in RECORDED if n.startswith("six_orders"))
    history = WorkflowHistory.from_json(f"case-{name}", RECORDED[name])
    capture = _Capture()
    replayer = Replayer(
        workflows=[CaseWorkflow], interceptors=[capture], workflow_runner=UnsandboxedWorkflowRunner()
    )
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None  # the commands are the same...
    recorded = _recorded_results(history)
    assert _as_recorded(recorded, capture.results) != recorded  # ...the answers are not
