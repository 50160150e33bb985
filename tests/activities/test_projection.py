"""The read-model projection converges: a retried or replayed projection never duplicates an event and
never moves a case backwards; a projection of the same version replaces what a lost attempt wrote;
a projection the database refuses is recorded for admins, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import ActivityEnvironment

import activities.case_rows as case_rows_module
from activities.projection import ProjectionActivities
from tests.utils.cases import COMMUNITY, GRID, RESIDENT, read_model, registration
from workflows.policies import LIUDAN
from workflows.types import (
    Assignment,
    CaseSnapshot,
    Deadline,
    DeadlineKind,
    DeadlineState,
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


def test_same_projection_twice_leaves_one_copy(any_engine: Engine):
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    first = case.next("registered")
    assert acts.write(first) is True
    assert acts.write(first) is True  # the same version is written over, not appended
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
    assert await env.run(acts.project_case, v3) is True  # a retry writes the same again
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
    values = case_rows_module._case_values

    def slow_values(snap):  # type: ignore[no-untyped-def]
        if snap.version == 2:  # the stale attempt pauses after reading the stored version
            stale_has_read.set()
            release_stale.wait(10)
        return values(snap)

    monkeypatch.setattr(case_rows_module, "_case_values", slow_values)
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


def test_a_lost_attempt_is_overwritten_by_the_real_decision(any_engine: Engine):
    """kill -9 between the projection's commit and Temporal recording the decision: the read model
    shows a phantom version 3. The case then really takes a different decision as version 3; its
    projection replaces the phantom's row and events (time, note) rather than keeping them."""
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    v1, v2, _ = _first_three(case)
    acts.write(v1)
    acts.write(v2)
    phantom = replace(
        case.next("close_unreasonable", stage=Stage.CLOSED, holder_org_ids=[], holder_role=None),
        event_count=3,
    )
    acts.write(phantom)
    real = replace(
        phantom,
        snapshot=replace(
            phantom.snapshot, stage=Stage.SIGN, holder_org_ids=["st-dongcheng"], holder_role=Role.STREET
        ),
        new_events=[replace(_event(3, "report_up"), at=T0 + timedelta(hours=2), note="已核实")],
    )
    assert acts.write(real) is True
    model = read_model(any_engine, case.snap.code)
    assert [(e.seq, e.action, e.note, e.at) for e in model.events][-1] == (
        3,
        "report_up",
        "已核实",
        T0 + timedelta(hours=2),
    )
    assert (model.case.stage, model.tasks()) == ("sign", {("st-dongcheng", "street", "sign")})


def test_events_past_the_timeline_are_removed(any_engine: Engine):
    """A phantom attempt wrote events 3 and 4; the real projection says the timeline has 3."""
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    v1, v2, v3 = _first_three(case)
    acts.write(v1)
    acts.write(v2)
    acts.write(replace(v3, new_events=[*v3.new_events, _event(4, "sign")]))
    acts.write(replace(v3, event_count=3))
    assert [e.seq for e in read_model(any_engine, case.snap.code).events] == [1, 2, 3]


async def test_a_rejected_projection_is_recorded_not_retried(any_engine: Engine):
    """Data the database refuses (a department that does not exist) fails once, non-retryably, and the
    case is listed for admins; the next good projection clears the listing."""
    from sqlmodel import Session
    from temporalio.exceptions import ApplicationError

    from store.case_records import CaseAttention

    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    acts.write(case.next("registered"))
    bad = case.next("dispatch", assignments=[Assignment("dp-does-not-exist", lead=True)])
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(acts.project_case, bad)
    assert refused.value.type == "ProjectionRejected" and refused.value.non_retryable
    with Session(any_engine) as session:
        listed = session.get(CaseAttention, case.snap.code)
        assert listed is not None and listed.version == 2
    assert read_model(any_engine, case.snap.code).case.version == 1  # nothing half-written
    acts.write(case.next("triage", assignments=[]))
    with Session(any_engine) as session:
        assert session.get(CaseAttention, case.snap.code) is None


def test_replace_reports_drift_and_repairs_it(any_engine: Engine):
    """The reconciler's write: the whole case from its full snapshot, only if the stored version is
    still the one it saw, and True only when something differed."""
    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    v1, v2, v3 = _first_three(case)
    for p in (v1, v2, v3):
        acts.write(p)
    full = replace(
        v3.snapshot, timeline=[_event(1, "registered", GRID), _event(2, "triage"), _event(3, "report_up")]
    )
    assert acts.replace(full, expected_version=3) is False  # already equal
    phantom = case.next("sign", stage=Stage.DISPATCH)
    acts.write(replace(phantom, event_count=4))
    assert acts.replace(full, expected_version=3) is False  # it moved on since the caller looked
    assert acts.replace(full, expected_version=4) is True  # the phantom version 4 is undone
    model = read_model(any_engine, case.snap.code)
    assert (model.case.version, model.case.stage, [e.seq for e in model.events]) == (3, "sign", [1, 2, 3])


def _clock(
    ordinal: int, kind: DeadlineKind, org: str, state: DeadlineState = DeadlineState.RUNNING
) -> Deadline:
    start = T0 + timedelta(hours=ordinal)
    closed = start + timedelta(minutes=30) if state in (DeadlineState.MET, DeadlineState.CANCELLED) else None
    return Deadline(
        f"{kind.value}-{ordinal}", kind, kind.value, start, start + timedelta(days=1), start + timedelta(days=2),
        state=state, org_id=org, closed_at=closed,
    )  # fmt: skip


def test_projections_leave_what_a_full_replace_writes(any_engine: Engine):
    """The ordinary write changes only the rows that differ; whatever the path (a department returned
    and given the case again, a reopened rating, a retried write, a phantom attempt with a deadline,
    a rating and events that Temporal never recorded), the read model ends exactly as a full `replace`
    from the final snapshot writes it."""
    from sqlalchemy import delete
    from sqlmodel import Session

    from activities.projection import stored_state
    from store.case_records import CaseDeadline
    from store.models import Case, CaseDepartment, CaseEvent, InboxItem, Rating

    acts = ProjectionActivities(any_engine)
    case = CaseHistory()
    street, dept = ("st-dongcheng", Role.STREET), ("dp-zhujian", Role.DEPARTMENT)
    report = _clock(1, DeadlineKind.REPORT, "cm-qinghe")
    sign = _clock(2, DeadlineKind.SIGN, "st-dongcheng")
    met = DeadlineState.MET
    first = Assignment("dp-chengguan", lead=True, dispatched_at=T0 + timedelta(hours=3))
    second = Assignment("dp-zhujian", lead=True, dispatched_at=T0 + timedelta(hours=5))
    accepted = replace(second, accepted_at=T0 + timedelta(hours=6), response="已联系")
    rating = RatingRecord(
        1, RatingValue.DISSATISFIED, "没修好", RatingChannel.PORTAL, T0, RESIDENT.user_id, Role.RESIDENT
    )
    steps = [
        case.next("registered", deadlines=[report]),
        case.next("triage", urgency=Urgency.DEFERRABLE),
        case.next(
            "report_up",
            stage=Stage.SIGN,
            holder_org_ids=[street[0]],
            holder_role=street[1],
            deadlines=[replace(report, state=met), sign],
        ),
        case.next(
            "dispatch",
            stage=Stage.ACCEPT,
            holder_org_ids=["dp-chengguan"],
            holder_role=dept[1],
            assignments=[first],
            dispatched_at=first.dispatched_at,
            deadlines=[
                replace(report, state=met),
                replace(sign, state=met),
                _clock(3, DeadlineKind.RESPONSE, "dp-chengguan"),
            ],
        ),
        case.next(
            "return",
            stage=Stage.DISPATCH,
            holder_org_ids=[street[0]],
            holder_role=street[1],
            assignments=[],
            departed=[first],
            returns=1,
            deadlines=[
                replace(report, state=met),
                replace(sign, state=met),
                _clock(3, DeadlineKind.RESPONSE, "dp-chengguan", DeadlineState.CANCELLED),
            ],
        ),
        case.next(
            "dispatch",
            stage=Stage.ACCEPT,
            holder_org_ids=[dept[0]],
            holder_role=dept[1],
            assignments=[second],
            dispatched_at=second.dispatched_at,
        ),
        case.next("accept", stage=Stage.HANDLE, assignments=[accepted]),
        case.next(
            "submit_result",
            stage=Stage.RATE,
            holder_org_ids=["cm-qinghe"],
            holder_role=Role.COMMUNITY,
            assignments=[replace(accepted, reported_at=T0 + timedelta(hours=7))],
            result="已修复",
        ),
        case.next("rate", stage=Stage.REVIEW, ratings=[rating], overdue=True, ever_overdue=True),
    ]
    for p in steps:
        assert acts.write(p) is True
    acts.write(steps[-1])  # a retry of the same version
    kept = case.snap, case.seq
    # A phantom: an attempt Temporal never recorded wrote a second rating, a clock and two events...
    phantom = case.next(
        "reopen",
        "closed",
        stage=Stage.CLOSED,
        holder_org_ids=[],
        holder_role=None,
        ratings=[rating, replace(rating, round=2, value=RatingValue.SATISFIED)],
        deadlines=[*case.snap.deadlines, _clock(9, DeadlineKind.SUPERVISION, "st-dongcheng")],
    )
    acts.write(phantom)
    # ... and the real version 10 is written over it.
    case.snap, case.seq = kept
    real = replace(
        case.next(
            "supervise",
            stage=Stage.HANDLE,
            holder_org_ids=[dept[0]],
            holder_role=dept[1],
            supervised=True,
            supervision_level=1,
            reopened=1,
        ),
        event_count=case.seq,
    )
    acts.write(real)

    full = replace(
        case.snap,
        timeline=[e for p in [*steps, real] for e in p.new_events],
    )
    with Session(any_engine) as session:
        written = stored_state(session, case.snap.code)
    assert [e["seq"] for e in written[1]] == list(range(1, 11))
    assert acts.replace(full, expected_version=full.version) is False  # nothing differs
    with Session(any_engine) as session:  # the case written again from nothing
        for model in (InboxItem, CaseEvent, Rating, CaseDepartment, CaseDeadline):
            session.execute(delete(model).where(model.case_code == full.code))  # type: ignore[arg-type]
        session.execute(delete(Case).where(Case.code == full.code))  # type: ignore[arg-type]
        session.commit()
    assert acts.replace(full, expected_version=None) is True
    with Session(any_engine) as session:
        assert stored_state(session, case.snap.code) == written
    assert [d["department_id"] for d in written[4]] == ["dp-chengguan", "dp-zhujian"]
    assert [r["round"] for r in written[3]] == [1]
    assert "supervision-9" not in [d["deadline_id"] for d in written[5]]
