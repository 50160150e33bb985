"""The engine every process workflow stands on: one lock, deadline clocks with warning and overdue
timers, deadlines computed in a local activity (recorded in history), timeline records, a convergent
projection to the read model that catches up after an outage, and small Update answers.

A process (the 六单 case today; statutory petitions, 包案, appointments next) subclasses
`ProcessEngine`, keeps its state in `self._s` (with `version`, `updated_at`, `timeline`, `deadlines`,
`overdue`, `policy`, `registration`, `code`, `stage`, `holder_org_ids`, `holder_role`), and supplies:
`CLOCK_LABELS` (a clock's name in the Temporal UI), `OVERDUE_KINDS` (clocks whose expiry makes the
process overdue), `_expired(deadline)` (the rule at a deadline's expiry) and `_publish()` (search
attributes and details). Its decisions are declared once and become named Updates through
`declare_updates`.

Since `PATCH_CONVERGENT` (cases started before it keep the old behaviour on replay):
- an Update answers a small `DecisionResult`, never the snapshot (history size, personal data);
- a projection gets a bounded time; if the read model is down the decision still answers
  (`projected=False`) and the process retries the projection on a backoff timer until it is written;
  a projection the read model rejects (bad data) is recorded for admins by the activity and not
  retried forever; each projection carries the timeline's length, so events written by an attempt
  Temporal never recorded (a worker killed mid-decision) are replaced.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities import api
    from workflows.transitions import Effects, OpenClock
    from workflows.types import (
        Actor,
        Deadline,
        DeadlineKind,
        DeadlineRequest,
        DeadlineResult,
        DeadlineState,
        DecisionResult,
        Projection,
        Role,
        TimelineEntry,
    )

SYSTEM = Actor(user_id="system", role=Role.SYSTEM, display_name="系统")
# Local activities retry until the read model is back: a projection is never dropped.
LOCAL_TIMEOUT = timedelta(seconds=30)
LOCAL_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
# Trust nothing, lose nothing (issue 9): small Update results, bounded projections that catch up.
PATCH_CONVERGENT = "convergent-projection-2026-11"
# Clocks counted from the receipt restart from a return (退单) instead (issue 10).
PATCH_RETURN_RESTARTS = "return-restarts-receipt-clocks-2026-11"
# An officer's note is internal or to the resident, as they chose on the form (`note_to_resident`);
# before, a note simply shared its event's visibility (a dispatch opinion showed on the tracking page).
PATCH_NOTE_AUDIENCE = "note-audience-2026-12"
# A decision waits this long for its projection; past it the decision answers and the case catches
# the read model up on its own, backing off from the first to the last delay.
PROJECTION_BUDGET = timedelta(seconds=8)
PROJECTION_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=2),
    non_retryable_error_types=["ProjectionRejected"],
)
CATCH_UP_DELAYS = (5, 15, 60, 300)  # seconds


class ProcessEngine:
    """The shared machinery; see the module docstring for what a process supplies."""

    CLOCK_LABELS: ClassVar[Mapping[DeadlineKind, str]]
    # The local activity that writes this process's read model (its input is `_projection`).
    PROJECT: ClassVar[Callable[..., Any]] = api.project_case
    PROJECTION: ClassVar[type[Any]] = Projection  # its input's dataclass
    OVERDUE_KINDS: ClassVar[tuple[DeadlineKind, ...]]
    _s: Any

    def _start_engine(self) -> None:
        # Every state change and its projection happen under this lock, so projections are written
        # in version order and a timer firing mid-decision waits its turn.
        self._lock = asyncio.Lock()
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._projected = 0  # timeline entries already written to the read model
        self._published: tuple[Any, ...] | None = None
        self._behind = False  # the last projection was not written (read model down): catch up
        self._catching_up: asyncio.Task[None] | None = None

    def _projection(self, new_events: list[TimelineEntry], force: bool) -> Any:
        """The projection activity's input: the state without its timeline, the events since the
        last write, and the timeline's length (events past it were never recorded)."""
        return self.PROJECTION(
            snapshot=dataclasses.replace(self._s, timeline=[]),
            new_events=new_events,
            event_count=len(self._s.timeline),
            force=force,
        )

    def _expired(self, d: Deadline) -> tuple[str, Effects]:
        """The process's rule at a deadline's expiry: the timeline action and its effects."""
        raise NotImplementedError

    def _publish(self) -> None:
        """Search attributes and current details for the Temporal UI."""
        raise NotImplementedError

    def _settled(self) -> bool:
        """Nothing in flight: no lock held, the read model caught up, no handler running (a process's
        run waits for this before it completes, or its last projection would be lost)."""
        return not self._lock.locked() and not self._behind and workflow.all_handlers_finished()

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

    def _record(
        self, action: str, actor: Actor, note: str = "", *, public: bool = True, note_public: bool = True
    ) -> None:
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
            note_public=note_public,
        )
        self._s.timeline.append(entry)

    async def _open(self, clocks: list[OpenClock]) -> None:
        now = workflow.now()
        for c in clocks:
            start = c.start or (self._s.registration.received_at if self._from_receipt(c) else None) or now
            request = DeadlineRequest(
                kind=c.kind,
                start=start,
                span=c.span,
                cutoff_hour=self._s.policy.cutoff_hour if c.cutoff else None,
                due_at=c.due_at if c.span is None else None,
            )
            result = await compute_deadline(request)
            deadline = Deadline(
                id=f"{c.kind.value}-{len(self._s.deadlines) + 1}",
                kind=c.kind,
                label=c.label or self.CLOCK_LABELS[c.kind],
                started_at=start,
                warn_at=result.warn_at,
                due_at=result.due_at,
                provisional=result.provisional,
                org_id=c.org_id,
                request=request,
            )
            self._s.deadlines.append(deadline)
            self._arm(deadline)

    def _from_receipt(self, c: OpenClock) -> bool:
        """A span counted from the receipt (the regulation's "within 15 days of receipt"), unless the
        matter came back by a return (退单): since `PATCH_RETURN_RESTARTS`, its new clocks count from
        the return, or a returned matter would be overdue the moment it arrived."""
        if c.span is None or not c.span.from_receipt:
            return False
        if getattr(self._s, "returns", 0) and workflow.patched(PATCH_RETURN_RESTARTS):
            return False
        return True

    async def _carry_out(
        self, action: str, actor: Actor, effects: Effects, note_to_resident: bool | None = None
    ) -> bool:
        """What every decision does once its transition ran (under the lock): the timeline entry, the
        clocks it closes, cancels and opens, and the commit; whether the read model was written.

        `note_to_resident` is the officer's choice for a decision whose form has a note (None: no
        choice, the note is as visible as its event). A note to the resident makes its event public
        too (a supervision the resident is told of); an internal note on a public event (a dispatch)
        shows the event without it."""
        public, note_public = effects.public, True
        if note_to_resident is not None and workflow.patched(PATCH_NOTE_AUDIENCE):
            public, note_public = public or (note_to_resident and bool(effects.note)), note_to_resident
        self._record(
            getattr(effects, "record_as", "") or action,
            actor,
            effects.note,
            public=public,
            note_public=note_public,
        )
        for entry in getattr(effects, "also", ()):
            self._record(entry.action, entry.actor, entry.note, public=False)
        self._close(effects.close, DeadlineState.MET)
        self._close(effects.cancel, DeadlineState.CANCELLED)
        await self._open(effects.open)
        return await self._commit()

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
            action, effects = self._expired(d)
            self._record(action, SYSTEM, effects.note or f"{d.label}已届满", public=effects.public)
            self._close(effects.close, DeadlineState.MET)
            # A rule may start the next clock (a weekly report due again); the 六单 and petition rules
            # never do, so their histories replay unchanged.
            if effects.open:
                await self._open(effects.open)
            await self._commit()

    async def _recompute_provisional(self, actor: Actor) -> bool:
        """A new year's calendar was loaded: every running provisional deadline gets its official
        date (an admin's decision, under the lock); returns whether the read model was written."""
        changed = 0
        for old in [x for x in self._s.deadlines if x.closed_at is None and x.provisional and x.request]:
            assert old.request is not None
            result = await compute_deadline(old.request)
            self._cancel_timer(old.id)
            old.warn_at, old.due_at, old.provisional = result.warn_at, result.due_at, result.provisional
            # The official date may be later than the provisional one: a clock that ran out on the
            # provisional date runs again (the escalation it caused stays on record).
            if workflow.now() < old.due_at:
                old.state = DeadlineState.RUNNING if workflow.now() < old.warn_at else DeadlineState.WARNING
            self._arm(old)
            changed += 1
        self._record(
            "deadlines_recomputed", actor, f"按新发布的节假日安排重算 {changed} 个临时时限", public=False
        )
        return await self._commit()

    async def _commit(self) -> bool:
        """Projects the new state to the read model and publishes it to the Temporal UI; False when
        the read model could not be written now (the case catches up by itself)."""
        s = self._s
        s.version += 1
        s.updated_at = workflow.now()
        s.overdue = any(
            d.closed_at is None and d.state == DeadlineState.OVERDUE and d.kind in self.OVERDUE_KINDS
            for d in s.deadlines
        )
        if self._convergent():
            projected = await self._project()
        else:
            projected = True
            try:
                await workflow.execute_local_activity(
                    api.project_case,
                    Projection(
                        snapshot=dataclasses.replace(s, timeline=[]), new_events=s.timeline[self._projected :]
                    ),
                    start_to_close_timeout=LOCAL_TIMEOUT,
                    retry_policy=LOCAL_RETRY,
                )
                self._projected = len(s.timeline)
            except FailureError as failed:
                # The activity now refuses bad data for good (ProjectionRejected) and lists the case for
                # admins; a case from before the patch carries on as a new one does. (Its histories
                # never recorded this failure, so their replay is unchanged.)
                cause = failed.cause if isinstance(failed, ActivityError) else failed
                if not (isinstance(cause, ApplicationError) and cause.type == "ProjectionRejected"):
                    raise
                projected = False
        self._publish()
        return projected

    async def _project(self, *, force: bool = False) -> bool:
        """One bounded projection of the current state (under the lock, so writes keep version order).

        A read model that is down (or slow) sets `_behind`, and `_catch_up` tries again later. A
        projection it rejects (ProjectionRejected: the data breaks a constraint) is not retried: the
        activity recorded it for admins, and the next transition projects the whole case again."""
        s = self._s
        # A forced write sends the whole timeline (a local activity's input is not kept in history).
        new_events = s.timeline if force else s.timeline[self._projected :]
        try:
            await workflow.execute_local_activity(
                type(self).PROJECT,
                self._projection(new_events, force),
                schedule_to_close_timeout=PROJECTION_BUDGET,
                retry_policy=PROJECTION_RETRY,
            )
        except FailureError as failed:
            # A local activity's failure may arrive as the ApplicationError itself, or wrapped in an
            # ActivityError (or as a TimeoutError when its budget ran out).
            cause = failed.cause if isinstance(failed, ActivityError) else failed
            rejected = isinstance(cause, ApplicationError) and cause.type == "ProjectionRejected"
            # Only a process with a catch-up task waits for the read model: a case from before the
            # patch (reprojected by the reconciler) has none, and must still be able to complete.
            self._behind = not rejected and self._catching_up is not None
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


def declare_updates(
    decisions: Mapping[Any, Any], result: type[Any] = DecisionResult
) -> Callable[[type[Any]], type[Any]]:
    """A class decorator (under `@workflow.defn`): one named Update with its validator for every
    declared decision that has a transition, each calling the class's `_decide` and `_validate`.
    The names are the actions' values, so `temporal workflow metadata` and the CLI list them."""

    def make(action: Any, payload: type[Any]) -> Any:
        async def handler(self: Any, d: Any) -> Any:
            return await self._decide(action, d)

        def validator(self: Any, d: Any) -> None:
            self._validate(action, d)

        handler.__name__ = handler.__qualname__ = action.value
        handler.__annotations__ = {"d": payload, "return": result}
        validator.__name__ = validator.__qualname__ = f"_validate_{action.value}"
        validator.__annotations__ = {"d": payload, "return": None}
        update = workflow.update(name=action.value)(handler)
        update.validator(validator)
        return update

    def declare(cls: type[Any]) -> type[Any]:
        for action, decision in decisions.items():
            if decision.transition is not None:
                setattr(cls, action.value, make(action, decision.payload))
        return cls

    return declare


async def compute_deadline(request: DeadlineRequest) -> DeadlineResult:
    return await workflow.execute_local_activity(
        api.compute_deadline,
        request,
        start_to_close_timeout=LOCAL_TIMEOUT,
        retry_policy=LOCAL_RETRY,
    )


async def _sleep_until(when: datetime, summary: str) -> None:
    delay = (when - workflow.now()).total_seconds()
    if delay > 0:
        await workflow.sleep(delay, summary=summary)
