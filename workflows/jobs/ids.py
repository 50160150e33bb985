"""Job workflow ids. A ledger import is `ledger-import-<job id>`; the rebuild has one fixed id, so
Temporal itself refuses a second rebuild while one runs (an id is reusable once its run has closed)."""

from __future__ import annotations

LEDGER_IMPORT_PREFIX = "ledger-import-"
REBUILD_WORKFLOW_ID = "read-model-rebuild"


def ledger_import_workflow_id(job_id: str) -> str:
    return f"{LEDGER_IMPORT_PREFIX}{job_id}"
