"""A backlog case's workflow id: `backlog-<petition code>`, so a petition is designated 积案 at most once."""

from __future__ import annotations

WORKFLOW_PREFIX = "backlog-"


def backlog_workflow_id(code: str) -> str:
    return f"{WORKFLOW_PREFIX}{code}"
