"""AppointmentWorkflow: one booked appointment with a leader (约访), on the engine (`workflows.engine`).

Started by the portal's booking (or an officer booking for a resident), workflow id
`appointment-<code>`. Its own timers, not deadline clocks: a reminder before the slot (recorded on the
resident's page and in the timeline), and, when nobody has recorded the appointment by the slot's end
plus the policy's grace, it is recorded as missed (爽约). Updates: ap_attend (the leader's office
records the reception: outcome, people, lawyer), ap_miss, ap_cancel (the resident on their link, or
an officer), each with a validator. Query `snapshot`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import api
    from workflows import search_attributes as sa
    from workflows.appointment.types import (
        AppointmentAction,
        AppointmentProjection,
        AppointmentRegistration,
        AppointmentResult,
        AppointmentSnapshot,
        AppointmentStatus,
        Attendance,
        Cancellation,
        NoShow,
    )
    from workflows.directory import current as current_directory
    from workflows.engine import SYSTEM, ProcessEngine, declare_updates
    from workflows.rules import actor_problem, text_field, text_problem
    from workflows.transitions import Effects
    from workflows.types import Actor, Deadline, Role

# Who records a reception: the leader received, their office, the petition desk, admins.
RECORDERS = (Role.LEADER, Role.PETITION_CLERK, Role.PETITION_HEAD, Role.ADMIN)
LABELS = {
    AppointmentAction.ATTEND: "接待",
    AppointmentAction.MISS: "爽约",
    AppointmentAction.CANCEL: "取消预约",
}


@dataclasses.dataclass(frozen=True)
class _Declared:
    payload: type[Any]
    transition: Any = True


DECLARED = {
    AppointmentAction.ATTEND: _Declared(Attendance),
    AppointmentAction.MISS: _Declared(NoShow),
    AppointmentAction.CANCEL: _Declared(Cancellation),
}


def refusal(action: AppointmentAction, d: Any, s: AppointmentSnapshot) -> str | None:
    """The rules, pure: rechecked by the handler after the lock (replays too)."""
    if s.status != AppointmentStatus.BOOKED:
        return "该预约已经结束"
    actor: Actor = d.actor
    if action == AppointmentAction.CANCEL:
        if actor.role in (Role.RESIDENT, *RECORDERS):
            return text_field(d.reason, "取消原因", required=False)
        return "只有预约人或接访单位可以取消预约"
    if actor.role not in RECORDERS:
        return "只有接访领导或信访部门可以登记接待情况"
    if actor.role == Role.LEADER and actor.user_id != s.registration.leader_id:
        return "这不是您的约访"
    if isinstance(d, Attendance) and d.outcome.value == "registered" and not d.linked_code:
        return "登记为诉求或信访事项的，请填写其编号"
    return text_field(d.note, "说明", required=False)


@workflow.defn
@declare_updates(DECLARED, result=AppointmentResult)
class AppointmentWorkflow(ProcessEngine):
    CLOCK_LABELS = MappingProxyType({})  # no deadline clocks: its own two timers
    OVERDUE_KINDS = ()
    PROJECTION = AppointmentProjection
    PROJECT = api.project_appointment
    _s: AppointmentSnapshot

    @workflow.init
    def __init__(self, reg: AppointmentRegistration) -> None:
        if reg.received_at is None:
            reg.received_at = workflow.now()
        self._s = AppointmentSnapshot(
            code=reg.code,
            version=0,
            registration=reg,
            policy=reg.policy,
            status=AppointmentStatus.BOOKED,
            stage=AppointmentStatus.BOOKED,
            holder_org_ids=[],
            holder_role=Role.LEADER,
        )
        self._start_engine()

    @workflow.run
    async def run(self, reg: AppointmentRegistration) -> AppointmentSnapshot:
        self._catching_up = asyncio.create_task(self._catch_up(), name="catch up the read model")
        async with self._lock:
            self._record("booked", reg.booked_by, reg.matter)
            await self._commit()
        remind_at = reg.slot_at - timedelta(hours=reg.policy.remind_hours_before)
        if await self._until(remind_at, "约访提醒"):
            async with self._lock:
                if self._s.status == AppointmentStatus.BOOKED:
                    self._s.reminded_at = workflow.now()
                    self._record("reminded", SYSTEM, "约访前一日提醒")
                    await self._commit()
        # Rule: nobody recorded the reception by the slot's end plus the grace: it was missed.
        if await self._until(reg.slot_at + timedelta(minutes=reg.policy.missed_after_minutes), "约访结束"):
            async with self._lock:
                if self._s.status == AppointmentStatus.BOOKED:
                    self._end(AppointmentStatus.MISSED)
                    self._record("missed", SYSTEM, "预约时段结束，未登记接待")
                    await self._commit()
        await workflow.wait_condition(lambda: self._s.status != AppointmentStatus.BOOKED and self._settled())
        return self._s

    async def _until(self, moment: Any, summary: str) -> bool:
        """Sleeps until `moment` unless the appointment ends first; True if it is still booked then."""
        delay = (moment - workflow.now()).total_seconds()
        if delay > 0:
            try:
                await workflow.wait_condition(
                    lambda: self._s.status != AppointmentStatus.BOOKED, timeout=delay, timeout_summary=summary
                )
            except TimeoutError:
                pass
        return self._s.status == AppointmentStatus.BOOKED

    @workflow.query
    def snapshot(self) -> AppointmentSnapshot:
        return self._s

    def _validate(self, action: AppointmentAction, d: Any) -> None:
        problem = (
            text_problem(d) or refusal(action, d, self._s) or actor_problem(d.actor, current_directory())
        )
        if problem:
            raise ApplicationError(problem, type="DecisionRefused", non_retryable=True)

    async def _decide(self, action: AppointmentAction, d: Any) -> AppointmentResult:
        # A decision delivered with the start waits for the run's first commit (its opening clocks).
        await workflow.wait_condition(lambda: self._s.version > 0)
        async with self._lock:
            problem = refusal(action, d, self._s)
            if problem:
                raise ApplicationError(problem, type="StageMismatch", non_retryable=True)
            if isinstance(d, Attendance):
                s = self._s
                s.outcome, s.people, s.lawyer_present = d.outcome, d.people, d.lawyer_present
                s.linked_code, s.note = d.linked_code, d.note
                self._end(AppointmentStatus.ATTENDED)
            else:
                self._end(
                    AppointmentStatus.CANCELLED
                    if action == AppointmentAction.CANCEL
                    else AppointmentStatus.MISSED
                )
            note = getattr(d, "note", "") or getattr(d, "reason", "")
            self._record(action.value, d.actor, note)
            result: AppointmentResult = self._result(await self._commit())
            return result

    def _end(self, status: AppointmentStatus) -> None:
        self._s.status = self._s.stage = status
        self._s.closed_at = workflow.now()

    def _result(self, projected: bool) -> Any:
        s = self._s
        return AppointmentResult(s.code, s.version, s.status, projected)

    def _expired(self, d: Deadline) -> tuple[str, Effects]:
        raise NotImplementedError("an appointment has no deadline clocks")

    def _publish(self) -> None:
        s = self._s
        if self._published != (s.status,):
            workflow.upsert_search_attributes(
                [
                    sa.CASE_STAGE.value_set(f"ap_{s.status.value}"),
                    sa.CASE_CATEGORY.value_set("appointment"),
                    sa.CASE_DUE_AT.value_set(s.registration.slot_at),
                    sa.CASE_OVERDUE.value_set(False),
                ]
            )
            self._published = (s.status,)
        workflow.set_current_details(
            f"**约访** {s.code} · **状态** {s.status.value} · **时段** {s.registration.slot_at.isoformat(timespec='minutes')}"
        )
