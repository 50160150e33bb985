"""The reconciler and the rebuild: the read model made equal to what Temporal holds.

Temporal is the source of truth; the read model is a projection that can drift when a process dies at
the wrong moment (a projection committed whose workflow task Temporal never recorded: a phantom), or
be lost or restored from an old backup. For each case:

- read the case from Temporal: the `snapshot` query while it runs, its result once it completed;
- if the read model holds a *newer* version than a running case, that version is a phantom: ask the
  case (Update `reproject`) to write its real state over it, under its own lock;
- otherwise write the whole case over the read model if it differs, guarded by the stored version
  (a projection by the case itself in the meantime wins).

Who runs it: the worker at start (cases changed in the last hour), the Temporal Schedules
`liudan-reconcile-recent` (every 10 minutes) and `liudan-reconcile-all` (nightly, every open case), and
`python server.py rebuild-read-model` (every case Temporal holds, open and closed, idempotently; it
also moves the case-code sequences past every code Temporal has seen).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    WorkflowExecutionStatus,
)
from temporalio.service import RPCError, RPCStatusCode

from activities.appointments import AppointmentActivities, stored_appointment_version
from activities.backlogs import BacklogActivities, stored_backlog_version
from activities.letters import LetterActivities, stored_letter_version
from activities.petitions import PetitionActivities, stored_petition_version
from activities.projection import ProjectionActivities, stored_version
from store.backlogs import Backlog
from store.codes import advance_counter
from store.letters import Letter
from store.models import Case
from store.petitions import Petition
from store.reception import Appointment
from workdays import SHANGHAI
from workflows.appointment.ids import WORKFLOW_PREFIX as APPOINTMENT_WORKFLOW_PREFIX
from workflows.appointment.ids import appointment_workflow_id
from workflows.appointment.workflow import AppointmentWorkflow
from workflows.backlog.ids import WORKFLOW_PREFIX as BACKLOG_WORKFLOW_PREFIX
from workflows.backlog.ids import backlog_workflow_id
from workflows.backlog.sweep import BacklogRulesWorkflow
from workflows.backlog.types import BacklogRuleRequest
from workflows.backlog.workflow import BacklogWorkflow
from workflows.case import CaseWorkflow
from workflows.ids import case_number, code_of, workflow_id
from workflows.mailbox.ids import WORKFLOW_PREFIX as LETTER_WORKFLOW_PREFIX
from workflows.mailbox.ids import letter_workflow_id
from workflows.mailbox.workflow import MailboxWorkflow
from workflows.notify.digest import LeaderDigestWorkflow
from workflows.notify.dispatch import NotificationDispatchWorkflow
from workflows.notify.types import DigestRequest, DispatchRequest
from workflows.petition.ids import WORKFLOW_PREFIX as PETITION_WORKFLOW_PREFIX
from workflows.petition.ids import petition_workflow_id
from workflows.petition.workflow import PetitionWorkflow
from workflows.reconcile import ReconcileWorkflow
from workflows.types import (
    Actor,
    ReconcileReport,
    ReconcileRequest,
    ReconcileScope,
    Reprojection,
    Role,
    Stage,
)

log = logging.getLogger("liudan.reconcile")
RECONCILER = Actor(user_id="system", role=Role.SYSTEM, display_name="系统对账")
RPC_TIMEOUT = timedelta(seconds=10)
SCHEDULES = {
    # Every 10 minutes, the cases the read model changed in the last 30: where a crash leaves phantoms.
    "liudan-reconcile-recent": (
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=10))]),
        ReconcileRequest(ReconcileScope.RECENT, window_minutes=30),
    ),
    # Nightly at 03:00 Beijing time, every open case.
    "liudan-reconcile-all": (
        ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(3)], minute=[ScheduleRange(0)])],
            time_zone_name=SHANGHAI.key,
        ),
        ReconcileRequest(ReconcileScope.ALL),
    ),
}


@dataclass(frozen=True)
class Process:
    """What the reconciler needs of one process on the engine: its workflow (a `snapshot` query and a
    `reproject` Update), how its ids and codes read, and how its read model is read and rewritten."""

    name: str  # in logs
    workflow: Any
    workflow_id: Callable[[str], str]
    code_of: Callable[[str], str | None]
    stored_version: Callable[[Engine, str], int | None]
    # (engine, full snapshot, the stored version the caller saw) -> whether the read model differed
    replace: Callable[[Engine, Any, int | None], bool]
    # (engine, changed since, open only) -> codes in the read model
    read_model_codes: Callable[[Engine, datetime | None, bool], list[str]]

    @property
    def query(self) -> str:
        return f"WorkflowType = '{self.workflow.__name__}'"


def _read_model_codes(engine: Engine, changed_since: datetime | None, open_only: bool) -> list[str]:
    with Session(engine) as session:
        query = select(Case.code)
        if changed_since is not None:
            query = query.where(func.coalesce(col(Case.updated_at), col(Case.received_at)) >= changed_since)
        if open_only:
            query = query.where(Case.stage != Stage.CLOSED.value)
        return sorted(session.exec(query).all())


def _codes_of(model: Any, created: Any) -> Callable[[Engine, datetime | None, bool], list[str]]:
    """A process's read-model codes: changed since a moment (its last write, else its creation), or
    still open (no `closed_at`)."""

    def codes(engine: Engine, changed_since: datetime | None, open_only: bool) -> list[str]:
        with Session(engine) as session:
            query = select(model.code)
            if changed_since is not None:
                query = query.where(func.coalesce(col(model.updated_at), col(created)) >= changed_since)
            if open_only:
                query = query.where(col(model.closed_at).is_(None))
            return sorted(session.exec(query).all())

    return codes


def _code_after(prefix: str) -> Callable[[str], str | None]:
    """The code in a workflow id `<prefix><code>`, or None for any other workflow."""

    def code_of_id(workflow_id: str) -> str | None:
        code = workflow_id.removeprefix(prefix)
        return code if code != workflow_id and case_number(code) else None

    return code_of_id


CASES = Process(
    "case",
    CaseWorkflow,
    workflow_id,
    code_of,
    stored_version,
    lambda engine, snap, seen: ProjectionActivities(engine).replace(snap, seen),
    _read_model_codes,
)
PETITIONS = Process(
    "petition",
    PetitionWorkflow,
    petition_workflow_id,
    _code_after(PETITION_WORKFLOW_PREFIX),
    stored_petition_version,
    lambda engine, snap, seen: PetitionActivities(engine).replace(snap, seen),
    _codes_of(Petition, Petition.received_at),
)
BACKLOGS = Process(
    "backlog",
    BacklogWorkflow,
    backlog_workflow_id,
    _code_after(BACKLOG_WORKFLOW_PREFIX),
    stored_backlog_version,
    lambda engine, snap, seen: BacklogActivities(engine).replace(snap, seen),
    _codes_of(Backlog, Backlog.designated_at),
)
LETTERS = Process(
    "letter",
    MailboxWorkflow,
    letter_workflow_id,
    _code_after(LETTER_WORKFLOW_PREFIX),
    stored_letter_version,
    lambda engine, snap, seen: LetterActivities(engine).replace(snap, seen),
    _codes_of(Letter, Letter.received_at),
)
APPOINTMENTS = Process(
    "appointment",
    AppointmentWorkflow,
    appointment_workflow_id,
    _code_after(APPOINTMENT_WORKFLOW_PREFIX),
    stored_appointment_version,
    lambda engine, snap, seen: AppointmentActivities(engine).replace(snap, seen),
    _codes_of(Appointment, Appointment.booked_at),
)
PROCESSES = (CASES, PETITIONS, BACKLOGS, LETTERS, APPOINTMENTS)


class Reconciler:
    """Reconciles one process's workflows with its read model (`process`: cases unless given);
    `reconcile_all` and `rebuild_all` run every process."""

    def __init__(self, client: Client, engine: Engine, process: Process = CASES) -> None:
        self._client = client
        self._engine = engine
        self._process = process

    async def temporal_state(self, code: str) -> tuple[Any, bool] | None:
        """The case as Temporal holds it, and whether it still runs; None if Temporal has no such case
        (never started, or closed longer ago than the namespace's retention)."""
        p = self._process
        handle = self._client.get_workflow_handle_for(p.workflow.run, p.workflow_id(code))
        try:
            # The raw description: only the status is needed (and decoding every search attribute is
            # not, which some test servers answer in a form the SDK cannot read).
            described = await self._client.workflow_service.describe_workflow_execution(
                DescribeWorkflowExecutionRequest(
                    namespace=self._client.namespace,
                    execution=WorkflowExecution(workflow_id=p.workflow_id(code)),
                ),
                timeout=RPC_TIMEOUT,
            )
            status = WorkflowExecutionStatus(described.workflow_execution_info.status)
            if status == WorkflowExecutionStatus.COMPLETED:
                return await handle.result(rpc_timeout=RPC_TIMEOUT), False
            snapshot = await handle.query(p.workflow.snapshot, rpc_timeout=RPC_TIMEOUT)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return None
            raise
        return snapshot, status == WorkflowExecutionStatus.RUNNING

    async def reconcile_case(self, code: str) -> str:
        """'same', 'repaired' or 'missing' (in the read model, unknown to Temporal)."""
        state = await self.temporal_state(code)
        if state is None:
            return "missing"
        snapshot, running = state
        p = self._process
        stored = await asyncio.to_thread(p.stored_version, self._engine, code)
        if running and stored is not None and stored > snapshot.version:
            # A phantom ahead of the case: only the case itself may write over it safely.
            handle = self._client.get_workflow_handle_for(p.workflow.run, p.workflow_id(code))
            await handle.execute_update(
                p.workflow.reproject, Reprojection(RECONCILER), rpc_timeout=RPC_TIMEOUT
            )
            log.warning(
                "%s %s: read model showed version %d, Temporal %d; rewritten",
                p.name,
                code,
                stored,
                snapshot.version,
            )
            return "repaired"
        changed = await asyncio.to_thread(p.replace, self._engine, snapshot, stored)
        if changed:
            log.warning(
                "%s %s: read model differed from Temporal (version %s); rewritten", p.name, code, stored
            )
        return "repaired" if changed else "same"

    async def reconcile(
        self, request: ReconcileRequest, beat: Callable[[int], None] = lambda _: None
    ) -> ReconcileReport:
        codes = await self._codes(request)
        return await self._each(codes, beat)

    async def rebuild(self, progress: Callable[[int, int], None] = lambda _d, _t: None) -> ReconcileReport:
        """Every case Temporal holds, open and closed, written to the read model; then the code
        sequences moved past every code Temporal has seen. Idempotent: a second run repairs nothing."""
        codes = await self.temporal_codes(open_only=False)
        report = await self._each(codes, lambda done: progress(done, len(codes)))
        stored = set(await asyncio.to_thread(self._process.read_model_codes, self._engine, None, False))
        report.missing = sorted(stored - set(codes))
        await self.recover_sequences(codes)
        return report

    async def recover_sequences(
        self, codes: list[str] | None = None, *, year: int | None = None
    ) -> dict[tuple[str, int], int]:
        """Moves each (prefix, year) sequence past the highest code Temporal has seen (of `codes`, or
        of every case Temporal holds, or of those received in `year`)."""
        highest: dict[tuple[str, int], int] = {}
        for code in codes if codes is not None else await self.temporal_codes(open_only=False, year=year):
            found = case_number(code)
            if found is not None:
                key = (found[0], found[1])
                highest[key] = max(highest.get(key, 0), found[2])
        for (prefix, year), number in highest.items():
            await asyncio.to_thread(advance_counter, self._engine, prefix, year, number)
        return highest

    async def temporal_codes(self, *, open_only: bool, year: int | None = None) -> list[str]:
        query = self._process.query + (" AND ExecutionStatus = 'Running'" if open_only else "")
        if year is not None:
            # A code carries the year its request was received (Beijing time), and no case starts
            # before it is received: every code of `year` is among the cases started since its 1 January.
            query += f" AND StartTime >= '{year}-01-01T00:00:00+08:00'"
        codes = []
        async for execution in self._client.list_workflows(query, page_size=1000, rpc_timeout=RPC_TIMEOUT):
            code = self._process.code_of(execution.id)
            if code is not None:
                codes.append(code)
        return sorted(set(codes))

    async def _codes(self, request: ReconcileRequest) -> list[str]:
        if request.scope == ReconcileScope.RECENT:
            since = datetime.now(UTC) - timedelta(minutes=request.window_minutes)
            return await asyncio.to_thread(self._process.read_model_codes, self._engine, since, False)
        open_in_temporal = await self.temporal_codes(open_only=True)
        open_in_read_model = await asyncio.to_thread(self._process.read_model_codes, self._engine, None, True)
        return sorted(set(open_in_temporal) | set(open_in_read_model))

    async def _each(self, codes: list[str], beat: Callable[[int], None]) -> ReconcileReport:
        report = ReconcileReport()
        for done, code in enumerate(codes, 1):
            try:
                outcome = await self.reconcile_case(code)
            except Exception:  # one case Temporal cannot answer for now must not stop the others
                log.warning("%s %s could not be reconciled now", self._process.name, code, exc_info=True)
                report.failed.append(code)
                outcome = ""
            report.checked += 1
            if outcome == "repaired":
                report.repaired.append(code)
            elif outcome == "missing":
                report.missing.append(code)
            beat(done)
        return report


async def reconcile_all(
    client: Client, engine: Engine, request: ReconcileRequest, beat: Callable[[int], None] = lambda _: None
) -> ReconcileReport:
    """One reconcile pass over every process (cases, petitions), as one report."""
    return _merged([await Reconciler(client, engine, p).reconcile(request, beat) for p in PROCESSES])


async def rebuild_all(
    client: Client, engine: Engine, progress: Callable[[int, int], None] = lambda _d, _t: None
) -> ReconcileReport:
    """The rebuild of every process's read model from Temporal (`server.py rebuild-read-model`)."""
    return _merged([await Reconciler(client, engine, p).rebuild(progress) for p in PROCESSES])


def _merged(reports: list[ReconcileReport]) -> ReconcileReport:
    return ReconcileReport(
        checked=sum(r.checked for r in reports),
        repaired=[c for r in reports for c in r.repaired],
        missing=[c for r in reports for c in r.missing],
        failed=[c for r in reports for c in r.failed],
    )


class ReconcileActivities:
    def __init__(self, client: Client, engine: Engine) -> None:
        self._client = client
        self._engine = engine

    @activity.defn(name="reconcile_cases")
    async def reconcile_cases(self, request: ReconcileRequest) -> ReconcileReport:
        """Every process's pass (the name is the first release's, kept for its Schedules)."""
        report = await reconcile_all(
            self._client, self._engine, request, beat=lambda done: activity.heartbeat(done)
        )
        if report.repaired or report.failed:
            activity.logger.warning(
                "reconciled %d cases: %d repaired, %d failed",
                report.checked,
                len(report.repaired),
                len(report.failed),
            )
        return report


async def ensure_schedules(client: Client, task_queue: str, notify_interval_seconds: int = 60) -> None:
    """Creates the recurring Temporal Schedules if they are missing (every worker start calls this): the
    reconciler's, and the nightly 积案 rules (`liudan-backlog-rules`, 02:00 Beijing time; its input is the
    rules, edited on the schedule)."""
    for schedule_id, (spec, request) in SCHEDULES.items():
        action = ScheduleActionStartWorkflow(
            ReconcileWorkflow.run, request, id=f"{schedule_id}-run", task_queue=task_queue
        )
        await _ensure(client, schedule_id, spec, action)
    nightly = ScheduleSpec(
        calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(2)], minute=[ScheduleRange(0)])],
        time_zone_name=SHANGHAI.key,
    )
    rules = ScheduleActionStartWorkflow(
        BacklogRulesWorkflow.run, BacklogRuleRequest(), id="liudan-backlog-rules-run", task_queue=task_queue
    )
    await _ensure(client, "liudan-backlog-rules", nightly, rules)
    # Notices: delivered every minute (quiet-hour SMS wait for the first run after the morning); the
    # leaders' digest at 08:30, its activity skipping days the official calendar says are not working days.
    every = ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=notify_interval_seconds))])
    dispatch = ScheduleActionStartWorkflow(
        NotificationDispatchWorkflow.run,
        DispatchRequest(),
        id="liudan-notifications-run",
        task_queue=task_queue,
    )
    await _ensure(client, "liudan-notifications", every, dispatch)
    morning = ScheduleSpec(
        calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(8)], minute=[ScheduleRange(30)])],
        time_zone_name=SHANGHAI.key,
    )
    digest = ScheduleActionStartWorkflow(
        LeaderDigestWorkflow.run, DigestRequest(), id="liudan-leader-digest-run", task_queue=task_queue
    )
    await _ensure(client, "liudan-leader-digest", morning, digest)


async def _ensure(
    client: Client, schedule_id: str, spec: ScheduleSpec, action: ScheduleActionStartWorkflow
) -> None:
    schedule = Schedule(action=action, spec=spec, policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))
    try:
        await client.create_schedule(schedule_id, schedule, rpc_timeout=RPC_TIMEOUT)
        log.info("created schedule %s", schedule_id)
    except ScheduleAlreadyRunningError:
        pass
