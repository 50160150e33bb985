"""PetitionWorkflow: one petition's statutory path under 《信访工作条例》(2022), the second process on
the engine (`workflows.engine`), beside the 六单 case.

Started by the petition bureau's desk (登记) with a `PetitionRegistration`; workflow id
`petition-<code>`. Handlers, called by the web and API service layer for a signed-in officer (or the
petitioner's tracking link):

- Updates, one per decision in `workflows.petition.decisions` (xf_accept, xf_decline, xf_refer_out,
  xf_transfer, xf_object, xf_decide_objection, xf_request_extension, xf_decide_extension, xf_answer,
  xf_deliver, xf_request_review, xf_decide_review, xf_request_recheck, xf_start_hearing,
  xf_end_hearing, xf_decide_recheck, xf_press, xf_withdraw, xf_merge), each with a validator that
  refuses the wrong officer, stage or content, and names unknown to the directory, before anything
  enters the history; `recompute_deadlines` (admins, after loading a new year's calendar); `reproject` for the
  reconciler.
- Query `snapshot`: the live state (stage, clocks, documents, timeline).

Every statutory clock is a timer with a warning and an overdue point (what each expiry does is
`transitions.on_expiry`); every notice and opinion gets its document number (文号) from a local
activity, recorded in history, so a replay never numbers it again.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import api
    from workflows import search_attributes as sa
    from workflows.directory import current as current_directory
    from workflows.engine import LOCAL_RETRY, LOCAL_TIMEOUT, ProcessEngine, declare_updates
    from workflows.petition import rules, transitions
    from workflows.petition.decisions import PETITION_DECISIONS
    from workflows.petition.types import (
        DocumentNumberRequest,
        PetitionAction,
        PetitionProjection,
        PetitionRegistration,
        PetitionResult,
        PetitionSnapshot,
        PetitionStage,
    )
    from workflows.transitions import Effects, OpenClock
    from workflows.types import (
        Deadline,
        DeadlineKind,
        RecomputeDeadlines,
        Reprojection,
        Role,
    )

K = DeadlineKind
CLOCK_LABELS = {
    K.PETITION_INTAKE: "受理期限（收到之日起15日）",
    K.THREE_DAY: "三天工作法期限（本地做法）",
    K.HANDED_DOWN: "上级交办期限",
    K.UNIT_ACCEPT: "有权处理机关受理期限",
    K.UNIT_OBJECTION: "异议期限",
    K.HANDLING: "办理期限（受理之日起60日）",
    K.REVIEW_REQUEST: "复查申请期限",
    K.REVIEW_DECISION: "复查期限",
    K.RECHECK_REQUEST: "复核申请期限",
    K.RECHECK_DECISION: "复核期限",
}


@workflow.defn
@declare_updates(PETITION_DECISIONS, result=PetitionResult)
class PetitionWorkflow(ProcessEngine):
    CLOCK_LABELS = CLOCK_LABELS
    OVERDUE_KINDS = transitions.OVERDUE_KINDS
    PROJECTION = PetitionProjection
    PROJECT = api.project_petition
    _s: PetitionSnapshot

    @workflow.init
    def __init__(self, reg: PetitionRegistration) -> None:
        if reg.received_at is None:
            reg.received_at = workflow.now()
        self._s = PetitionSnapshot(
            code=reg.code,
            version=0,
            registration=reg,
            policy=reg.policy,
            stage=PetitionStage.REGISTERED,
            holder_org_ids=[reg.bureau_org_id],
            holder_role=Role.PETITION_CLERK,
        )
        self._start_engine()
        self._issued = ""  # the document the decision under way issued

    @workflow.run
    async def run(self, reg: PetitionRegistration) -> PetitionSnapshot:
        self._catching_up = asyncio.create_task(self._catch_up(), name="catch up the read model")
        async with self._lock:
            note = reg.title + _repeat_note(reg)
            self._record("registered", reg.registered_by, note)
            clocks = [OpenClock(K.PETITION_INTAKE, reg.policy.intake, org_id=reg.bureau_org_id, cutoff=False)]
            if reg.policy.three_day is not None:
                clocks.append(OpenClock(K.THREE_DAY, reg.policy.three_day, org_id=reg.bureau_org_id))
            if reg.handed_down_due is not None:
                clocks.append(OpenClock(K.HANDED_DOWN, due_at=reg.handed_down_due, org_id=reg.bureau_org_id))
            await self._open(clocks)
            await self._commit()
        await workflow.wait_condition(lambda: self._s.stage == PetitionStage.CLOSED and self._settled())
        return self._s

    @workflow.query
    def snapshot(self) -> PetitionSnapshot:
        return self._s

    @workflow.update
    async def recompute_deadlines(self, d: RecomputeDeadlines) -> PetitionResult:
        """A new year's calendar was loaded: provisional clocks get their official dates."""
        async with self._lock:
            self._issued = ""
            result: PetitionResult = self._result(await self._recompute_provisional(d.actor))
            return result

    @recompute_deadlines.validator
    def _recompute_deadlines(self, d: RecomputeDeadlines) -> None:
        if d.actor.role != Role.ADMIN:
            raise ApplicationError("只有系统管理员可以重算时限", type="DecisionRefused", non_retryable=True)

    @workflow.update
    async def reproject(self, r: Reprojection) -> PetitionResult:
        """The reconciler found a version Temporal never recorded: write the real state over it."""
        async with self._lock:
            result: PetitionResult = self._result(await self._project(force=True))
            return result

    @reproject.validator
    def _reproject(self, r: Reprojection) -> None:
        if r.actor.role not in (Role.SYSTEM, Role.ADMIN):
            raise ApplicationError(
                "只有系统或管理员可以重写读模型", type="DecisionRefused", non_retryable=True
            )

    # --- the decisions' machinery ---------------------------------------------------------------

    def _validate(self, action: PetitionAction, d: Any) -> None:
        problem = rules.validation_refusal(action, d, self._s, workflow.now(), current_directory())
        if problem:
            raise ApplicationError(problem, type="DecisionRefused", non_retryable=True)

    async def _decide(self, action: PetitionAction, d: Any) -> PetitionResult:
        # A decision delivered with the start waits for the run's first commit (its opening clocks).
        await workflow.wait_condition(lambda: self._s.version > 0)
        async with self._lock:
            problem = rules.refusal(action, d, self._s, workflow.now())
            if problem:  # the petition moved while this decision waited for the lock
                raise ApplicationError(problem, type="StageMismatch", non_retryable=True)
            effects = PETITION_DECISIONS[action].transition(self._s, d, workflow.now())
            self._issued = ""
            if effects.issue is not None:
                await self._number(effects.issue)
            result: PetitionResult = self._result(await self._carry_out(action.value, d.actor, effects))
            return result

    async def _number(self, doc: Any) -> None:
        """Gives a document its id and number (文号): the numbering activity's answer is recorded."""
        doc.id = f"d{len(self._s.documents) + 1}"
        doc.number = await workflow.execute_local_activity(
            api.number_document,
            DocumentNumberRequest(self._s.code, doc.id, doc.kind, doc.issued_at.year),
            start_to_close_timeout=LOCAL_TIMEOUT,
            retry_policy=LOCAL_RETRY,
        )
        if doc.delivery is not None:  # a notice is sent when issued; an opinion's receipt is recorded
            doc.delivered_at = doc.issued_at
        self._s.documents.append(doc)
        self._issued = doc.id

    def _result(self, projected: bool) -> Any:
        s = self._s
        return PetitionResult(
            code=s.code,
            version=s.version,
            stage=s.stage,
            holder_org_ids=list(s.holder_org_ids),
            holder_role=s.holder_role,
            projected=projected,
            document_id=self._issued,
        )

    def _expired(self, d: Deadline) -> tuple[str, Effects]:
        return transitions.on_expiry(self._s, d.kind, workflow.now())

    def _publish(self) -> None:
        s = self._s
        clock = next(
            (
                d
                for d in reversed(s.deadlines)
                if d.closed_at is None and d.kind in transitions.PETITION_KINDS
            ),
            None,
        )
        due: datetime | None = clock.due_at if clock else None
        holder = s.holder_org_ids[0] if s.holder_org_ids else ""
        values = (s.stage, holder, due, s.overdue)
        if values != self._published:
            workflow.upsert_search_attributes(
                [
                    sa.CASE_STAGE.value_set(s.stage.value),
                    sa.CASE_CATEGORY.value_set(s.registration.matter_type.value),
                    sa.CASE_ORG.value_set(holder) if holder else sa.CASE_ORG.value_unset(),
                    sa.CASE_DUE_AT.value_set(due) if due else sa.CASE_DUE_AT.value_unset(),
                    sa.CASE_OVERDUE.value_set(s.overdue),
                ]
            )
            self._published = values
        due_text = f"{clock.label} {due.isoformat(timespec='minutes')}" if clock and due else "—"
        workflow.set_current_details(
            f"**信访事项** {s.code} · **阶段** {rules.STAGE_NAMES[s.stage]} · "
            f"**办理机关** {s.handling_org_id or s.registration.bureau_org_id}\n\n"
            f"**法定时限** {due_text} · **超期** {'是' if s.overdue else '否'}"
        )


def _repeat_note(reg: PetitionRegistration) -> str:
    """重复信访 in the registration's timeline entry (before issue 12, only of a concluded matter)."""
    if not reg.repeat_of:
        return ""
    return f"（重复信访，原事项 {reg.repeat_of}{' 已终结' if reg.repeat_of_concluded else ''}）"
