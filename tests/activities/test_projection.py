"""The read-model projection is idempotent: a retried or replayed projection never duplicates an event
and never moves a case backwards, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import ActivityEnvironment

import activities.projection as projection_module
from activities.projection import ProjectionActivities
from tests.utils.cases import COMMUNITY, GRID, RESIDENT, read_model, registration
from workflows.policies import LIUDAN
from workflows.types import (
    Assignment,
    CaseSnapshot,
    Projection,
    RatingChannel,
    RatingRecord,
    RatingValue,
    Role,
    Stage,
    TimelineEntry,
    Urgency,
)

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def _event(seq: int, action: str, actor=COMMUNITY) -> TimelineEntry:  # type: ignore[no-untyped-def]
    return TimelineEntry(seq, T0 + timedelta(minutes=seq), action, actor.user_id, actor.role, actor.org_id)


class CaseHistory:
    """A case's successive projections, as the workflow would send them."""

    def __init__(self) -> None:
        reg = registration(received_at=T0)
        self.snap = CaseSnapshot(
            code=reg.code,
            version=0,
            registration=reg,
            policy=LIUDAN,
            stage=Stage.REPORT,
            holder_org_ids=["cm-qinghe"],
            holder_role=Role.COMMUNITY,
        )
        self.seq = 0

    def next(self, *actions: str, **changes: object) -> Projection:
        events = []
        for action in actions:
            self.seq += 1
            events.append(_event(self.seq, action, GRID if action == "registered" else COMMUNITY))
        self.snap = replace(self.snap, version=self.snap.version + 1, updated_at=T0, **changes)  # type: ignore[arg-type]
        return Projection(snapshot=self.snap, new_events=events)


def _first_three(case: CaseHistory) -> list[Projection]:
    return [
        case.next("registered"),
        case.next("triage", urgency=Urgency.DEFERRABLE),
        case.next("report_up", stage=Stage.SIGN, holder_org_ids=["st-dongcheng"], holder_role=Role.STREET),
    ]


def test_same_projection_twice_writes_once(any_engine: Engine):
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    first = case.next("registered")
    assert acts.write(first) is True
    assert acts.write(first) is False
    model = read_model(any_engine, case.snap.code)
    assert [(e.seq, e.action) for e in model.events] == [(1, "registered")]
    assert model.tasks() == {("cm-qinghe", "community", "triage")}
    assert (model.case.version, model.case.received_at) == (1, T0)


def test_older_projection_never_moves_the_case_back(any_engine: Engine):
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    v1, v2, v3 = _first_three(case)
    assert [acts.write(p) for p in (v1, v2, v3)] == [True, True, True]
    # A replayed or late retry of version 2 (or 1) writes nothing.
    assert acts.write(v2) is False
    assert acts.write(v1) is False
    model = read_model(any_engine, case.snap.code)
    assert (model.case.version, model.case.stage, model.case.holder_org_ids) == (3, "sign", "st-dongcheng")
    assert [e.action for e in model.events] == ["registered", "triage", "report_up"]
    assert model.tasks() == {("st-dongcheng", "street", "sign")}


def test_events_already_stored_are_not_duplicated(any_engine: Engine):
    """A newer version whose new events overlap what is stored (a projection retried after its commit)."""
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    for p in _first_three(case):
        acts.write(p)
    v4 = case.next("sign", stage=Stage.DISPATCH)
    overlapping = replace(v4, new_events=[_event(3, "report_up"), *v4.new_events])
    assert acts.write(overlapping) is True
    model = read_model(any_engine, case.snap.code)
    assert [(e.seq, e.action) for e in model.events] == [
        (1, "registered"),
        (2, "triage"),
        (3, "report_up"),
        (4, "sign"),
    ]


def test_ratings_and_departments_written_once(any_engine: Engine):
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    acts.write(case.next("registered"))
    rating = RatingRecord(
        1, RatingValue.SATISFIED, "好", RatingChannel.PORTAL, T0, RESIDENT.user_id, Role.RESIDENT
    )
    rated = case.next(
        "rate",
        stage=Stage.CLOSED,
        holder_org_ids=[],
        holder_role=None,
        assignments=[Assignment("dp-zhujian", lead=True, accepted_at=T0, reported_at=T0)],
        ratings=[rating],
    )
    assert acts.write(rated) is True
    again = case.next("closed")  # a later projection carries the same rating round again
    assert acts.write(again) is True
    model = read_model(any_engine, case.snap.code)
    assert [(r.round, r.value, r.lead_department_id) for r in model.ratings] == [
        (1, "satisfied", "dp-zhujian")
    ]
    assert [(d.department_id, d.lead) for d in model.departments] == [("dp-zhujian", True)]
    assert model.inbox == []


async def test_project_case_activity(any_engine: Engine):
    """The activity itself, as the worker runs it (retried with the same input)."""
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    env = ActivityEnvironment()
    v1, v2, v3 = _first_three(case)
    assert await env.run(acts.project_case, v1) is True
    assert await env.run(acts.project_case, v3) is True
    assert await env.run(acts.project_case, v2) is False  # older than what is stored
    assert await env.run(acts.project_case, v3) is False  # a retry
    model = read_model(any_engine, case.snap.code)
    assert model.case.version == 3
    assert [e.seq for e in model.events] == [1, 3]  # v2's event was never projected: no gap filling


def test_stale_attempt_racing_a_newer_projection(any_engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """An attempt that read the case before a newer projection was written must not overwrite it
    afterwards (a slow first attempt finishing after its retry and the next projection)."""
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    v1, v2, v3 = _first_three(case)
    acts.write(v1)
    stale_has_read, release_stale = threading.Event(), threading.Event()
    fill = projection_module._fill_case

    def slow_fill(row, snap):  # type: ignore[no-untyped-def]
        if snap.version == 2:  # the stale attempt pauses after reading the stored version
            stale_has_read.set()
            release_stale.wait(10)
        fill(row, snap)

    monkeypatch.setattr(projection_module, "_fill_case", slow_fill)
    stale = threading.Thread(target=acts.write, args=(v2,))
    stale.start()
    assert stale_has_read.wait(10)
    newer = threading.Thread(target=acts.write, args=(v3,))
    newer.start()
    newer.join(0.5)  # blocks behind the stale attempt's lock, or (without one) finishes first
    release_stale.set()
    stale.join(30)
    newer.join(30)
    model = read_model(any_engine, case.snap.code)
    assert (model.case.version, model.case.stage) == (3, "sign")
    assert [e.seq for e in model.events] == [1, 2, 3]
