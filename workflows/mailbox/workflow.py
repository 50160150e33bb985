"""MailboxWorkflow: one letter to the director's mailbox (局长信箱), on the engine (`workflows.engine`).

Started by the portal, workflow id `letter-<code>`. Updates (declared in `workflows.mailbox.rules`):
mb_propose (the deputy in charge reviews and proposes), mb_approve (the director approves and assigns
it with a deadline) or mb_send_back, mb_reply (the unit's answer, returned to the writer), mb_rate
(the writer, on their private link), mb_press (the director presses a late step); each with a
validator. Query `snapshot`. Clocks: review and approval on the policy's working days, the answer by
the director's deadline, and the writer's rating window.
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
    from workflows.directory import current as current_directory
    from workflows.engine import ProcessEngine, declare_updates
    from workflows.mailbox import rules
    from workflows.mailbox.rules import LETTER_DECISIONS
    from workflows.mailbox.types import (
        LetterAction,
        LetterProjection,
        LetterRegistration,
        LetterResult,
        LetterSnapshot,
        LetterStage,
    )
    from workflows.transitions import Effects, OpenClock
    from workflows.types import Deadline, DeadlineKind, Role

CLOCK_LABELS = {
    DeadlineKind.MAILBOX_REVIEW: "拟办期限",
    DeadlineKind.MAILBOX_APPROVAL: "审批期限",
    DeadlineKind.MAILBOX_REPLY: "答复期限",
    DeadlineKind.RATING: "评价期限",
}


@dataclasses.dataclass(frozen=True)
class _Declared:
    payload: type[Any]
    transition: Any


@workflow.defn
@declare_updates(
    {a: _Declared(d.payload, d.transition) for a, d in LETTER_DECISIONS.items()}, result=LetterResult
)
class MailboxWorkflow(ProcessEngine):
    CLOCK_LABELS = CLOCK_LABELS
    OVERDUE_KINDS = rules.OVERDUE_KINDS
    PROJECTION = LetterProjection
    PROJECT = api.project_letter
    _s: LetterSnapshot

    @workflow.init
    def __init__(self, reg: LetterRegistration) -> None:
        if reg.received_at is None:
            reg.received_at = workflow.now()
        self._s = LetterSnapshot(
            code=reg.code,
            version=0,
            registration=reg,
            policy=reg.policy,
            stage=LetterStage.REVIEW,
            holder_org_ids=[reg.mailbox_org_id],
            holder_role=Role.PETITION_DEPUTY,
        )
        self._start_engine()

    @workflow.run
    async def run(self, reg: LetterRegistration) -> LetterSnapshot:
        self._catching_up = asyncio.create_task(self._catch_up(), name="catch up the read model")
        async with self._lock:
            self._record("received", reg.registered_by, reg.subject)
            await self._open(
                [OpenClock(DeadlineKind.MAILBOX_REVIEW, reg.policy.review, org_id=reg.mailbox_org_id)]
            )
            await self._commit()
        await workflow.wait_condition(lambda: self._s.stage == LetterStage.CLOSED and self._settled())
        return self._s

    @workflow.query
    def snapshot(self) -> LetterSnapshot:
        return self._s

    def _validate(self, action: LetterAction, d: Any) -> None:
        problem = rules.validation_refusal(action, d, self._s, workflow.now(), current_directory())
        if problem:
            raise ApplicationError(problem, type="DecisionRefused", non_retryable=True)

    async def _decide(self, action: LetterAction, d: Any) -> LetterResult:
        # A decision delivered with the start waits for the run's first commit (its opening clocks).
        await workflow.wait_condition(lambda: self._s.version > 0)
        async with self._lock:
            problem = rules.refusal(action, d, self._s, workflow.now())
            if problem:
                raise ApplicationError(problem, type="StageMismatch", non_retryable=True)
            effects = LETTER_DECISIONS[action].transition(self._s, d, workflow.now())
            result: LetterResult = self._result(await self._carry_out(action.value, d.actor, effects))
            return result

    def _result(self, projected: bool) -> Any:
        s = self._s
        return LetterResult(s.code, s.version, s.stage, list(s.holder_org_ids), s.holder_role, projected)

    def _expired(self, d: Deadline) -> tuple[str, Effects]:
        return rules.on_expiry(self._s, d.kind, workflow.now())

    def _publish(self) -> None:
        s = self._s
        clock = next((d for d in reversed(s.deadlines) if d.closed_at is None), None)
        due: datetime | None = clock.due_at if clock else None
        values = (s.stage, due, s.overdue)
        if values != self._published:
            holder = s.holder_org_ids[0] if s.holder_org_ids else ""
            workflow.upsert_search_attributes(
                [
                    sa.CASE_STAGE.value_set(s.stage.value),
                    sa.CASE_CATEGORY.value_set("mailbox"),
                    sa.CASE_ORG.value_set(holder) if holder else sa.CASE_ORG.value_unset(),
                    sa.CASE_DUE_AT.value_set(due) if due else sa.CASE_DUE_AT.value_unset(),
                    sa.CASE_OVERDUE.value_set(s.overdue),
                ]
            )
            self._published = values
        workflow.set_current_details(
            f"**局长信箱** {s.code} · **阶段** {rules.STAGE_NAMES[s.stage]} · **承办** {s.assigned_org_id or '—'}"
        )
