"""CaseWorkflow: one case's whole life through the six orders (六单), as one Temporal workflow.

Started by the web's registration service (点单) with a `CaseRegistration`; workflow id
`case-<code>`. Handlers, all called by the web and API service layer on behalf of a signed-in
officer (or a resident's tracking link):

- Updates, one per decision, each with a validator that refuses wrong role / org / stage / payload
  before anything enters the history: triage, resolve_locally, report_up, close_unreasonable, sign,
  dispatch, accept, return_case, request_extension, decide_extension, submit_result, supervise,
  escalate, take_charge, rate, reopen, close_after_review, withdraw; recompute_deadlines
  (admins, after loading a new year's official calendar); and reproject (the reconciler, when the
  read model shows a version Temporal never recorded).
- Query `snapshot`: the live state (stage, holders, every deadline, flags, timeline).

Every deadline is a timer of its own with a summary (部门办结时限) so the Temporal UI reads
naturally; what happens when each expires is `transitions.on_overdue`. After every transition the
case is projected to the read model (local activity) and its search attributes are upserted.

Since `PATCH_CONVERGENT` (cases started before it keep the old behaviour on replay):
- an Update answers a small `DecisionResult`, never the snapshot (history size, personal data);
- a projection gets a bounded time; if the read model is down the decision still answers
  (`projected=False`) and the case retries the projection on a backoff timer until it is written;
  a projection the read model rejects (bad data) is recorded for admins by the activity and not
  retried forever; each projection carries the timeline's length, so events written by an attempt
  Temporal never recorded (a worker killed mid-decision) are replaced.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import DeadlineActivities
    from activities.projection import ProjectionActivities
    from workflows import rules, transitions
    from workflows import search_attributes as sa

    # By name, so the sandbox passes the worker's module through (`from workflows import directory`
    # would load a fresh copy inside the sandbox, without the worker's view).
    from workflows.directory import current as current_directory
    from workflows.policies import POLICIES
    from workflows.transitions import ESCALATING, OVERDUE_KINDS, OpenClock, running_deadline
    from workflows.types import (
        AcceptDecision,
        Action,
        Actor,
        CaseRegistration,
        CaseSnapshot,
        Deadline,
        DeadlineKind,
        DeadlineRequest,
        DeadlineResult,
        DeadlineState,
        DecisionResult,
        DispatchDecision,
        Escalation,
        ExtensionDecision,
        ExtensionRequest,
        LocalResolution,
        Projection,
        RatingDecision,
        RecomputeDeadlines,
        ReportUp,
        Reprojection,
        ResultSubmission,
        ReturnDecision,
        ReviewDecision,
        Role,
        SignDecision,
        Stage,
        SupervisionDecision,
        TakeCharge,
        TimelineEntry,
        TriageDecision,
        UnreasonableClosure,
        Withdrawal,
    )

LABELS = {
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
SYSTEM = Actor(user_id="system", role=Role.SYSTEM, display_name="系统")
# Local activities retry until the read model is back: a projection is never dropped.
LOCAL_TIMEOUT = timedelta(seconds=30)
LOCAL_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
# Trust nothing, lose nothing (issue 9): small Update results, bounded projections that catch up.
PATCH_CONVERGENT = "convergent-projection-2026-11"
# A decision waits this long for its projection; past it the decision answers and the case catches
# the read model up on its own, backing off from the first to the last delay.
PROJECTION_BUDGET = timedelta(seconds=8)
PROJECTION_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=2),
    non_retryable_error_types=["ProjectionRejected"],
)
CATCH_UP_DELAYS = (5, 15, 60, 300)  # seconds


@workflow.defn
class CaseWorkflow:
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
        # Every state change and its projection happen under this lock, so projections are written
        # in version order and a timer firing mid-decision waits its turn.
        self._lock = asyncio.Lock()
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._projected = 0  # timeline entries already written to the read model
        self._published: tuple[Any, ...] | None = None
        self._behind = False  # the last projection was not written (read model down): catch up
        self._catching_up: asyncio.Task[None] | None = None

    @workflow.run
    async def run(self, reg: CaseRegistration) -> CaseSnapshot:
        if self._convergent():
            self._catching_up = asyncio.create_task(self._catch_up(), name="catch up the read model")
        async with self._lock:
            self._record("registered", reg.registered_by, reg.title)
            received = self._s.registration.received_at
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
        await workflow.wait_condition(
            lambda: (
                self._s.stage == Stage.CLOSED
                and not self._lock.locked()
                and not self._behind
                and workflow.all_handlers_finished()
            )
        )
        return self._s

    @workflow.query
    def snapshot(self) -> CaseSnapshot:
        return self._s

    # --- decisions -----------------------------------------------------------------------------

    @workflow.update
    async def triage(self, d: TriageDecision) -> DecisionResult:
        return await self._decide(Action.TRIAGE, d)

    @triage.validator
    def _triage(self, d: TriageDecision) -> None:
        self._validate(Action.TRIAGE, d)

    @workflow.update
    async def resolve_locally(self, d: LocalResolution) -> DecisionResult:
        return await self._decide(Action.RESOLVE_LOCALLY, d)

    @resolve_locally.validator
    def _resolve_locally(self, d: LocalResolution) -> None:
        self._validate(Action.RESOLVE_LOCALLY, d)

    @workflow.update
    async def report_up(self, d: ReportUp) -> DecisionResult:
        return await self._decide(Action.REPORT_UP, d)

    @report_up.validator
    def _report_up(self, d: ReportUp) -> None:
        self._validate(Action.REPORT_UP, d)

    @workflow.update
    async def close_unreasonable(self, d: UnreasonableClosure) -> DecisionResult:
        return await self._decide(Action.CLOSE_UNREASONABLE, d)

    @close_unreasonable.validator
    def _close_unreasonable(self, d: UnreasonableClosure) -> None:
        self._validate(Action.CLOSE_UNREASONABLE, d)

    @workflow.update
    async def sign(self, d: SignDecision) -> DecisionResult:
        return await self._decide(Action.SIGN, d)

    @sign.validator
    def _sign(self, d: SignDecision) -> None:
        self._validate(Action.SIGN, d)

    @workflow.update
    async def dispatch(self, d: DispatchDecision) -> DecisionResult:
        return await self._decide(Action.DISPATCH, d)

    @dispatch.validator
    def _dispatch(self, d: DispatchDecision) -> None:
        self._validate(Action.DISPATCH, d)

    @workflow.update
    async def accept(self, d: AcceptDecision) -> DecisionResult:
        return await self._decide(Action.ACCEPT, d)

    @accept.validator
    def _accept(self, d: AcceptDecision) -> None:
        self._validate(Action.ACCEPT, d)

    @workflow.update
    async def return_case(self, d: ReturnDecision) -> DecisionResult:
        return await self._decide(Action.RETURN_CASE, d)

    @return_case.validator
    def _return_case(self, d: ReturnDecision) -> None:
        self._validate(Action.RETURN_CASE, d)

    @workflow.update
    async def request_extension(self, d: ExtensionRequest) -> DecisionResult:
        return await self._decide(Action.REQUEST_EXTENSION, d)

    @request_extension.validator
    def _request_extension(self, d: ExtensionRequest) -> None:
        self._validate(Action.REQUEST_EXTENSION, d)

    @workflow.update
    async def decide_extension(self, d: ExtensionDecision) -> DecisionResult:
        return await self._decide(Action.DECIDE_EXTENSION, d)

    @decide_extension.validator
    def _decide_extension(self, d: ExtensionDecision) -> None:
        self._validate(Action.DECIDE_EXTENSION, d)

    @workflow.update
    async def submit_result(self, d: ResultSubmission) -> DecisionResult:
        return await self._decide(Action.SUBMIT_RESULT, d)

    @submit_result.validator
    def _submit_result(self, d: ResultSubmission) -> None:
        self._validate(Action.SUBMIT_RESULT, d)

    @workflow.update
    async def supervise(self, d: SupervisionDecision) -> DecisionResult:
        return await self._decide(Action.SUPERVISE, d)

    @supervise.validator
    def _supervise(self, d: SupervisionDecision) -> None:
        self._validate(Action.SUPERVISE, d)

    @workflow.update
    async def escalate(self, d: Escalation) -> DecisionResult:
        return await self._decide(Action.ESCALATE, d)

    @escalate.validator
    def _escalate(self, d: Escalation) -> None:
        self._validate(Action.ESCALATE, d)

    @workflow.update
    async def take_charge(self, d: TakeCharge) -> DecisionResult:
        return await self._decide(Action.TAKE_CHARGE, d)

    @take_charge.validator
    def _take_charge(self, d: TakeCharge) -> None:
        self._validate(Action.TAKE_CHARGE, d)

    @workflow.update
    async def rate(self, d: RatingDecision) -> DecisionResult:
        return await self._decide(Action.RATE, d)

    @rate.validator
    def _rate(self, d: RatingDecision) -> None:
        self._validate(Action.RATE, d)

    @workflow.update
    async def reopen(self, d: ReviewDecision) -> DecisionResult:
        return await self._decide(Action.REOPEN, d)

    @reopen.validator
    def _reopen(self, d: ReviewDecision) -> None:
        self._validate(Action.REOPEN, d)

    @workflow.update
    async def close_after_review(self, d: ReviewDecision) -> DecisionResult:
        return await self._decide(Action.CLOSE_AFTER_REVIEW, d)

    @close_after_review.validator
    def _close_after_review(self, d: ReviewDecision) -> None:
        self._validate(Action.CLOSE_AFTER_REVIEW, d)

    @workflow.update
    async def withdraw(self, d: Withdrawal) -> DecisionResult:
        return await self._decide(Action.WITHDRAW, d)

    @withdraw.validator
    def _withdraw(self, d: Withdrawal) -> None:
        self._validate(Action.WITHDRAW, d)

    @workflow.update
    async def recompute_deadlines(self, d: RecomputeDeadlines) -> DecisionResult:
        """A new year's calendar was loaded: provisional deadlines get their official dates."""
        async with self._lock:
            self._recheck(Action.RECOMPUTE_DEADLINES, d)
            changed = 0
            for old in [x for x in self._s.deadlines if x.closed_at is None and x.provisional and x.request]:
                assert old.request is not None
                result = await _compute(old.request)
                self._cancel_timer(old.id)
                old.warn_at, old.due_at, old.provisional = result.warn_at, result.due_at, result.provisional
                # The official date may be later than the provisional one: a clock that ran out on
                # the provisional date runs again (the escalation it caused stays on record).
                if workflow.now() < old.due_at:
                    old.state = (
                        DeadlineState.RUNNING if workflow.now() < old.warn_at else DeadlineState.WARNING
                    )
                self._arm(old)
                changed += 1
            self._record(
                "deadlines_recomputed",
                d.actor,
                f"按新发布的节假日安排重算 {changed} 个临时时限",
                public=False,
            )
            projected = await self._commit()
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

    # --- machinery -----------------------------------------------------------------------------

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
            effects = transitions.TRANSITIONS[action](self._s, d, workflow.now())
            self._record(action.value, d.actor, effects.note, public=effects.public)
            self._close(effects.close, DeadlineState.MET)
            self._close(effects.cancel, DeadlineState.CANCELLED)
            await self._open(effects.open)
            projected = await self._commit()
            return self._result(projected)

    def _convergent(self) -> bool:
        return workflow.patched(PATCH_CONVERGENT)

    def _result(self, projected: bool) -> DecisionResult:
        s = self._s
        if not self._convergent():
            # Cases started before the patch answered with the snapshot minus its timeline; their
            # replays must return what they recorded. (It decodes as a DecisionResult all the same.)
            legacy: Any = dataclasses.replace(s, timeline=[])
            return legacy  # type: ignore[no-any-return]
        return DecisionResult(
            code=s.code,
            version=s.version,
            stage=s.stage,
            holder_org_ids=list(s.holder_org_ids),
            holder_role=s.holder_role,
            projected=projected,
        )

    def _record(self, action: str, actor: Actor, note: str = "", *, public: bool = True) -> None:
        entry = TimelineEntry(
            seq=len(self._s.timeline) + 1,
            at=workflow.now(),
            action=action,
            actor_user_id=actor.user_id,
            actor_role=actor.role,
            actor_org_id=actor.org_id,
            actor_name=actor.display_name,
            note=note,
            public=public,
        )
        self._s.timeline.append(entry)

    async def _open(self, clocks: list[OpenClock]) -> None:
        now = workflow.now()
        for c in clocks:
            start = (
                c.start
                or (self._s.registration.received_at if c.span and c.span.from_receipt else None)
                or now
            )
            request = DeadlineRequest(
                kind=c.kind,
                start=start,
                span=c.span,
                cutoff_hour=self._s.policy.cutoff_hour if c.cutoff else None,
                due_at=c.due_at if c.span is None else None,
            )
            result = await _compute(request)
            deadline = Deadline(
                id=f"{c.kind.value}-{len(self._s.deadlines) + 1}",
                kind=c.kind,
                label=c.label or LABELS[c.kind],
                started_at=start,
                warn_at=result.warn_at,
                due_at=result.due_at,
                provisional=result.provisional,
                org_id=c.org_id,
                request=request,
            )
            self._s.deadlines.append(deadline)
            self._arm(deadline)

    def _close(self, kinds: tuple[DeadlineKind, ...], how: DeadlineState) -> None:
        """Stops these running clocks: met (the work was done) or cancelled (superseded). A clock that
        already ran out stays overdue: it was late, whatever came after."""
        for d in self._s.deadlines:
            if d.closed_at is None and d.kind in kinds:
                d.closed_at = workflow.now()
                if d.state != DeadlineState.OVERDUE:
                    d.state = how
                self._cancel_timer(d.id)

    def _arm(self, d: Deadline) -> None:
        self._timers[d.id] = asyncio.create_task(self._watch(d))

    def _cancel_timer(self, deadline_id: str) -> None:
        # Only called under the lock, so the watcher is asleep or queued on the lock, never mid-commit.
        task = self._timers.pop(deadline_id, None)
        if task is not None:
            task.cancel()

    async def _watch(self, d: Deadline) -> None:
        """The timers of one deadline: its warning point (即将超期), then the deadline itself (超期)."""
        if d.state == DeadlineState.RUNNING:
            await _sleep_until(d.warn_at, f"{d.label}·即将超期")
            async with self._lock:
                if d.closed_at is None and d.state == DeadlineState.RUNNING:
                    d.state = DeadlineState.WARNING
                    self._record("warning", SYSTEM, f"{d.label}即将届满", public=False)
                    await self._commit()
        await _sleep_until(d.due_at, d.label)
        async with self._lock:
            self._timers.pop(d.id, None)  # this task must not cancel itself below
            if d.closed_at is not None or d.state == DeadlineState.OVERDUE:
                return
            d.state = DeadlineState.OVERDUE
            effects = transitions.on_overdue(self._s, d.kind, workflow.now())
            action = "not_rated" if d.kind == DeadlineKind.RATING else "overdue"
            self._record(action, SYSTEM, effects.note or f"{d.label}已届满", public=effects.public)
            self._close(effects.close, DeadlineState.MET)
            await self._commit()

    async def _commit(self) -> bool:
        """Projects the new state to the read model and publishes it to the Temporal UI; False when
        the read model could not be written now (the case catches up by itself)."""
        s = self._s
        s.version += 1
        s.updated_at = workflow.now()
        s.overdue = any(
            d.closed_at is None and d.state == DeadlineState.OVERDUE and d.kind in OVERDUE_KINDS
            for d in s.deadlines
        )
        if self._convergent():
            projected = await self._project()
        else:
            await workflow.execute_local_activity_method(
                ProjectionActivities.project_case,
                Projection(
                    snapshot=dataclasses.replace(s, timeline=[]), new_events=s.timeline[self._projected :]
                ),
                start_to_close_timeout=LOCAL_TIMEOUT,
                retry_policy=LOCAL_RETRY,
            )
            self._projected = len(s.timeline)
            projected = True
        self._publish()
        return projected

    async def _project(self, *, force: bool = False) -> bool:
        """One bounded projection of the current state (under the lock, so writes keep version order).

        A read model that is down (or slow) sets `_behind`, and `_catch_up` tries again later. A
        projection it rejects (ProjectionRejected: the data breaks a constraint) is not retried: the
        activity recorded it for admins, and the next transition projects the whole case again."""
        s = self._s
        projection = Projection(
            snapshot=dataclasses.replace(s, timeline=[]),
            # A forced write sends the whole timeline (a local activity's input is not kept in history).
            new_events=s.timeline if force else s.timeline[self._projected :],
            event_count=len(s.timeline),
            force=force,
        )
        try:
            await workflow.execute_local_activity_method(
                ProjectionActivities.project_case,
                projection,
                schedule_to_close_timeout=PROJECTION_BUDGET,
                retry_policy=PROJECTION_RETRY,
            )
        except FailureError as failed:
            # A local activity's failure may arrive as the ApplicationError itself, or wrapped in an
            # ActivityError (or as a TimeoutError when its budget ran out).
            cause = failed.cause if isinstance(failed, ActivityError) else failed
            rejected = isinstance(cause, ApplicationError) and cause.type == "ProjectionRejected"
            self._behind = not rejected
            workflow.logger.warning(
                "case %s version %d not projected (%s)",
                s.code,
                s.version,
                "rejected" if rejected else "read model unavailable",
            )
            return False
        self._projected = len(s.timeline)
        self._behind = False
        return True

    async def _catch_up(self) -> None:
        """Rule: while the read model is behind, the case projects itself again after 5 s, 15 s, 1 min,
        then every 5 min, until it is written; a closed case completes only once it is."""
        attempt = 0
        while True:
            await workflow.wait_condition(lambda: self._behind)
            delay = CATCH_UP_DELAYS[min(attempt, len(CATCH_UP_DELAYS) - 1)]
            await workflow.sleep(delay, summary="读模型恢复后补写")
            async with self._lock:
                if self._behind:
                    await self._project()
            attempt = attempt + 1 if self._behind else 0

    def _publish(self) -> None:
        s = self._s
        clock = running_deadline(s, (*ESCALATING, DeadlineKind.RATING, DeadlineKind.REVIEW))
        due: datetime | None = clock.due_at if clock else None
        holder = s.holder_org_ids[0] if s.holder_org_ids else ""
        values = (s.stage, s.category, holder, due, s.overdue)
        if values != self._published:
            workflow.upsert_search_attributes(
                [
                    sa.CASE_STAGE.value_set(s.stage.value),
                    sa.CASE_CATEGORY.value_set(s.category.value)
                    if s.category
                    else sa.CASE_CATEGORY.value_unset(),
                    sa.CASE_ORG.value_set(holder) if holder else sa.CASE_ORG.value_unset(),
                    sa.CASE_DUE_AT.value_set(due) if due else sa.CASE_DUE_AT.value_unset(),
                    sa.CASE_OVERDUE.value_set(s.overdue),
                ]
            )
            self._published = values
        due_text = (
            f"{clock.label} {due.isoformat(timespec='minutes')}"
            + ("（临时）" if clock and clock.provisional else "")
            if clock and due
            else "—"
        )
        workflow.set_current_details(
            f"**阶段** {rules.STAGE_NAMES[s.stage]} · **办理单位** {' '.join(s.holder_org_ids) or '—'}\n\n"
            f"**时限** {due_text} · **超期** {'是' if s.overdue else '否'} · **督办级别** {s.supervision_level}"
        )


async def _compute(request: DeadlineRequest) -> DeadlineResult:
    return await workflow.execute_local_activity_method(
        DeadlineActivities.compute_deadline,
        request,
        start_to_close_timeout=LOCAL_TIMEOUT,
        retry_policy=LOCAL_RETRY,
    )


async def _sleep_until(when: datetime, summary: str) -> None:
    delay = (when - workflow.now()).total_seconds()
    if delay > 0:
        await workflow.sleep(delay, summary=summary)
