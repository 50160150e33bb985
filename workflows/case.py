"""CaseWorkflow: one case's whole life through the six orders (六单), the first process on the engine
(`workflows.engine`).

Started by the web's registration service (点单) with a `CaseRegistration`; workflow id
`case-<code>`. Handlers, all called by the web and API service layer on behalf of a signed-in
officer (or a resident's tracking link):

- Updates, one per decision declared in `workflows.decisions` (triage, resolve_locally, report_up,
  close_unreasonable, sign, dispatch, accept, return_case, request_extension, decide_extension,
  submit_result, supervise, escalate, take_charge, rate, reopen, close_after_review, withdraw,
  remind), each with a validator that refuses wrong role / org / stage / payload / names unknown to
  the directory before anything enters the history; recompute_deadlines (admins, after loading a new
  year's official calendar); and reproject (the reconciler, when the read model shows a version
  Temporal never recorded).
- Query `snapshot`: the live state (stage, holders, every deadline, flags, timeline).

Every deadline is a timer of its own with a summary (部门办结时限) so the Temporal UI reads
naturally; what happens when each expires is `transitions.on_overdue`. After every transition the
case is projected to the read model (local activity) and its search attributes are upserted.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import rules, transitions
    from workflows import search_attributes as sa
    from workflows.decisions import DECISIONS

    # By name, so the sandbox passes the worker's module through (`from workflows import directory`
    # would load a fresh copy inside the sandbox, without the worker's view).
    from workflows.directory import current as current_directory
    from workflows.directory import org_name
    from workflows.engine import ProcessEngine, declare_updates
    from workflows.policies import POLICIES
    from workflows.transitions import ESCALATING, OVERDUE_KINDS, Effects, OpenClock, running_deadline
    from workflows.types import (
        Action,
        CaseRegistration,
        CaseSnapshot,
        Deadline,
        DeadlineKind,
        DecisionResult,
        RecomputeDeadlines,
        Reprojection,
        Role,
        Stage,
    )

# CaseOrgs (every current holder, a keyword list) is published beside CaseOrg (issue 13).
PATCH_CASE_ORGS = "case-orgs-keyword-list-2026-12"

CLOCK_LABELS = {
    DeadlineKind.REPORT: "社区报单时限",
    DeadlineKind.SIGN: "街道签收时限",
    DeadlineKind.DISPATCH: "街道派单时限",
    DeadlineKind.RESPONSE: "部门首次响应时限",
    DeadlineKind.OBJECTION: "部门退单时限",
    DeadlineKind.COMPLETION: "部门办结时限",
    DeadlineKind.SUPERVISION: "督办整改时限",
    DeadlineKind.RATING: "群众评价时限",
    DeadlineKind.REVIEW: "领导复查时限",
}


@workflow.defn
@declare_updates(DECISIONS)
class CaseWorkflow(ProcessEngine):
    CLOCK_LABELS = CLOCK_LABELS
    OVERDUE_KINDS = OVERDUE_KINDS
    _s: CaseSnapshot

    @workflow.init
    def __init__(self, reg: CaseRegistration) -> None:
        if reg.received_at is None:
            reg.received_at = workflow.now()
        policy = reg.policy or POLICIES[reg.policy_id]
        self._s = CaseSnapshot(
            code=reg.code,
            version=0,
            registration=reg,
            policy=policy,
            stage=Stage.REPORT,
            holder_org_ids=[reg.community_org_id],
            holder_role=Role.COMMUNITY,
            category=reg.category,
        )
        self._start_engine()

    @workflow.run
    async def run(self, reg: CaseRegistration) -> CaseSnapshot:
        if self._convergent():
            self._catching_up = asyncio.create_task(self._catch_up(), name="catch up the read model")
        async with self._lock:
            collected = f"（走访人：{reg.collected_by}）" if getattr(reg, "collected_by", "") else ""
            self._record("registered", reg.registered_by, reg.title + collected)
            received = self._s.registration.received_at
            if getattr(reg, "clocks_from_registration", False):
                received = workflow.now()  # an imported ledger row: its clocks start now
            await self._open(
                [
                    OpenClock(
                        DeadlineKind.REPORT,
                        self._s.policy.report,
                        org_id=reg.community_org_id,
                        start=received,
                    )
                ]
            )
            await self._commit()
        # A timer can close the case too (未评价): its watcher is no handler, so also wait for the lock,
        # or the case would complete before its last projection is written.
        await workflow.wait_condition(lambda: self._s.stage == Stage.CLOSED and self._settled())
        return self._s

    @workflow.query
    def snapshot(self) -> CaseSnapshot:
        return self._s

    # --- handlers beyond the declared decisions --------------------------------------------------

    @workflow.update
    async def recompute_deadlines(self, d: RecomputeDeadlines) -> DecisionResult:
        """A new year's calendar was loaded: provisional deadlines get their official dates."""
        async with self._lock:
            self._recheck(Action.RECOMPUTE_DEADLINES, d)
            projected = await self._recompute_provisional(d.actor)
            return self._result(projected)

    @recompute_deadlines.validator
    def _recompute_deadlines(self, d: RecomputeDeadlines) -> None:
        self._validate(Action.RECOMPUTE_DEADLINES, d)

    @workflow.update
    async def reproject(self, r: Reprojection) -> DecisionResult:
        """The reconciler found a version in the read model that Temporal never recorded (a worker
        killed between the projection's commit and its workflow task): the case writes the state it
        really holds over it, under its lock, so no projection of its own can race the repair."""
        async with self._lock:
            projected = await self._project(force=True)
            return self._result(projected)

    @reproject.validator
    def _reproject(self, r: Reprojection) -> None:
        if r.actor.role not in (Role.SYSTEM, Role.ADMIN):
            raise ApplicationError(
                "只有系统或管理员可以重写读模型", type="DecisionRefused", non_retryable=True
            )

    # --- the decisions' machinery ---------------------------------------------------------------

    def _validate(self, action: Action, d: Any) -> None:
        # Validators never run on replay, so they may consult the worker's directory view.
        problem = rules.validation_refusal(action, d, self._s, workflow.now(), current_directory())
        if problem:
            raise ApplicationError(problem, type="DecisionRefused", non_retryable=True)

    def _recheck(self, action: Action, d: Any) -> None:
        # The state may have moved while this decision waited for the lock (two officers at once).
        problem = rules.refusal(action, d, self._s, workflow.now())
        if problem:
            raise ApplicationError(problem, type="StageMismatch", non_retryable=True)

    async def _decide(self, action: Action, d: Any) -> DecisionResult:
        async with self._lock:
            self._recheck(action, d)
            transition = DECISIONS[action].transition
            assert transition is not None
            effects = transition(self._s, d, workflow.now())
            audience = getattr(d, "note_to_resident", None)  # only decisions whose form has a note
            return self._result(await self._carry_out(action.value, d.actor, effects, audience))

    def _expired(self, d: Deadline) -> tuple[str, Effects]:
        effects = transitions.on_overdue(self._s, d.kind, workflow.now())
        return ("not_rated" if d.kind == DeadlineKind.RATING else "overdue"), effects

    def _publish(self) -> None:
        s = self._s
        clock = running_deadline(s, (*ESCALATING, DeadlineKind.RATING, DeadlineKind.REVIEW))
        due: datetime | None = clock.due_at if clock else None
        holder = s.holder_org_ids[0] if s.holder_org_ids else ""
        # Every holder as a keyword list (CaseOrgs); running cases from before it publish as they did.
        every_holder = workflow.patched(PATCH_CASE_ORGS)
        values = (
            s.stage,
            s.category,
            holder,
            due,
            s.overdue,
            tuple(s.holder_org_ids) if every_holder else (),
        )
        if values != self._published:
            updates: list[SearchAttributeUpdate[Any]] = [
                sa.CASE_STAGE.value_set(s.stage.value),
                sa.CASE_CATEGORY.value_set(s.category.value)
                if s.category
                else sa.CASE_CATEGORY.value_unset(),
                sa.CASE_ORG.value_set(holder) if holder else sa.CASE_ORG.value_unset(),
                sa.CASE_DUE_AT.value_set(due) if due else sa.CASE_DUE_AT.value_unset(),
                sa.CASE_OVERDUE.value_set(s.overdue),
            ]
            if every_holder:
                orgs = list(s.holder_org_ids)
                updates.append(sa.CASE_ORGS.value_set(orgs) if orgs else sa.CASE_ORGS.value_unset())
            workflow.upsert_search_attributes(updates)
            self._published = values
        due_text = (
            f"{clock.label} {due.isoformat(timespec='minutes')}"
            + ("（临时）" if clock and clock.provisional else "")
            if clock and due
            else "—"
        )
        workflow.set_current_details(
            f"**阶段** {rules.STAGE_NAMES[s.stage]} · **办理单位** {'、'.join(map(org_name, s.holder_org_ids)) or '—'}\n\n"
            f"**时限** {due_text} · **超期** {'是' if s.overdue else '否'} · **督办级别** {s.supervision_level}"
        )
