"""`workflow.patched` for code that also runs outside a workflow.

The transitions are pure functions: the workflow calls them, and so do unit tests without a worker.
Inside a workflow a patch marks the history (old histories replay the old branch); outside one there is
no history, so the new behaviour applies.
"""

from __future__ import annotations

from temporalio import workflow


def patched(patch_id: str) -> bool:
    return workflow.patched(patch_id) if workflow.in_workflow() else True
