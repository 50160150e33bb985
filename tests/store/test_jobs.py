"""The background jobs' tables on SQLite and PostgreSQL: a job and its file, its progress, its end; an
import's rows moving on exactly once (each counted once in the job's `done`), a claimed row never
claimed by a second import, and old jobs and shown tracking links going away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.jobs import (
    JOB_RETENTION,
    TRACKING_SHOWN_FOR,
    JobKind,
    create_job,
    fail_job,
    finish_job,
    get_job,
    running_job,
    set_progress,
    upload_of,
)
from store.ledger_import import communities, parse_ledger
from store.ledger_import_rows import (
    PENDING_CODE,
    accept_row,
    claim_row,
    fail_row,
    plan_import,
    record_code,
    rows_of,
)
from store.report_tables import LedgerImport
from tests.utils.ledger import big_ledger

DAY = datetime(2026, 3, 2, tzinfo=UTC).date()


def planned_job(engine: Engine, started_by: str = "grid-qinghe"):  # type: ignore[no-untyped-def]
    data = big_ledger(good=3, bad=1, repeats=1, day=DAY)
    job = create_job(engine, JobKind.LEDGER_IMPORT, started_by, "wf", title="走访.xlsx", upload=data)
    report = parse_ledger("走访.xlsx", data, communities(engine), today=DAY)
    assert plan_import(engine, job.id, report)
    return job, report


def test_a_job_runs_reports_progress_and_ends(any_engine: Engine) -> None:
    job = create_job(any_engine, JobKind.REBUILD, "admin", "read-model-rebuild")
    assert running_job(any_engine, JobKind.REBUILD).id == job.id  # type: ignore[union-attr]
    assert running_job(any_engine, JobKind.LEDGER_IMPORT) is None
    set_progress(any_engine, job.id, 5, 20)
    assert (get_job(any_engine, job.id).done, get_job(any_engine, job.id).total) == (5, 20)  # type: ignore[union-attr]

    finish_job(any_engine, job.id, '{"checked": 20}', done=20)
    ended = get_job(any_engine, job.id)
    assert ended is not None and (ended.status, ended.done, ended.total) == ("succeeded", 20, 20)
    assert ended.finished_at is not None and ended.result == '{"checked": 20}'
    assert running_job(any_engine, JobKind.REBUILD) is None
    set_progress(any_engine, job.id, 1, 1)  # a late write of an attempt that was still running
    fail_job(any_engine, job.id, "Interrupted")
    assert get_job(any_engine, job.id).status == "succeeded"  # type: ignore[union-attr]


def test_an_import_plans_once_and_each_row_counts_once(any_engine: Engine) -> None:
    job, report = planned_job(any_engine)
    assert upload_of(any_engine, job.id).filename == "走访.xlsx"  # type: ignore[union-attr]
    assert not plan_import(any_engine, job.id, report)  # a retried attempt plans nothing again
    assert [r.status for r in rows_of(any_engine, job.id)] == ["pending"] * 3 + ["rejected", "duplicate"]
    assert (get_job(any_engine, job.id).done, get_job(any_engine, job.id).total) == (2, 5)  # type: ignore[union-attr]
    first, second, third = report.ready

    assert claim_row(any_engine, job.id, first, "sealed", filename="走访.xlsx", imported_by="grid-qinghe")
    with Session(any_engine) as s:
        assert s.get(LedgerImport, first.fingerprint).case_code == PENDING_CODE  # type: ignore[union-attr]
    record_code(any_engine, job.id, first, "HJ-2026-000001")
    accept_row(any_engine, job.id, first, "HJ-2026-000001")
    accept_row(any_engine, job.id, first, "HJ-2026-000001")  # a repeated write counts once
    assert claim_row(any_engine, job.id, second, "sealed", filename="走访.xlsx", imported_by="grid-qinghe")
    fail_row(any_engine, job.id, second, "流程服务暂时无法连接")

    rows = {r.row_number: r for r in rows_of(any_engine, job.id)}
    assert (rows[first.row_number].status, rows[first.row_number].case_code) == ("accepted", "HJ-2026-000001")
    assert rows[first.row_number].tracking_sealed == "sealed"
    assert (rows[second.row_number].status, rows[second.row_number].reason_list) == (
        "failed",
        ["流程服务暂时无法连接"],
    )
    assert rows[second.row_number].tracking_sealed is None
    assert get_job(any_engine, job.id).done == 4  # type: ignore[union-attr]
    with Session(any_engine) as s:
        assert s.get(LedgerImport, first.fingerprint).case_code == "HJ-2026-000001"  # type: ignore[union-attr]
        assert s.get(LedgerImport, second.fingerprint) is None  # released: it may be imported again

    # Another import of the same file meanwhile: the claimed row is its duplicate, never claimed twice.
    other, _ = planned_job(any_engine, "street-dongcheng")
    assert not claim_row(
        any_engine, other.id, first, "x", filename="again.xlsx", imported_by="street-dongcheng"
    )
    again = {r.row_number: r for r in rows_of(any_engine, other.id)}[first.row_number]
    assert (again.status, again.case_code) == ("duplicate", "HJ-2026-000001")
    assert third.row_number in {r.row_number for r in rows_of(any_engine, job.id) if r.status == "pending"}


def test_old_jobs_and_shown_tracking_links_go(any_engine: Engine) -> None:
    now = datetime.now(UTC)
    old = create_job(any_engine, JobKind.REBUILD, "admin", "wf", now=now - JOB_RETENTION - timedelta(hours=1))
    finish_job(any_engine, old.id, "{}")
    job, report = planned_job(any_engine)
    job_id = job.id
    claim_row(any_engine, job_id, report.ready[0], "sealed", filename="走访.xlsx", imported_by="grid-qinghe")
    accept_row(any_engine, job_id, report.ready[0], "HJ-2026-000001")
    finish_job(any_engine, job_id, "{}")
    with Session(any_engine) as s:  # a day later
        from store.jobs import Job

        row = s.get(Job, job_id)
        row.started_at = now - TRACKING_SHOWN_FOR - timedelta(minutes=1)  # type: ignore[union-attr]
        s.add(row)
        s.commit()

    create_job(any_engine, JobKind.REBUILD, "admin", "wf")  # any new job tidies up

    assert get_job(any_engine, old.id) is None
    assert upload_of(any_engine, job_id) is None  # gone when the job finished
    assert [r.tracking_sealed for r in rows_of(any_engine, job_id)] == [None] * 5
    assert [r.case_code for r in rows_of(any_engine, job_id) if r.status == "accepted"] == ["HJ-2026-000001"]
    with Session(any_engine) as s:
        assert len(s.exec(select(LedgerImport)).all()) == 1  # the claims stay: never imported twice
