"""A mailbox letter's workflow id: `letter-<code>` (XX-2026-000123)."""

from __future__ import annotations

WORKFLOW_PREFIX = "letter-"


def letter_workflow_id(code: str) -> str:
    return f"{WORKFLOW_PREFIX}{code}"
