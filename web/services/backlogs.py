"""积案 and 包案 services: designate a petition as a backlog case, send the owners' and the bureau's
decisions to its workflow, and read the backlog ledger and figures.

Designation starts the petition's backlog workflow (`backlog-<code>`); a second designation of the
same petition is refused (Temporal rejects a second run on the id).
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from settings import Settings
from store.backlogs import Backlog, BacklogEvent
from store.petition_access import DESK_ROLES
from store.petitions import Petition
from web.i18n import TEXT
from web.services.cases import READ_TIMEOUT, CaseUnavailable, DecisionRefused, first_projection, send_decision
from workflows.backlog.ids import backlog_workflow_id
from workflows.backlog.policy import BACKLOG
from workflows.backlog.rules import BACKLOG_DECISIONS
from workflows.backlog.types import (
    BacklogAction,
    BacklogOutcome,
    BacklogReason,
    BacklogRegistration,
    BacklogResult,
    BacklogSnapshot,
)
from workflows.backlog.workflow import BacklogWorkflow
from workflows.types import Actor, Role

log = logging.getLogger("liudan.web.backlogs")
UPDATES: dict[BacklogAction, Any] = {a: getattr(BacklogWorkflow, a.value) for a in BACKLOG_DECISIONS}
# Who reads the ledger: the petition desks, the supervision office, leaders (their own first), admins.
LEDGER_ROLES = (*DESK_ROLES, Role.SUPERVISION.value, Role.LEADER.value, Role.ADMIN.value)
RESOLVED = (BacklogOutcome.SETTLED.value, BacklogOutcome.STOPPED.value, BacklogOutcome.CONCLUDED.value)


async def designate(
    engine: Engine,
    client: Client,
    settings: Settings,
    actor: Actor,
    code: str,
    reason: BacklogReason,
    note: str,
) -> None:
    """认定积案 by the head of the bureau that registered the petition, with the reason on record."""
    petition = await asyncio.to_thread(_petition, engine, code)
    if actor.role != Role.PETITION_HEAD or petition is None or petition.bureau_org_id != actor.org_id:
        raise DecisionRefused(TEXT["jz_may_not_designate"])
    if len(note) > 1000:
        raise DecisionRefused(TEXT["jz_note_too_long"])
    registration = BacklogRegistration(
        code=code,
        title=petition.title,
        reason=reason,
        bureau_org_id=petition.bureau_org_id,
        designated_by=actor,
        policy=BACKLOG,
        note=note,
        org_id=petition.handling_org_id,
    )
    try:
        await client.start_workflow(
            BacklogWorkflow.run,
            registration,
            id=backlog_workflow_id(code),
            task_queue=settings.task_queue,
            static_summary=code,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            rpc_timeout=READ_TIMEOUT,
        )
    except WorkflowAlreadyStartedError:
        raise DecisionRefused(TEXT["jz_already"]) from None
    except RPCError as error:
        raise CaseUnavailable(code) from error
    await first_projection(engine, Backlog, code, 10.0)
    log.info("petition %s designated 积案 (%s) by %s", code, reason.value, actor.user_id)


def _petition(engine: Engine, code: str) -> Petition | None:
    with Session(engine) as session:
        return session.get(Petition, code)


async def decide_backlog(client: Client, code: str, action: BacklogAction, payload: Any) -> BacklogResult:
    handle = client.get_workflow_handle_for(BacklogWorkflow.run, backlog_workflow_id(code))
    result: BacklogResult = await send_decision(handle, UPDATES[action], payload, code)
    log.info("backlog %s: %s by %s", code, action.value, payload.actor.user_id)
    return result


async def get_backlog(client: Client, code: str) -> BacklogSnapshot:
    handle = client.get_workflow_handle_for(BacklogWorkflow.run, backlog_workflow_id(code))
    try:
        return await handle.query(BacklogWorkflow.snapshot, rpc_timeout=READ_TIMEOUT)
    except RPCError as error:
        raise CaseUnavailable(code) from error


def may_read(actor: Actor, row: Backlog) -> bool:
    """The ledger's readers; a leader reads the cases they own, the team's units theirs."""
    role = actor.role.value
    if role in (Role.SUPERVISION.value, Role.ADMIN.value):
        return True
    if role in DESK_ROLES:
        return row.bureau_org_id == actor.org_id
    if role == Role.LEADER.value:
        return f" {actor.user_id} " in row.leader_ids
    return f" {actor.org_id} " in row.team_org_ids


def _visible(actor: Actor) -> Any:
    role = actor.role.value
    if role in (Role.SUPERVISION.value, Role.ADMIN.value):
        return col(Backlog.code).is_not(None)
    if role in DESK_ROLES:
        return Backlog.bureau_org_id == actor.org_id
    if role == Role.LEADER.value:
        return col(Backlog.leader_ids).like(f"% {actor.user_id} %")
    return col(Backlog.team_org_ids).like(f"% {actor.org_id} %")


@dataclass(frozen=True)
class LedgerFilters:
    stage: str = ""
    reason: str = ""
    overdue: bool = False
    text: str = ""


def ledger(engine: Engine, actor: Actor, f: LedgerFilters) -> list[Backlog]:
    with Session(engine) as session:
        query = select(Backlog).where(_visible(actor))
        if f.stage:
            query = query.where(Backlog.stage == f.stage)
        if f.reason:
            query = query.where(Backlog.reason == f.reason)
        if f.overdue:
            query = query.where(col(Backlog.overdue))
        if f.text:
            like = f"%{f.text}%"
            query = query.where(or_(col(Backlog.code).like(like), col(Backlog.title).like(like)))
        return list(session.exec(query.order_by(col(Backlog.designated_at).desc())).all())


def ledger_csv(rows: list[Backlog], names: dict[str, str], label: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "编号",
            "事项",
            "认定原因",
            "办理单位",
            "包案领导",
            "阶段",
            "进展报告",
            "逾期报告",
            "化解结果",
            "认定时间",
            "办结时间",
        ]
    )
    for r in rows:
        writer.writerow([
            r.code, r.title, label("jz_reason", r.reason), names.get(r.org_id, r.org_id),
            " ".join(names.get(u, u) for u in r.leader_ids.split()), label("jz_stage", r.stage),
            r.reports, r.missed_reports, label("jz_outcome", r.outcome) if r.outcome else "",
            r.designated_at.isoformat(timespec="minutes"), r.closed_at.isoformat(timespec="minutes") if r.closed_at else "",
        ])  # fmt: skip
    return "\ufeff" + out.getvalue()  # with a BOM, so a spreadsheet opens it as UTF-8


def events(engine: Engine, code: str) -> list[BacklogEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(BacklogEvent).where(BacklogEvent.backlog_code == code).order_by(col(BacklogEvent.seq))
            )
        )


def backlog_row(engine: Engine, code: str) -> Backlog | None:
    with Session(engine) as session:
        return session.get(Backlog, code)


@dataclass(frozen=True)
class BacklogFigures:
    """For a period [start, end): 积案存量 at its start and end, 新增 (designated in it), 化解 (closed in it
    as 案结事了 / 息诉罢访 / 依法终结; 未化解 is closed but not resolved), and 积案化解率 = 化解 ÷ (存量 at
    the start + 新增)."""

    stock_at_start: int
    added: int
    resolved: int
    closed_unresolved: int
    stock_at_end: int

    @property
    def rate(self) -> float | None:
        base = self.stock_at_start + self.added
        return self.resolved / base if base else None


def backlog_figures(engine: Engine, start: datetime, end: datetime, org_id: str = "") -> BacklogFigures:
    def count(*where: Any) -> int:
        with Session(engine) as session:
            query = select(func.count()).select_from(Backlog).where(*where)
            if org_id:
                query = query.where(Backlog.org_id == org_id)
            return int(session.exec(query).one())

    def open_at(moment: datetime) -> Any:
        return (
            col(Backlog.designated_at) < moment,
            or_(col(Backlog.closed_at).is_(None), col(Backlog.closed_at) >= moment),
        )

    return BacklogFigures(
        stock_at_start=count(*open_at(start)),
        added=count(col(Backlog.designated_at) >= start, col(Backlog.designated_at) < end),
        resolved=count(
            col(Backlog.closed_at) >= start, col(Backlog.closed_at) < end, col(Backlog.outcome).in_(RESOLVED)
        ),
        closed_unresolved=count(
            col(Backlog.closed_at) >= start,
            col(Backlog.closed_at) < end,
            Backlog.outcome == BacklogOutcome.UNRESOLVED.value,
        ),
        stock_at_end=count(*open_at(end)),
    )


def backlog_figures_by_org(
    engine: Engine, start: datetime, end: datetime
) -> list[tuple[str, BacklogFigures]]:
    """The same figures for each handling unit that has ever had a 积案, by org id."""
    with Session(engine) as session:
        orgs = sorted({o for o in session.exec(select(Backlog.org_id)).all() if o})
    return [(org, backlog_figures(engine, start, end, org)) for org in orgs]
