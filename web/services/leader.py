"""The leader view (督单): overdue, escalated and supervised cases across a leader's streets.

Leaders see the streets linked to them, the supervision office every street, the discipline
commission the items that reached it (level 2). Grouped by department and by street, with the
supervision form on each row where the rules allow it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import Case
from store.queries import org_names, visible_cases
from web.i18n import TEXT, label
from web.services.case_view import ActionForm
from web.services.rows import CaseRow, case_row
from web.sla import WorkingDays
from workflows.policies import DEFAULT_POLICY_ID, POLICIES
from workflows.rules import who_may
from workflows.types import (
    Action,
    Actor,
    Assignment,
    CaseRegistration,
    CaseSnapshot,
    Channel,
    Reporter,
    Role,
    Stage,
)

GROUPINGS = ("department", "street")
SYSTEM = Actor(user_id="system", role=Role.SYSTEM)


@dataclass
class BoardRow:
    row: CaseRow
    form: ActionForm | None  # the supervision form, where the rules allow it


@dataclass
class BoardGroup:
    name: str
    rows: list[BoardRow] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.row.countdown and r.row.countdown.level == "over")


@dataclass
class Board:
    counts: dict[str, int]
    groups: list[BoardGroup]
    grouping: str


def row_snapshot(case: Case) -> CaseSnapshot:
    """The read model's approximation of a case's snapshot: enough for `who_may` on a list row.

    Only for deciding which forms to offer in a list; the workflow checks the live state again.
    """
    lead = case.lead_department_id
    return CaseSnapshot(
        code=case.code,
        version=case.version,
        registration=CaseRegistration(
            code=case.code,
            channel=Channel(case.channel),
            reporter=Reporter(case.reporter_name, ""),
            title=case.title,
            description="",
            location="",
            community_org_id=case.community_org_id,
            street_org_id=case.street_org_id,
            registered_by=SYSTEM,
        ),
        policy=POLICIES.get(case.policy_id, POLICIES[DEFAULT_POLICY_ID]),
        stage=Stage(case.stage),
        holder_org_ids=case.holder_org_ids.split(),
        holder_role=Role(case.holder_role) if case.holder_role else None,
        assignments=[Assignment(d, lead=d == lead) for d in case.department_ids.split()],
        overdue=case.overdue,
        supervision_level=case.supervision_level,
        supervised=case.supervised,
        escalated=case.escalated,
        leader_in_charge=case.leader_in_charge,
    )


def board(engine: Engine, actor: Actor, workdays: WorkingDays, grouping: str) -> Board:
    now = datetime.now(UTC)
    attention = or_(
        col(Case.overdue), col(Case.escalated), col(Case.supervised), col(Case.supervision_level) > 0
    )
    with Session(engine) as session:
        cases = session.exec(
            select(Case)
            .where(visible_cases(actor), col(Case.stage) != Stage.CLOSED.value, attention)
            .order_by(col(Case.due_at).is_(None), col(Case.due_at))
        ).all()
    orgs = org_names(engine)
    counts = {
        "overdue": sum(1 for c in cases if c.overdue),
        "escalated": sum(1 for c in cases if c.escalated),
        "supervised": sum(1 for c in cases if c.supervised),
        "discipline": sum(1 for c in cases if c.supervision_level >= 2),
        "total": len(cases),
    }
    groups: dict[str, BoardGroup] = defaultdict(lambda: BoardGroup(""))
    for case in cases:
        assigned = [(d, orgs.get(d, d)) for d in case.department_ids.split()]
        may_supervise = who_may(Action.SUPERVISE, row_snapshot(case), actor) is None
        form = ActionForm(
            Action.SUPERVISE,
            label("action", Action.SUPERVISE),
            {"assigned": assigned if len(assigned) > 1 else []},
        )
        item = BoardRow(row=case_row(case, None, orgs, workdays, now), form=form if may_supervise else None)
        if grouping == "street":
            keys = [orgs.get(case.street_org_id, case.street_org_id)]
        else:
            keys = [name for _, name in assigned] or [TEXT["board_not_dispatched"]]
        for key in keys:
            groups[key].name = key
            groups[key].rows.append(item)
    ordered = sorted(groups.values(), key=lambda g: (-g.overdue, -len(g.rows), g.name))
    return Board(counts=counts, groups=ordered, grouping=grouping)
