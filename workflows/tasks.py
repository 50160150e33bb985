"""What each org must do on a case now: the inbox items the projection writes.

Derived from the snapshot alone, so the projection can rebuild a case's items from scratch on
every transition and an inbox never shows work that is already done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from workflows.transitions import ESCALATING, running_deadline
from workflows.types import Action, CaseSnapshot, DeadlineKind, EscalationTarget, Role, Stage, Urgency
from workflows.who import OPEN_STAGES

# Leaders' and the discipline commission's items are filed under the case's street: a leader sees
# the streets linked to them, the commission and the supervision office see every street.
SUPERVISE_TASK = "supervise"


@dataclass
class OpenTask:
    org_id: str
    role: Role
    task: str  # an Action value (or "supervise")
    due_at: datetime | None
    warn_at: datetime | None
    provisional: bool
    overdue: bool


def open_tasks(s: CaseSnapshot) -> list[OpenTask]:
    if s.stage == Stage.CLOSED:
        return []
    clock = running_deadline(s, (*ESCALATING, DeadlineKind.RATING, DeadlineKind.REVIEW))
    due = clock.due_at if clock else None
    warn = clock.warn_at if clock else None
    provisional = bool(clock and clock.provisional)
    street = s.registration.street_org_id

    def task(org: str, role: Role, action: str) -> OpenTask:
        return OpenTask(org, role, action, due, warn, provisional, s.overdue)

    items: list[OpenTask] = []
    if s.stage == Stage.REPORT:
        if s.urgency is None:
            step = Action.TRIAGE
        else:
            step = Action.CLOSE_UNREASONABLE if s.urgency == Urgency.UNREASONABLE else Action.REPORT_UP
        items.append(task(s.registration.community_org_id, Role.COMMUNITY, step))
    elif s.stage == Stage.SIGN:
        items.append(task(street, Role.STREET, Action.SIGN))
    elif s.stage == Stage.DISPATCH:
        items.append(task(street, Role.STREET, Action.DISPATCH))
    elif s.stage == Stage.ACCEPT:
        items += [
            task(a.department_id, Role.DEPARTMENT, Action.ACCEPT) for a in s.assignments if not a.accepted_at
        ]
        if any(getattr(a, "return_requested_at", None) for a in s.assignments):
            items.append(task(street, Role.STREET, Action.DECIDE_RETURN))  # 退单 waits for the street
    elif s.stage == Stage.HANDLE:
        items += [
            task(a.department_id, Role.DEPARTMENT, Action.SUBMIT_RESULT)
            for a in s.assignments
            if not a.reported_at
        ]
        if s.extension_pending_days:
            items.append(task(street, Role.STREET, Action.DECIDE_EXTENSION))
    if s.stage in (Stage.ACCEPT, Stage.HANDLE) and getattr(s, "limit_needed", False):
        items += _limit(s, task)
    elif s.stage == Stage.RATE:
        items.append(task(s.registration.community_org_id, Role.COMMUNITY, Action.RATE))
    elif s.stage == Stage.REVIEW:
        items.append(task(street, Role.LEADER, Action.REOPEN))
    items += _supervision(s, task)
    return items


def _limit(s: CaseSnapshot, task: Callable[[str, Role, str], OpenTask]) -> list[OpenTask]:
    """特别难 without a limit: the lead unit's 提请, then its 分管区领导's decision (filed under the lead
    unit, as a leader's portfolio is departments)."""
    lead = next((a.department_id for a in s.assignments if a.lead), "")
    if not s.limit_requested_days:
        return [task(lead, Role.DEPARTMENT, Action.REQUEST_LIMIT)]
    return [task(lead, Role.LEADER, Action.DECIDE_LIMIT)]


# Where a case that ran late waits for supervision (督单): the street's inbox for a community's
# missed report, the street head's for a missed sign or dispatch, otherwise the linked leader's
# (and the discipline commission's once referred). A request for coordination (申请领导协调) is the
# leader's.
_SUPERVISOR_ROLE = {EscalationTarget.STREET: Role.STREET, EscalationTarget.STREET_HEAD: Role.UNIT_HEAD}


def _supervision(s: CaseSnapshot, task: Callable[[str, Role, str], OpenTask]) -> list[OpenTask]:
    street = s.registration.street_org_id
    below_leader = s.overdue and getattr(s, "escalation", None) in _SUPERVISOR_ROLE
    items = []
    if s.stage in OPEN_STAGES:
        if below_leader:
            items.append(task(street, _SUPERVISOR_ROLE[s.escalation], SUPERVISE_TASK))  # type: ignore[index]
        if s.escalated or (s.overdue and not below_leader):
            items.append(task(street, Role.LEADER, SUPERVISE_TASK))
    if s.overdue and s.supervision_level >= 2:  # a late 复查 too: the commission's
        items.append(task(street, Role.DISCIPLINE, SUPERVISE_TASK))
    return items
