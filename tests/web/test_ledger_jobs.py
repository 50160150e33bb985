"""A ledger import runs in the background: the upload starts a job and redirects to its page, whose
progress bar (a fragment of the page, polled every second) advances while the rows are registered, and
which shows the report once the job is finished."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from store.jobs import Job, JobUpload
from store.models import Case
from tests.utils.jobs import POLLING, follow_job, started_job
from tests.utils.ledger import big_ledger
from tests.utils.web import CODE
from workdays import SHANGHAI

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


async def test_a_large_import_reports_its_progress_and_finishes_with_the_right_counts(app, browser, engine):
    day = (datetime.now(SHANGHAI) - timedelta(days=2)).date()
    data = big_ledger(good=300, bad=10, repeats=10, day=day)
    grid = await browser("grid-qinghe")
    before = count(engine, Case)

    job = await started_job(await grid.post("/ledger/import", files={"file": ("大台账.xlsx", data, XLSX)}))
    page = await grid.get(job)
    assert page.status_code == 200 and "<progress" in page.text and POLLING in page.text
    report, seen = await follow_job(grid, job, every=0.05)

    dones = [done for done, _ in seen]
    assert dones == sorted(dones), seen  # the bar only moves forward
    assert len({d for d in dones if 0 < d < 320}) >= 2, seen  # and was seen moving
    assert seen[-1] == (320, 320)
    assert "320 / 320（100%）" in report.text and POLLING not in report.text
    assert "「大台账.xlsx」共 320 行：登记 300 件，不合格 10 行，重复 10 行，未能登记 0 行。" in report.text
    assert len(set(CODE.findall(report.text))) == 300 == count(engine, Case) - before
    assert report.text.count("/track/") == 300
    with Session(engine) as s:
        finished = s.exec(select(Job)).one()
    assert (finished.status, finished.done, finished.total) == ("succeeded", 320, 320)
    assert count(engine, JobUpload) == 0  # the file is kept only while the job runs
    assert (
        job in (await grid.get("/ledger/import")).text
    )  # listed among the officer's imports, to come back to
