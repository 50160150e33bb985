"""Case codes and workflow ids: one place that builds and parses them.

A code reads HJ-2026-000123 (district prefix, year of receipt, sequence); its workflow id is
`case-<code>`, and Temporal rejects a second run on it, so a code is never reused.
"""

from __future__ import annotations

import re

WORKFLOW_PREFIX = "case-"
_CODE = re.compile(r"^(?P<prefix>[A-Z]{1,8})-(?P<year>\d{4})-(?P<number>\d{6,})$")


def case_code(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def workflow_id(code: str) -> str:
    return f"{WORKFLOW_PREFIX}{code}"


def code_of(workflow_id: str) -> str | None:
    """The case code of a case workflow id, or None for any other workflow."""
    if not workflow_id.startswith(WORKFLOW_PREFIX):
        return None
    code = workflow_id.removeprefix(WORKFLOW_PREFIX)
    return code if _CODE.match(code) else None


def case_number(code: str) -> tuple[str, int, int] | None:
    """(prefix, year, sequence number) of a code, or None if it is not one."""
    m = _CODE.match(code)
    return (m["prefix"], int(m["year"]), int(m["number"])) if m else None
