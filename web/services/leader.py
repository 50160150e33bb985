"""The leader view (督单): overdue, escalated and supervised cases across a leader's streets.

Each sees the cases `store.visibility` lets them open: leaders the streets linked to them, the
supervision office every street, the discipline commission the items that reached it (level 2).
Grouped by department and by street, with the supervision form on each row where the rules allow it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.directory import org_names
from store.models import Case
from store.visibility import REFERRED_LEVEL, CaseOrgs, visible_cases
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
    Category,
    Channel,
    Difficulty,
    Reporter,
    Role,
    Stage,
    Urgency,
)

GROUPINGS = ("department", "street")
# Who sees the cases waiting for a leader's review (复查): the linked leaders, who decide them, and the
# supervision office, which follows every street. The discipline commission's board is level 2 only.
REVIEW_READERS = (Role.LEADER, Role.SUPERVISION)


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
    # 待复查: a dissatisfied rating waits for the linked leader to reopen or close the case
    review: list[CaseRow] | None = None  # None: not this viewer's business


def rules_view(case: Case) -> CaseSnapshot:
    """The case as `workflows.rules` reads it, from its read-model row, so the board offers the
    supervision form exactly where the workflow's own rule allows it (stage, the case's street, its
    flags and counters), without a Temporal query per row. The workflow checks the live case again
    when the form is sent. Nothing personal is copied: the rules never read the resident.
    """
    lead = case.lead_department_id
    return CaseSnapshot(
        code=case.code,
        version=case.version,
        registration=CaseRegistration(
            code=case.code,
            channel=Channel(case.channel),
            reporter=Reporter(name="", phone=""),
            title=case.title,
            description="",
            location="",
            community_org_id=case.community_org_id,
            street_org_id=case.street_org_id,
            registered_by=Actor(user_id=case.registered_by, role=Role.SYSTEM),  # the row keeps only the id
            policy_id=case.policy_id,
            category=Category(case.category) if case.category else None,
        ),
        policy=POLICIES.get(case.policy_id, POLICIES[DEFAULT_POLICY_ID]),
        stage=Stage(case.stage),
        holder_org_ids=case.holder_org_ids.split(),
        holder_role=Role(case.holder_role) if case.holder_role else None,
        urgency=Urgency(case.urgency) if case.urgency else None,
        category=Category(case.category) if case.category else None,
        difficulty=Difficulty(case.difficulty) if case.difficulty else None,
        assignments=[Assignment(d, lead=d == lead) for d in CaseOrgs.of_row(case).assigned],
        overdue=case.overdue,
        ever_overdue=case.ever_overdue,
        supervision_level=case.supervision_level,
        supervised=case.supervised,
        talk_ordered=case.talk_ordered,
        escalated=case.escalated,
        leader_in_charge=case.leader_in_charge,
        extensions_granted=case.extensions_granted,
        returns=case.returns,
        reopened=case.reopened,
    )


def board(engine: Engine, actor: Actor, workdays: WorkingDays, grouping: str) -> Board:
    now = datetime.now(UTC)
    attention = or_(
        col(Case.overdue), col(Case.escalated), col(Case.supervised), col(Case.supervision_level) > 0
    )
    if actor.role == Role.DISCIPLINE:
        # The commission reads every case, but its board is what was referred to it (督办 level 2).
        attention = col(Case.supervision_level) >= REFERRED_LEVEL
    with Session(engine) as session:
        cases = session.exec(
            select(Case)
            .where(visible_cases(actor), col(Case.stage) != Stage.CLOSED.value, attention)
            .order_by(col(Case.due_at).is_(None), col(Case.due_at))
        ).all()
        reviews = (
            session.exec(
                select(Case)
                .where(visible_cases(actor), Case.stage == Stage.REVIEW.value)
                .order_by(col(Case.due_at).is_(None), col(Case.due_at))
            ).all()
            if actor.role in REVIEW_READERS
            else []
        )
    orgs = org_names(engine)
    counts = {
        "overdue": sum(1 for c in cases if c.overdue),
        "escalated": sum(1 for c in cases if c.escalated),
        "supervised": sum(1 for c in cases if c.supervised),
        "discipline": sum(1 for c in cases if c.supervision_level >= REFERRED_LEVEL),
        "review": len(reviews),
        "total": len(cases),
    }
    groups: dict[str, BoardGroup] = defaultdict(lambda: BoardGroup(""))
    for case in cases:
        assigned = [(d, orgs.get(d, d)) for d in case.department_ids.split()]
        may_supervise = who_may(Action.SUPERVISE, rules_view(case), actor) is None
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
    review = (
        [case_row(c, None, orgs, workdays, now) for c in reviews] if actor.role in REVIEW_READERS else None
    )
    return Board(counts=counts, groups=ordered, grouping=grouping, review=review)
