"""The case page's live part, from the read model alone: the case's status (stage, holders, every
clock it ran, its flags) and the other officers who have it open now.

Every poll of an open case page reads this, so it never asks Temporal: the `cases` row, its
`case_deadlines`, whether an extension waits in the street's inbox, and one presence beat
(`store.presence`). The rest of the page (request, departments, timeline, forms) comes from the
workflow's snapshot, and only when the read model's version moved past what the page shows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.case_records import CaseDeadline
from store.directory import org_names
from store.models import Case, InboxItem, User
from store.presence import beat
from web.i18n import TEXT, label
from web.services.auth import SignedIn
from web.services.case_page import visible
from web.services.case_view import difficulty_text
from web.services.rows import supervision_flags
from web.sla import Countdown, WorkingDays, countdown
from workflows.policies import POLICIES
from workflows.transitions import ESCALATING
from workflows.types import Action, DeadlineKind, DeadlineState, Difficulty, Stage

OPEN_STATES = (DeadlineState.RUNNING.value, DeadlineState.WARNING.value, DeadlineState.OVERDUE.value)
# The clock the status names as "the current deadline", as the projection picks `cases.due_at`.
CURRENT_KINDS = tuple(k.value for k in (*ESCALATING, DeadlineKind.RATING, DeadlineKind.REVIEW))


@dataclass
class DeadlineView:
    label: str
    state: str
    state_label: str
    started_at: datetime
    due_at: datetime
    provisional: bool
    closed_at: datetime | None
    org_name: str
    countdown: Countdown | None


@dataclass
class CaseStatus:
    code: str
    version: int
    stage_label: str
    flags: list[tuple[str, str]]  # (css level, text)
    outcome: str
    holders: str
    countdown: Countdown | None
    category: str
    urgency: str
    difficulty: str
    policy: str
    leader_in_charge: str
    result: str
    deadlines: list[DeadlineView]


@dataclass(frozen=True)
class Watcher:
    """Another officer with the case page open (正在查看)."""

    name: str
    org: str


@dataclass
class CaseLive:
    status: CaseStatus
    watchers: list[Watcher]

    @property
    def watching(self) -> str:
        """李娜（东城街道）正在查看此案件, or "" when nobody else has it open."""
        if not self.watchers:
            return ""
        who = "、".join(TEXT["cp_watcher"].format(name=w.name, org=w.org) for w in self.watchers)
        return TEXT["cp_watching"].format(who=who)


def status_flags(case: Case, extension_pending: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if case.overdue:
        out.append(("over", TEXT["flag_overdue"]))
    out += supervision_flags(case.supervision_level, case.supervised, case.talk_ordered)
    if case.escalated:
        out.append(("warn", TEXT["flag_escalated"]))
    if case.leader_in_charge:
        out.append(("info", TEXT["flag_in_charge"]))
    if extension_pending:
        out.append(("warn", TEXT["flag_extension_pending"]))
    if case.reopened:
        out.append(("info", TEXT["flag_reopened"]))
    return out


def _ordinal(row: CaseDeadline) -> int:
    # "completion-7": the workflow numbers its clocks in the order it starts them.
    tail = row.deadline_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _clock(row: CaseDeadline, workdays: WorkingDays, now: datetime, *, named: bool = False) -> Countdown:
    return countdown(
        row.due_at,
        row.warn_at,
        row.started_at,
        overdue=row.state == DeadlineState.OVERDUE.value,
        provisional=row.provisional,
        workdays=workdays,
        label=row.label if named else "",
        now=now,
    )


def _difficulty(case: Case) -> str:
    if not case.difficulty:
        return ""
    policy = POLICIES.get(case.policy_id)
    if policy is None:
        return label("difficulty", case.difficulty)
    return difficulty_text(Difficulty(case.difficulty), policy)


def build_status(
    case: Case,
    deadlines: list[CaseDeadline],
    *,
    extension_pending: bool,
    orgs: dict[str, str],
    leader_name: str,
    workdays: WorkingDays,
    now: datetime,
) -> CaseStatus:
    newest_first = sorted(deadlines, key=_ordinal, reverse=True)
    running = [d for d in newest_first if d.closed_at is None]
    current = next((d for d in running if d.kind in CURRENT_KINDS), None)
    # The lead unit (牵头单位) reads first.
    holder_ids = sorted(case.holder_org_ids.split(), key=lambda o: o != case.lead_department_id)
    policy = POLICIES.get(case.policy_id)
    return CaseStatus(
        code=case.code,
        version=case.version,
        stage_label=label("stage", case.stage),
        flags=status_flags(case, extension_pending),
        outcome=label("outcome", case.outcome) if case.outcome else "",
        holders="、".join(orgs.get(o, o) for o in holder_ids),
        countdown=_clock(current, workdays, now, named=True)
        if current and case.stage != Stage.CLOSED
        else None,
        category=label("category", case.category) if case.category else "",
        urgency=label("urgency", case.urgency) if case.urgency else "",
        difficulty=_difficulty(case),
        policy=policy.name if policy else case.policy_id,
        leader_in_charge=leader_name,
        result=case.result,
        deadlines=[
            DeadlineView(
                label=d.label,
                state=d.state,
                state_label=label("deadline_state", d.state),
                started_at=d.started_at,
                due_at=d.due_at,
                # Only a running clock can still move when the calendar is published.
                provisional=d.provisional and d.closed_at is None,
                closed_at=d.closed_at,
                org_name=orgs.get(d.org_id, d.org_id),
                countdown=_clock(d, workdays, now)
                if d.closed_at is None and d.state in OPEN_STATES
                else None,
            )
            for d in newest_first
        ],
    )


def read_live(
    engine: Engine, workdays: WorkingDays, me: SignedIn, case: Case, now: datetime | None = None
) -> CaseLive:
    """The status of a case the officer may see (`case`, just read by the visibility check), and
    the officer's presence beat on it with the others it finds."""
    now = now or datetime.now(UTC)
    code = case.code
    with Session(engine) as session:
        deadlines = list(session.exec(select(CaseDeadline).where(CaseDeadline.case_code == code)))
        extension_pending = (
            session.exec(
                select(InboxItem.id).where(
                    InboxItem.case_code == code, col(InboxItem.task) == Action.DECIDE_EXTENSION.value
                )
            ).first()
            is not None
        )
        leader = session.get(User, case.leader_in_charge) if case.leader_in_charge else None
        leader_name = leader.display_name if leader else case.leader_in_charge
    orgs = org_names(engine)
    others = beat(engine, code, me.user.id, me.user.display_name, me.user.org_id, now)
    status = build_status(
        case,
        deadlines,
        extension_pending=extension_pending,
        orgs=orgs,
        leader_name=leader_name,
        workdays=workdays,
        now=now,
    )
    return CaseLive(status, [Watcher(v.display_name, orgs.get(v.org_id, v.org_id)) for v in others])


async def load_live(engine: Engine, workdays: WorkingDays, me: SignedIn, code: str) -> CaseLive:
    """The live part of a case page for an officer who may see the case (else `CaseNotFound`)."""
    case = await visible(engine, me.actor, code)
    return await asyncio.to_thread(read_live, engine, workdays, me, case)
