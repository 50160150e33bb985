"""An imported offline ledger (民情走访台账) keeps each visit's own date and collector (走访人), but its
clocks start when it is registered: a visit ten days ago is not overdue on arrival. Through the upload,
the background job and the case as Temporal and the read model hold it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from store.models import Case, CaseEvent
from tests.utils.jobs import follow_job, started_job
from tests.utils.ledger import ledger_xlsx, visit_row
from tests.utils.web import snapshot
from workdays import SHANGHAI
from workflows.types import DeadlineKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_an_imported_visit_keeps_its_date_and_collector_but_its_clock_starts_now(app, browser, engine):
    visited = (datetime.now(SHANGHAI) - timedelta(days=10)).date()
    with_collector = [*visit_row(1, visited), "李网格"]
    without = visit_row(2, visited)  # the column left out of an older template: nobody named
    grid = await browser("grid-qinghe")
    job = await started_job(
        await grid.post(
            "/ledger/import", files={"file": ("走访台账.xlsx", ledger_xlsx([with_collector, without]), XLSX)}
        )
    )
    await follow_job(grid, job)
    with Session(engine) as session:
        cases = {c.reporter_name: c for c in session.exec(select(Case).where(Case.channel == "visit"))}
        registered = {
            e.case_code: e.note
            for e in session.exec(select(CaseEvent).where(CaseEvent.action == "registered"))
        }
    assert set(cases) == {"走访群众1", "走访群众2"}
    for case in cases.values():
        assert case.received_at.astimezone(SHANGHAI).date() == visited  # the visit's own date
        assert not case.overdue and case.due_at is not None and case.due_at > datetime.now(UTC)
        snap = await snapshot(app, case.code)
        [report] = [d for d in snap.deadlines if d.kind == DeadlineKind.REPORT]
        assert report.started_at > datetime.now(UTC) - timedelta(minutes=5)  # from the registration
        assert snap.registration.clocks_from_registration
    assert registered[cases["走访群众1"].code].endswith("（走访人：李网格）")
    assert "走访人" not in registered[cases["走访群众2"].code]
