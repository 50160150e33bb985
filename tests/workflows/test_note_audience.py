"""An officer's note is internal or to the resident, as chosen (`PATCH_NOTE_AUDIENCE`): the dispatch
opinion no longer reaches the tracking page by default; a note to the resident makes its step public."""

from __future__ import annotations

from tests.utils.cases import COMMUNITY, LEADER, STREET, keep_history, start_case
from workflows.case import CaseWorkflow
from workflows.types import (
    Category,
    Difficulty,
    DispatchDecision,
    ReportUp,
    SignDecision,
    TakeCharge,
    TimelineEntry,
    TriageDecision,
    Urgency,
    resident_note,
)


def entry(timeline: list[TimelineEntry], action: str) -> TimelineEntry:
    return next(e for e in timeline if e.action == action)


async def test_notes_reach_the_resident_only_when_chosen(client, task_queue, engine, time_env):
    h = await start_case(client, task_queue)
    await h.execute_update(
        CaseWorkflow.triage,
        TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE, "已电话安抚群众", True),
    )
    await h.execute_update(CaseWorkflow.report_up, ReportUp(COMMUNITY, "请街道协调"))
    await h.execute_update(CaseWorkflow.sign, SignDecision(STREET, "已签收", note_to_resident=True))
    await h.execute_update(
        CaseWorkflow.dispatch, DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY, note="核实产权")
    )
    await h.execute_update(CaseWorkflow.take_charge, TakeCharge(LEADER, "由王建国包案"))
    timeline = (await h.query(CaseWorkflow.snapshot)).timeline

    triage = entry(timeline, "triage")  # internal step, note told: the step shows with its note
    assert (triage.public, triage.note_public, resident_note(triage)) == (True, True, "已电话安抚群众")
    report = entry(timeline, "report_up")  # public step, internal note (the default)
    assert (report.public, report.note_public, resident_note(report)) == (True, False, "")
    assert resident_note(entry(timeline, "sign")) == "已签收"
    dispatch = entry(timeline, "dispatch")
    assert dispatch.public and resident_note(dispatch) == "" and dispatch.note == "核实产权"
    charge = entry(timeline, "take_charge")  # internal step, internal note: hidden altogether
    assert not charge.public and resident_note(charge) == ""
    await keep_history(h, "note_audience")
