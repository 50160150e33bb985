"""The 积案 rules, applied by the nightly `BacklogRulesWorkflow`: each open petition a rule designates is
started as a backlog case (`backlog-<code>`, by_rule), unless it already is one.

- 超期未办结 (overdue): its handling clock ran out and it is still being handled;
- 重复信访 (repeat): its petitioner has brought at least `repeat_threshold` petitions, this one included;
- 上级交办 (handed_down): a matter handed down from above.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from store.backlogs import Backlog
from store.petitions import Petition
from workflows.backlog.ids import backlog_workflow_id
from workflows.backlog.policy import BACKLOG
from workflows.backlog.types import BacklogReason, BacklogRegistration, BacklogRuleReport, BacklogRuleRequest
from workflows.backlog.workflow import BacklogWorkflow
from workflows.petition.types import PetitionChannel, PetitionStage
from workflows.types import Actor, Role

log = logging.getLogger("liudan.backlog_rules")
RULES = Actor(user_id="system", role=Role.SYSTEM, display_name="积案认定规则")


def candidates(engine: Engine, request: BacklogRuleRequest) -> list[tuple[Petition, BacklogReason]]:
    """The open petitions each rule designates, not yet designated, first rule first."""
    found: dict[str, tuple[Petition, BacklogReason]] = {}
    with Session(engine) as session:
        designated = set(session.exec(select(Backlog.code)).all())
        open_ = select(Petition).where(col(Petition.closed_at).is_(None))
        for rule in request.rules:
            if rule == BacklogReason.OVERDUE:
                query = open_.where(col(Petition.overdue), Petition.stage == PetitionStage.HANDLING.value)
            elif rule == BacklogReason.HANDED_DOWN:
                query = open_.where(Petition.channel == PetitionChannel.HANDED_DOWN.value)
            elif rule == BacklogReason.REPEAT:
                repeaters = (
                    select(Petition.petitioner_key)
                    .where(Petition.petitioner_key != "")
                    .group_by(col(Petition.petitioner_key))
                    .having(func.count() >= request.repeat_threshold)
                )
                query = open_.where(col(Petition.petitioner_key).in_(repeaters))
            else:
                continue
            for p in session.exec(query):
                if p.code not in designated and p.code not in found:
                    found[p.code] = (p, rule)
    return list(found.values())


class BacklogRuleActivities:
    def __init__(self, client: Client, engine: Engine, task_queue: str) -> None:
        self._client, self._engine, self._task_queue = client, engine, task_queue

    @activity.defn(name="designate_by_rule")
    async def designate_by_rule(self, request: BacklogRuleRequest) -> BacklogRuleReport:
        report = BacklogRuleReport()
        for petition, reason in await asyncio.to_thread(candidates, self._engine, request):
            registration = BacklogRegistration(
                code=petition.code, title=petition.title, reason=reason, bureau_org_id=petition.bureau_org_id,
                designated_by=RULES, policy=BACKLOG, org_id=petition.handling_org_id, by_rule=True,
            )  # fmt: skip
            try:
                await self._client.start_workflow(
                    BacklogWorkflow.run,
                    registration,
                    id=backlog_workflow_id(petition.code),
                    task_queue=self._task_queue,
                    static_summary=petition.code,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
            except WorkflowAlreadyStartedError:
                continue  # designated meanwhile (by the bureau's head, or an earlier pass)
            report.designated.append(petition.code)
            activity.heartbeat(len(report.designated))
        if report.designated:
            log.info("积案 by rule: %s", ", ".join(report.designated))
        return report
