"""BacklogWorkflow: one 积案 owned by named leaders (包案) until it is resolved, the third process on the
engine (`workflows.engine`).

Started when a petition is designated 积案 (by the petition bureau's head, or by a rule), workflow id
`backlog-<petition code>`, so a petition is designated at most once. Handlers:

- Updates jz_assign (the bureau's head names the leaders and the working team), jz_report (the weekly
  progress report, with the 五包 duties done), jz_resolve (化解: the outcome and its evidence), jz_press
  (督办 by the supervision office once something is late), each with a validator; reproject.
- Query `snapshot`.

Clocks: the owners must be named within the policy's span, and a progress report is due every week
after that; a missed report is counted, recorded, and puts the case before the supervision office.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import api
    from workflows import search_attributes as sa
    from workflows.backlog import rules, transitions
    from workflows.backlog.rules import BACKLOG_DECISIONS
    from workflows.backlog.types import (
        BacklogAction,
        BacklogProjection,
        BacklogRegistration,
        BacklogResult,
        BacklogSnapshot,
        BacklogStage,
    )
    from workflows.directory import current as current_directory
    from workflows.engine import ProcessEngine, declare_updates
    from workflows.transitions import Effects, OpenClock
    from workflows.types import Deadline, DeadlineKind, Reprojection, Role

CLOCK_LABELS = {
    DeadlineKind.BACKLOG_ASSIGN: "落实包案期限",
    DeadlineKind.BACKLOG_REPORT: "包案进展报告期限（每周）",
}


@dataclasses.dataclass(frozen=True)
class _Declared:
    """`declare_updates` reads a decision's payload and whether it has a transition."""

    payload: type[Any]
    transition: Any


@workflow.defn
@declare_updates(
    {a: _Declared(d.payload, d.transition) for a, d in BACKLOG_DECISIONS.items()}, result=BacklogResult
)
class BacklogWorkflow(ProcessEngine):
    CLOCK_LABELS = CLOCK_LABELS
    OVERDUE_KINDS = transitions.KINDS
    PROJECTION = BacklogProjection
    PROJECT = api.project_backlog
    _s: BacklogSnapshot

    @workflow.init
    def __init__(self, reg: BacklogRegistration) -> None:
        if reg.received_at is None:
            reg.received_at = workflow.now()
        self._s = BacklogSnapshot(
            code=reg.code,
            version=0,
            registration=reg,
            policy=reg.policy,
            stage=BacklogStage.AWAITING,
            holder_org_ids=[reg.bureau_org_id],
            holder_role=Role.PETITION_HEAD,
        )
        self._start_engine()

    @workflow.run
    async def run(self, reg: BacklogRegistration) -> BacklogSnapshot:
        self._catching_up = asyncio.create_task(self._catch_up(), name="catch up the read model")
        async with self._lock:
            why = "（按规则认定）" if reg.by_rule else ""
            self._record("designated", reg.designated_by, f"{reg.note}{why}", public=False)
            await self._open(
                [OpenClock(DeadlineKind.BACKLOG_ASSIGN, reg.policy.assign, org_id=reg.bureau_org_id)]
            )
            await self._commit()
        await workflow.wait_condition(lambda: self._s.stage == BacklogStage.CLOSED and self._settled())
        return self._s

    @workflow.query
    def snapshot(self) -> BacklogSnapshot:
        return self._s

    @workflow.update
    async def reproject(self, r: Reprojection) -> BacklogResult:
        async with self._lock:
            result: BacklogResult = self._result(await self._project(force=True))
            return result

    @reproject.validator
    def _reproject(self, r: Reprojection) -> None:
        if r.actor.role not in (Role.SYSTEM, Role.ADMIN):
            raise ApplicationError(
                "只有系统或管理员可以重写读模型", type="DecisionRefused", non_retryable=True
            )

    def _validate(self, action: BacklogAction, d: Any) -> None:
        problem = rules.validation_refusal(action, d, self._s, current_directory())
        if problem:
            raise ApplicationError(problem, type="DecisionRefused", non_retryable=True)

    async def _decide(self, action: BacklogAction, d: Any) -> BacklogResult:
        # A decision delivered with the start waits for the run's first commit (its opening clocks).
        await workflow.wait_condition(lambda: self._s.version > 0)
        async with self._lock:
            problem = rules.refusal(action, d, self._s)
            if problem:
                raise ApplicationError(problem, type="StageMismatch", non_retryable=True)
            effects = BACKLOG_DECISIONS[action].transition(self._s, d, workflow.now())
            result: BacklogResult = self._result(await self._carry_out(action.value, d.actor, effects))
            return result

    def _result(self, projected: bool) -> Any:
        s = self._s
        return BacklogResult(s.code, s.version, s.stage, list(s.holder_org_ids), s.holder_role, projected)

    def _expired(self, d: Deadline) -> tuple[str, Effects]:
        return transitions.on_expiry(self._s, d.kind, workflow.now())

    def _publish(self) -> None:
        s = self._s
        clock = next((d for d in reversed(s.deadlines) if d.closed_at is None), None)
        due: datetime | None = clock.due_at if clock else None
        values = (s.stage, due, s.overdue)
        if values != self._published:
            workflow.upsert_search_attributes(
                [
                    sa.CASE_STAGE.value_set(s.stage.value),
                    sa.CASE_CATEGORY.value_set("backlog"),
                    sa.CASE_ORG.value_set(s.registration.org_id or s.registration.bureau_org_id),
                    sa.CASE_DUE_AT.value_set(due) if due else sa.CASE_DUE_AT.value_unset(),
                    sa.CASE_OVERDUE.value_set(s.overdue),
                ]
            )
            self._published = values
        workflow.set_current_details(
            f"**积案** {s.code} · **阶段** {rules.STAGE_NAMES[s.stage]} · **包案领导** {' '.join(s.leader_ids) or '—'}\n\n"
            f"**进展报告** {s.reports} 次（逾期 {s.missed_reports} 次） · **超期** {'是' if s.overdue else '否'}"
        )
