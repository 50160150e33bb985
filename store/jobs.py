"""Background jobs (issue 15): long work an officer starts from a page and watches there.

A job is one workflow (a ledger import, a rebuild of the read model); this table is what its page reads
every second, so the page never queries Temporal. The web creates the row (and stores the uploaded
file, `JobUpload`, so only the job id travels through Temporal's history) before it starts the
workflow; the workflow's activities write `done`/`total` as they go and the outcome at the end.

Kept for `JOB_RETENTION`; the uploaded bytes only until the job ends. Who may see a job: the one who
started it, and admins (`web.services.jobs`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, Text, delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from store.ledger_import_rows import LedgerImportRow, forget_tracking
from store.types import UTCDateTime

JOB_RETENTION = timedelta(days=30)
# A ledger import's tracking links are shown on its page this long after it started, then erased.
TRACKING_SHOWN_FOR = timedelta(hours=24)


class JobKind(StrEnum):
    LEDGER_IMPORT = "ledger_import"  # 台账导入
    REBUILD = "rebuild"  # 重建读模型


class JobStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(SQLModel, table=True):
    __tablename__ = "jobs"

    id: str = Field(primary_key=True, max_length=32)  # random: it is in the job page's address
    kind: str = Field(max_length=16, index=True)
    status: str = Field(default=JobStatus.RUNNING.value, max_length=12, index=True)
    started_by: str = Field(max_length=64)  # user id
    started_at: datetime = Field(sa_type=UTCDateTime, index=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done: int = 0
    total: int = 0  # 0 until the job knows how much there is
    title: str = Field(default="", max_length=200)  # the uploaded file's name, for a ledger import
    result: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON summary
    error: str = Field(default="", max_length=40)  # the failure's type; the page words it
    workflow_id: str = Field(default="", max_length=100)


class JobUpload(SQLModel, table=True):
    """The file a job works on, stored before its workflow starts (never passed through Temporal)."""

    __tablename__ = "job_uploads"

    job_id: str = Field(foreign_key="jobs.id", primary_key=True, max_length=32)
    filename: str = Field(max_length=200)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


def new_job_id() -> str:
    return uuid.uuid4().hex


def create_job(
    engine: Engine,
    kind: JobKind,
    started_by: str,
    workflow_id: str,
    *,
    job_id: str | None = None,
    title: str = "",
    upload: bytes | None = None,
    now: datetime | None = None,
) -> Job:
    """The job's row (running, nothing done yet) and its file, in one transaction. In the same one,
    jobs past `JOB_RETENTION` go, and tracking links past `TRACKING_SHOWN_FOR` are erased."""
    now = now or datetime.now(UTC)
    job = Job(
        id=job_id or new_job_id(),
        kind=kind.value,
        started_by=started_by,
        started_at=now,
        title=title[:200],
        workflow_id=workflow_id,
    )
    with Session(engine, expire_on_commit=False) as session:
        _purge(session, now)
        session.add(job)
        session.flush()
        if upload is not None:
            session.add(JobUpload(job_id=job.id, filename=title[:200], content=upload))
        session.commit()
    return job


def forget_job(engine: Engine, job_id: str) -> None:
    """Removes a job whose workflow never started."""
    with Session(engine) as session:
        _delete_jobs(session, [job_id])
        session.commit()


def get_job(engine: Engine, job_id: str) -> Job | None:
    with Session(engine) as session:
        return session.get(Job, job_id)


def running_job(engine: Engine, kind: JobKind) -> Job | None:
    """The job of this kind still running, if any (the newest)."""
    with Session(engine) as session:
        query = (
            select(Job)
            .where(Job.kind == kind.value, Job.status == JobStatus.RUNNING.value)
            .order_by(col(Job.started_at).desc())
        )
        return session.exec(query).first()


def upload_of(engine: Engine, job_id: str) -> JobUpload | None:
    with Session(engine) as session:
        return session.get(JobUpload, job_id)


def set_progress(engine: Engine, job_id: str, done: int, total: int) -> None:
    with Session(engine) as session:
        session.execute(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.status) == JobStatus.RUNNING.value)
            .values(done=done, total=total)
        )
        session.commit()


def finish_job(engine: Engine, job_id: str, result: str, *, done: int | None = None) -> None:
    """Succeeded, with its JSON summary; the file goes. (`done`: the final count, else as it stands.)"""
    values: dict[str, object] = {
        "status": JobStatus.SUCCEEDED.value,
        "finished_at": datetime.now(UTC),
        "result": result,
    }
    if done is not None:
        values.update(done=done, total=done)
    _end(engine, job_id, values)


def fail_job(engine: Engine, job_id: str, error: str) -> None:
    """Failed; `error` is the failure's type (`JobFailure`), which the page words."""
    _end(
        engine,
        job_id,
        {"status": JobStatus.FAILED.value, "finished_at": datetime.now(UTC), "error": error[:40]},
    )


def _end(engine: Engine, job_id: str, values: dict[str, object]) -> None:
    with Session(engine) as session:
        session.execute(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.status) == JobStatus.RUNNING.value)
            .values(**values)
        )
        session.execute(delete(JobUpload).where(col(JobUpload.job_id) == job_id))
        session.commit()


def _purge(session: Session, now: datetime) -> None:
    ended = Job.status != JobStatus.RUNNING.value
    old = session.exec(select(Job.id).where(col(Job.started_at) < now - JOB_RETENTION, ended))
    _delete_jobs(session, list(old.all()))
    shown = session.exec(select(Job.id).where(col(Job.started_at) < now - TRACKING_SHOWN_FOR, ended))
    forget_tracking(session, list(shown.all()))


def _delete_jobs(session: Session, job_ids: list[str]) -> None:
    if not job_ids:
        return
    session.execute(delete(LedgerImportRow).where(col(LedgerImportRow.job_id).in_(job_ids)))
    session.execute(delete(JobUpload).where(col(JobUpload.job_id).in_(job_ids)))
    session.execute(delete(Job).where(col(Job.id).in_(job_ids)))
