"""An appointment's workflow id: `appointment-<code>` (YF-2026-000123)."""

from __future__ import annotations

WORKFLOW_PREFIX = "appointment-"


def appointment_workflow_id(code: str) -> str:
    return f"{WORKFLOW_PREFIX}{code}"
