"""What each org must do on a petition now: the inbox items the petition projection writes.

Derived from the snapshot alone, so every projection rewrites a petition's items from scratch and an
inbox never shows work already done. A 检举控告 is never an item of the accused unit: it can never
hold the petition (`transitions.accused_problem`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflows.petition.transitions import PETITION_KINDS
from workflows.petition.types import PetitionAction as A
from workflows.petition.types import PetitionSnapshot
from workflows.petition.types import PetitionStage as S
from workflows.types import Deadline, Role

_STAGE_TASK = {
    S.REGISTERED: A.TRANSFER,
    S.UNIT_ACCEPT: A.ACCEPT,
    S.OBJECTION: A.DECIDE_OBJECTION,
    S.HANDLING: A.ANSWER,
    S.DELIVERY: A.DELIVER,
    S.REVIEW_WINDOW: A.REQUEST_REVIEW,
    S.REVIEW: A.DECIDE_REVIEW,
    S.RECHECK_WINDOW: A.REQUEST_RECHECK,
    S.RECHECK: A.DECIDE_RECHECK,
}


@dataclass
class PetitionTaskItem:
    org_id: str
    role: Role
    task: str  # a PetitionAction value
    due_at: datetime | None
    warn_at: datetime | None
    overdue: bool


def running_clock(p: PetitionSnapshot) -> Deadline | None:
    """The clock that matters now: the newest one still running."""
    return next((d for d in reversed(p.deadlines) if d.closed_at is None and d.kind in PETITION_KINDS), None)


def open_tasks(p: PetitionSnapshot) -> list[PetitionTaskItem]:
    task = _STAGE_TASK.get(p.stage)
    if task is None:
        return []
    clock = running_clock(p)
    due, warn = (clock.due_at, clock.warn_at) if clock else (None, None)
    bureau = p.registration.bureau_org_id
    items: list[PetitionTaskItem] = []
    if p.stage in (S.REVIEW_WINDOW, S.RECHECK_WINDOW):
        # Waiting on the petitioner: the desk keeps it in view, to record a written request.
        items.append(PetitionTaskItem(bureau, Role.PETITION_CLERK, task, due, warn, False))
    elif p.holder_role is not None:
        items += [PetitionTaskItem(o, p.holder_role, task, due, warn, p.overdue) for o in p.holder_org_ids]
    if p.extension_pending_days:
        items.append(
            PetitionTaskItem(p.handling_org_id, Role.UNIT_HEAD, A.DECIDE_EXTENSION, due, warn, p.overdue)
        )
    if p.overdue:
        items.append(PetitionTaskItem(bureau, Role.PETITION_HEAD, A.PRESS, due, warn, True))
    return items
