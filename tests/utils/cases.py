"""Factories for case tests: registrations, the demo district's actors, a started case walked to any
stage, refusals proven against the history, expected deadlines, and the read model of one case."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from store.models import Case, CaseDepartment, CaseEvent, InboxItem, Rating
from workdays import CalendarUnavailable, WorkCalendar
from workflows.case import CaseWorkflow
from workflows.policies import POLICIES
from workflows.types import (
    AcceptDecision,
    Actor,
    CaseRegistration,
    CaseSnapshot,
    Category,
    Channel,
    Deadline,
    DeadlineKind,
    DecisionResult,
    Difficulty,
    DispatchDecision,
    RatingChannel,
    RatingDecision,
    RatingValue,
    Reporter,
    ReportUp,
    ResultSubmission,
    ReturnDecision,
    ReturnReview,
    Role,
    SignDecision,
    TimelineEntry,
    TriageDecision,
    Urgency,
)

COMMUNITY = Actor("community-qinghe", Role.COMMUNITY, "cm-qinghe", "清河社区书记")
OTHER_COMMUNITY = Actor("community-hubin", Role.COMMUNITY, "cm-hubin", "湖滨社区书记")
GRID = Actor("grid-qinghe", Role.GRID_WORKER, "cm-qinghe", "清河社区网格员")
STREET = Actor("street-dongcheng", Role.STREET, "st-dongcheng", "东城街道受理员")
OTHER_STREET = Actor("street-xihu", Role.STREET, "st-xihu", "西湖街道受理员")
ZHUJIAN = Actor("dept-zhujian", Role.DEPARTMENT, "dp-zhujian", "区住建局承办员")
CHENGGUAN = Actor("dept-chengguan", Role.DEPARTMENT, "dp-chengguan", "区城管局承办员")
GONGAN = Actor("dept-gongan", Role.DEPARTMENT, "dp-gongan", "区公安分局承办员")
LEADER = Actor("leader-wang", Role.LEADER, "ld-office", "王建国", street_ids=["st-dongcheng"])
OTHER_LEADER = Actor("leader-li", Role.LEADER, "ld-office", "李秀英", street_ids=["st-xihu"])
SUPERVISION = Actor("supervision", Role.SUPERVISION, "sv-ducha", "督查室专员")
DISCIPLINE = Actor("discipline", Role.DISCIPLINE, "dc-jigongwei", "纪工委监督员")
ADMIN = Actor("admin", Role.ADMIN, "hj", "系统管理员")
RESIDENT = Actor("resident", Role.RESIDENT)

DEPARTMENT_OFFICERS = {a.org_id: a for a in (ZHUJIAN, CHENGGUAN, GONGAN)}
CUTOFF = time(17)
HISTORIES = Path(__file__).resolve().parent.parent / "histories"

# Cases started by the current test; tests/workflows/conftest.py terminates the ones still running, so
# a finished test leaves no timers behind on the shared time-skipping server.
_started: list[WorkflowHandle] = []


def registration(policy_id: str = "liudan", **changes: object) -> CaseRegistration:
    reg = CaseRegistration(
        code=f"HJ-2026-{uuid.uuid4().int % 10**6:06d}",
        channel=Channel.WEB_PORTAL,
        reporter=Reporter(
            name="张秀兰", phone="13812341234", address="清河小区3栋2单元501", community="清河社区"
        ),
        title="小区门口路灯不亮",
        description="清河小区南门外三盏路灯已经坏了两周，晚上出行不安全。",
        location="清河小区南门",
        community_org_id="cm-qinghe",
        street_org_id="st-dongcheng",
        registered_by=GRID,
        policy_id=policy_id,
        policy=POLICIES[policy_id],
    )
    return replace(reg, **changes)  # type: ignore[arg-type]


async def start_case(
    client: Client, task_queue: str, reg: CaseRegistration | None = None, *, track: bool = True
) -> WorkflowHandle:
    """Starts a case as the registration service does. Tracked cases are terminated after the test."""
    reg = reg or registration()
    handle = await client.start_workflow(
        CaseWorkflow.run,
        reg,
        id=f"case-{reg.code}",
        task_queue=task_queue,
        static_summary=reg.code,
    )
    if track:
        _started.append(handle)
    # Wait for the first commit: registered, projected and published to the Temporal UI.
    for _ in range(250):
        if EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES in await event_types(handle):
            return handle
        await asyncio.sleep(0.02)
    raise AssertionError("the case did not start within 5 s")


async def terminate_started() -> None:
    while _started:
        handle = _started.pop()
        with contextlib.suppress(RPCError):  # already closed
            await handle.terminate(reason="test finished")


async def snapshot(handle: WorkflowHandle) -> CaseSnapshot:
    return await handle.query(CaseWorkflow.snapshot)


async def decided(handle: WorkflowHandle, update: Any, decision: Any) -> CaseSnapshot:
    """Sends a decision and returns the case after it. An Update answers only a `DecisionResult`
    (version, stage, holders); the test reads the whole case with the `snapshot` query, and checks
    the answer agrees with it."""
    result: DecisionResult = await handle.execute_update(update, decision)
    s = await snapshot(handle)
    assert (result.code, result.stage, result.holder_org_ids) == (s.code, s.stage, s.holder_org_ids)
    assert result.version <= s.version and result.projected
    return s


async def closed_result(env: WorkflowEnvironment, handle: WorkflowHandle) -> CaseSnapshot:
    """The result of a case that has closed. Awaiting a result unlocks the time-skipping server's
    clock, which then races through every timer it holds (cancelled ones and other tests' included)
    until the client locks it again; so skip time explicitly (sleep_until) and read results here."""
    with env.auto_time_skipping_disabled():
        return await handle.result()


# --- walking a case to a stage -------------------------------------------------------------------


async def report(
    handle: WorkflowHandle,
    urgency: Urgency = Urgency.DEFERRABLE,
    category: Category = Category.INFRASTRUCTURE,
) -> CaseSnapshot:
    """报单: the community triages and reports up; the case waits for the street's signature."""
    await handle.execute_update(
        CaseWorkflow.triage, TriageDecision(COMMUNITY, urgency, category, "需街道协调")
    )
    return await decided(handle, CaseWorkflow.report_up, ReportUp(COMMUNITY, "已核实"))


async def dispatch(
    handle: WorkflowHandle,
    departments: tuple[str, ...] = ("dp-zhujian",),
    *,
    lead: str = "",
    difficulty: Difficulty = Difficulty.ORDINARY,
    due_at: datetime | None = None,
    sign: bool = True,
) -> CaseSnapshot:
    """Signs (unless already signed) and dispatches; the case waits for the departments to accept."""
    if sign:
        await handle.execute_update(CaseWorkflow.sign, SignDecision(STREET))
    return await decided(
        handle,
        CaseWorkflow.dispatch,
        DispatchDecision(STREET, list(departments), difficulty, lead_department_id=lead, due_at=due_at),
    )


async def returned(handle: WorkflowHandle, decision: ReturnDecision) -> CaseSnapshot:
    """退单 as it takes effect: the department asks, the street agrees."""
    await handle.execute_update(CaseWorkflow.return_case, decision)
    return await decided(handle, CaseWorkflow.decide_return, ReturnReview(STREET, True))


async def accept_all(handle: WorkflowHandle) -> CaseSnapshot:
    s = await snapshot(handle)
    for a in s.assignments:
        s = await decided(
            handle,
            CaseWorkflow.accept,
            AcceptDecision(DEPARTMENT_OFFICERS[a.department_id], "已电话联系群众"),
        )
    return s


async def submit_all(handle: WorkflowHandle) -> CaseSnapshot:
    """Every department reports, co-departments first, the lead unit last (办结)."""
    s = await snapshot(handle)
    for a in sorted(s.assignments, key=lambda a: a.lead):
        s = await decided(
            handle,
            CaseWorkflow.submit_result,
            ResultSubmission(DEPARTMENT_OFFICERS[a.department_id], "已办结"),
        )
    return s


async def to_handle(handle: WorkflowHandle, departments: tuple[str, ...] = ("dp-zhujian",)) -> CaseSnapshot:
    await report(handle)
    await dispatch(handle, departments, lead=departments[0])
    return await accept_all(handle)


async def to_rate(handle: WorkflowHandle, departments: tuple[str, ...] = ("dp-zhujian",)) -> CaseSnapshot:
    await to_handle(handle, departments)
    return await submit_all(handle)


async def to_review(handle: WorkflowHandle, departments: tuple[str, ...] = ("dp-zhujian",)) -> CaseSnapshot:
    await to_rate(handle, departments)
    return await decided(
        handle,
        CaseWorkflow.rate,
        RatingDecision(RESIDENT, RatingValue.DISSATISFIED, "路灯还是不亮", solved=False),
    )


def officer_rating(value: RatingValue, comment: str = "") -> RatingDecision:
    """A rating the community records after calling the resident (电话询问)."""
    return RatingDecision(
        COMMUNITY, value, comment, RatingChannel.PHONE, solved=value != RatingValue.DISSATISFIED
    )


# --- refusals --------------------------------------------------------------------------------------


async def settled(handle: WorkflowHandle) -> None:
    """Waits until the case has no workflow task in flight, so its history is stable to compare."""
    for _ in range(250):
        description = await handle.describe()
        if not description.raw_description.HasField("pending_workflow_task"):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the case kept a workflow task pending for 5 s")


async def refused(handle: WorkflowHandle, update: object, decision: object) -> str:
    """Sends a decision that must be refused by the validator; returns the refusal the user reads.

    Proves the refusal wrote nothing: the history has exactly as many events after as before. (Only
    on a real server: the time-skipping test server has no speculative workflow tasks and records
    a workflow task for every Update, rejected or not.)
    """
    await settled(handle)
    before = await history_length(handle)
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, decision)  # type: ignore[call-overload]
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError), cause
    assert cause.type == "DecisionRefused", cause
    assert await history_length(handle) == before
    return cause.message


# --- history -----------------------------------------------------------------------------------------


async def history_length(handle: WorkflowHandle) -> int:
    return len((await handle.fetch_history()).events)


async def event_types(handle: WorkflowHandle) -> list[EventType.ValueType]:
    return [e.event_type for e in (await handle.fetch_history()).events]


async def timer_summaries(handle: WorkflowHandle) -> list[str]:
    history = await handle.fetch_history()
    out = []
    for e in history.events:
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED and e.user_metadata.HasField("summary"):
            out.append(DataConverter.default.payload_converter.from_payload(e.user_metadata.summary, str))
    return out


async def cancelled_timers(handle: WorkflowHandle) -> list[str]:
    """The summaries of the timers the workflow cancelled (TIMER_CANCELED), in history order."""
    events = (await handle.fetch_history()).events
    started = {
        e.event_id: DataConverter.default.payload_converter.from_payload(e.user_metadata.summary, str)
        for e in events
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    }
    return [
        started[e.timer_canceled_event_attributes.started_event_id]
        for e in events
        if e.event_type == EventType.EVENT_TYPE_TIMER_CANCELED
    ]


async def sleep_until(env: WorkflowEnvironment, when: datetime) -> None:
    """Skips the time-skipping server's clock to `when` (firing every timer on the way).

    A long skip on the suite's shared server (every running workflow's timers on the way) has twice
    lost its connection mid-way ("h2 protocol error", the 2-day hearing in test_petitions). The
    target is absolute, so the skip goes on from wherever the clock got to."""
    for attempt in range(3):
        delta = when - await env.get_current_time()
        if delta <= timedelta(0):
            return
        try:
            await env.sleep(delta)
            return
        except RPCError:
            if attempt == 2:
                raise
            await asyncio.sleep(0.5)


async def keep_history(handle: WorkflowHandle, flow: str) -> None:
    """Adds this case's history to the replay corpus when RECORD_HISTORIES=<tag> is set.

    Writes tests/histories/<flow>.<tag>.json and refuses to overwrite one: a recorded history is a case
    that may be running in production, so a change must replay the old files as they are.
    """
    tag = os.environ.get("RECORD_HISTORIES")
    if not tag:
        return
    path = HISTORIES / f"{flow}.{tag}.json"
    if path.exists():
        raise FileExistsError(f"{path} exists; never overwrite a recorded history, pick a new tag")
    history = await handle.fetch_history()
    # Compact: the payloads (base64) are not readable anyway, and the files stay small.
    path.write_text(json.dumps(history.to_json_dict(), separators=(",", ":")) + "\n", encoding="utf-8")


# --- deadlines -----------------------------------------------------------------------------------------


def steps(s: CaseSnapshot) -> list[str]:
    """The snapshot's timeline without warnings (即将超期), which depend on the time of day."""
    return [e.action for e in s.timeline if e.action != "warning"]


def deadlines(s: CaseSnapshot, kind: DeadlineKind) -> list[Deadline]:
    return [d for d in s.deadlines if d.kind == kind]


def running(s: CaseSnapshot) -> list[Deadline]:
    return [d for d in s.deadlines if d.closed_at is None]


def expected_working_days(start: datetime, n: int, *, cutoff: time | None = CUTOFF) -> tuple[datetime, bool]:
    """The due date of n working days from start, and whether it is provisional (DESIGN.md, Deadlines)."""
    try:
        return WorkCalendar().add_working_days(start, n, cutoff=cutoff), False
    except CalendarUnavailable:
        return WorkCalendar(weekends_only=True).add_working_days(start, n, cutoff=cutoff), True


def expected_calendar_days(start: datetime, n: int) -> tuple[datetime, bool]:
    try:
        return WorkCalendar().add_calendar_days(start, n), False
    except CalendarUnavailable:
        return WorkCalendar(weekends_only=True).add_calendar_days(start, n), True


def assert_due(d: Deadline, expected: tuple[datetime, bool]) -> None:
    assert (d.due_at, d.provisional) == expected, d
    assert d.started_at <= d.warn_at <= d.due_at, d


# --- the read model ------------------------------------------------------------------------------------


@dataclass
class ReadModel:
    case: Case
    events: list[CaseEvent]  # in timeline order
    inbox: list[InboxItem]
    ratings: list[Rating]
    departments: list[CaseDepartment]

    @property
    def actions(self) -> list[str]:
        """The timeline without warnings (即将超期), which depend on the time of day a test runs."""
        return [e.action for e in self.events if e.action != "warning"]

    def tasks(self) -> set[tuple[str, str, str]]:
        """(org, role, task) of every open inbox item."""
        return {(i.org_id, i.role, i.task) for i in self.inbox}


def read_model(engine: Engine, code: str) -> ReadModel:
    with Session(engine) as session:
        case = session.get(Case, code)
        assert case is not None, f"case {code} was never projected"
        return ReadModel(
            case=case,
            events=list(
                session.exec(select(CaseEvent).where(CaseEvent.case_code == code).order_by(CaseEvent.seq))
            ),  # type: ignore[arg-type]
            inbox=list(session.exec(select(InboxItem).where(InboxItem.case_code == code))),
            ratings=list(session.exec(select(Rating).where(Rating.case_code == code).order_by(Rating.round))),  # type: ignore[arg-type]
            departments=list(session.exec(select(CaseDepartment).where(CaseDepartment.case_code == code))),
        )


def inbox(engine: Engine, org_id: str, role: Role) -> list[str]:
    """The case codes in an org's inbox for a role, as the web's inbox query reads them."""
    with Session(engine) as session:
        items = session.exec(
            select(InboxItem).where(InboxItem.org_id == org_id, InboxItem.role == role.value)
        )
        return sorted(i.case_code for i in items)


async def projected(handle: WorkflowHandle, engine: Engine) -> ReadModel:
    """The read model once it has caught up with the workflow (a timer's projection may be in flight)."""
    for _ in range(250):
        s = await snapshot(handle)
        with Session(engine) as session:
            row = session.get(Case, s.code)
        if row is not None and row.version == s.version:
            return read_model(engine, s.code)
        await asyncio.sleep(0.02)
    raise AssertionError("the read model did not catch up with the workflow in 5 s")


async def last_entry(handle: WorkflowHandle) -> TimelineEntry:
    """The newest timeline entry. Update results leave the timeline out (it would bloat history)."""
    return (await snapshot(handle)).timeline[-1]
