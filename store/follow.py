"""跟单: the street's tracking of every case it dispatched, until the resident has rated it.

For each case, each department's part (accepted? result reported?) and the clock each is on, read from
the read model (`case_departments`, `case_deadlines`), never from Temporal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.case_records import CaseDeadline
from store.models import Case, CaseDepartment, CaseEvent
from workflows.types import Action, Stage

# Dispatched and not yet rated: with the departments, waiting for the rating, or back for the review.
FOLLOWED = (Stage.ACCEPT.value, Stage.HANDLE.value, Stage.RATE.value, Stage.REVIEW.value)
RUNNING = ("running", "warning", "overdue")
LIMIT = 200


@dataclass
class DepartmentPart:
    department_id: str
    lead: bool
    accepted_at: datetime | None
    reported_at: datetime | None
    clock_label: str = ""
    due_at: datetime | None = None
    overdue: bool = False


@dataclass
class FollowedCase:
    case: Case
    parts: list[DepartmentPart] = field(default_factory=list)
    reminders: int = 0
    last_reminded_at: datetime | None = None


def followed(engine: Engine, street_org_id: str, *, overdue_only: bool = False) -> list[FollowedCase]:
    """The street's dispatched cases not yet rated, the most pressing first (overdue, then by due time)."""
    with Session(engine) as session:
        query = select(Case).where(
            Case.street_org_id == street_org_id,
            col(Case.stage).in_(FOLLOWED),
            col(Case.dispatched_at).is_not(None),
        )
        if overdue_only:
            query = query.where(col(Case.overdue))
        cases = list(session.exec(query.order_by(col(Case.overdue).desc(), col(Case.due_at)).limit(LIMIT)))
        codes = [c.code for c in cases]
        if not codes:
            return []
        parts = session.exec(select(CaseDepartment).where(col(CaseDepartment.case_code).in_(codes)))
        clocks = session.exec(
            select(CaseDeadline).where(
                col(CaseDeadline.case_code).in_(codes), col(CaseDeadline.state).in_(RUNNING)
            )
        )
        reminders = session.exec(
            select(CaseEvent.case_code, CaseEvent.at).where(
                col(CaseEvent.case_code).in_(codes), CaseEvent.action == Action.REMIND.value
            )
        )
        by_case: dict[str, list[CaseDepartment]] = defaultdict(list)
        for p in parts:
            by_case[p.case_code].append(p)
        clocks_of: dict[tuple[str, str], list[CaseDeadline]] = defaultdict(list)
        for d in clocks:
            clocks_of[(d.case_code, d.org_id)].append(d)
        pressed: dict[str, list[datetime]] = defaultdict(list)
        for code, at in reminders:
            pressed[code].append(at)
    out = []
    for c in cases:
        current = set(c.department_ids.split())
        rows = []
        for p in sorted(by_case[c.code], key=lambda p: (not p.lead, p.department_id)):
            if p.department_id not in current:
                continue  # a department that returned it (退单) is no longer followed
            clock = _clock_for(p, clocks_of[(c.code, p.department_id)])
            rows.append(
                DepartmentPart(
                    p.department_id,
                    p.lead,
                    p.accepted_at,
                    p.reported_at,
                    clock.label if clock else "",
                    clock.due_at if clock else None,
                    bool(clock and clock.state == "overdue"),
                )
            )
        times = sorted(pressed[c.code])
        out.append(FollowedCase(c, rows, len(times), times[-1] if times else None))
    return out


def _clock_for(part: CaseDepartment, running: list[CaseDeadline]) -> CaseDeadline | None:
    """The clock a department answers to now: its first response until it accepts, then its
    completion (or the leader's supervision deadline)."""
    wanted = ("response",) if part.accepted_at is None else ("completion", "supervision")
    mine = [d for d in running if d.kind in wanted]
    return max(mine, key=lambda d: d.started_at) if mine else None
