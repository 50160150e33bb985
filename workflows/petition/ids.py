"""Petition codes (XF-2026-000123) and their workflow ids (`petition-<code>`)."""

from __future__ import annotations

WORKFLOW_PREFIX = "petition-"


def petition_workflow_id(code: str) -> str:
    return f"{WORKFLOW_PREFIX}{code}"
