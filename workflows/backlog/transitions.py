"""What each backlog decision does (积案 / 包案): pure functions from (backlog, decision, now) to the new
state and the clocks to open or close. The weekly report clock restarts at every report; a report
missed is on record and the case goes to the supervision office (督查室) to press."""

from __future__ import annotations

from datetime import datetime

from workflows.backlog.types import (
    BacklogAssignment,
    BacklogPress,
    BacklogResolution,
    BacklogSnapshot,
    BacklogStage,
    ProgressReport,
)
from workflows.transitions import Effects, OpenClock
from workflows.types import DeadlineKind as K
from workflows.types import Role

KINDS = (K.BACKLOG_ASSIGN, K.BACKLOG_REPORT)
LEADER_OFFICE = "ld-office"  # leaders' items are filed under their office; each page shows a leader their own


def _report_clock(b: BacklogSnapshot) -> OpenClock:
    return OpenClock(K.BACKLOG_REPORT, b.policy.report_every, cutoff=False)


def assign(b: BacklogSnapshot, d: BacklogAssignment, now: datetime) -> Effects:
    """包案: the leaders and their working team own it from now, and report every week."""
    b.leader_ids, b.team_org_ids = list(d.leader_ids), list(d.team_org_ids)
    if b.assigned_at is None:
        b.assigned_at = now
    b.stage, b.holder_org_ids, b.holder_role = (
        BacklogStage.IN_CHARGE,
        [LEADER_OFFICE, *d.team_org_ids],
        Role.LEADER,
    )
    reassigned = b.reports or any(x.kind == K.BACKLOG_REPORT for x in b.deadlines)
    return Effects(
        note=d.note or "落实领导包案",
        close=(K.BACKLOG_ASSIGN,),
        cancel=(K.BACKLOG_REPORT,) if reassigned else (),
        open=[_report_clock(b)],
    )


def report(b: BacklogSnapshot, d: ProgressReport, now: datetime) -> Effects:
    b.reports += 1
    b.last_report_at = now
    b.duties_done = sorted(set(b.duties_done) | set(d.duties_done))
    return Effects(note=d.progress, public=False, close=(K.BACKLOG_REPORT,), open=[_report_clock(b)])


def resolve(b: BacklogSnapshot, d: BacklogResolution, now: datetime) -> Effects:
    b.outcome, b.evidence, b.closed_at, b.overdue = d.outcome, d.evidence, now, False
    b.stage, b.holder_org_ids, b.holder_role = BacklogStage.CLOSED, [], None
    return Effects(note=d.evidence, public=False, close=KINDS)


def press(b: BacklogSnapshot, d: BacklogPress, now: datetime) -> Effects:
    b.presses += 1
    return Effects(note=d.note, public=False)


def on_expiry(b: BacklogSnapshot, kind: K, now: datetime) -> tuple[str, Effects]:
    """Rule: the owners not named in time, or a weekly report missed, is overdue and goes to the
    supervision office; a missed report is counted, and the next one is due a week on."""
    b.ever_overdue = True
    if kind == K.BACKLOG_REPORT:
        b.missed_reports += 1
        return "report_missed", Effects(note="包案进展报告逾期", public=False, open=[_report_clock(b)])
    return "overdue", Effects(public=False)
