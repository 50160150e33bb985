"""The background jobs' activities (issue 15): a ledger import and the rebuild of the read model, each
writing its progress on its job's row (`store.jobs`) for the page that polls it, and heartbeating so a
retry after a worker died resumes instead of starting over.

Registering a row is the web's registration service (`register_case`, through
`web.services.ledger_rows.LedgerRowRegistrar`); activities never import the web, so `worker.py` hands
the registrar in. Exactly once per row: each row's claim and state are in the read model
(`store.ledger_import_rows`), written before its case starts; the heartbeat only lets a retried
attempt skip the rows settled before it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.reconcile import PROCESSES, Reconciler
from store.jobs import Job, finish_job, get_job, set_progress, upload_of
from store.jobs import fail_job as mark_job_failed
from store.ledger_files import LedgerFileError
from store.ledger_import import ImportRow, communities, parse_ledger, without_imported
from store.ledger_import_rows import LedgerImportRow, plan_import, rows_of
from workdays import SHANGHAI
from workflows.jobs.types import (
    JobError,
    JobFailure,
    LedgerImportOutcome,
    LedgerImportRequest,
    RebuildOutcome,
    RebuildRequest,
)
from workflows.types import Actor, ReconcileReport

log = logging.getLogger("liudan.jobs")
CONCURRENT_ROWS = 4  # cases started at once by one import
PROGRESS_EVERY = 0.5  # seconds between the rebuild's progress writes
BEAT_EVERY = 5.0  # seconds: well inside the workflows' heartbeat timeout
OPEN = ("pending", "registering")


class RowRegistrar(Protocol):
    """Registers one row of an import job and records what became of it (`store.ledger_import_rows`)."""

    async def __call__(
        self, job_id: str, actor: Actor, filename: str, row: ImportRow, state: LedgerImportRow
    ) -> None: ...


class JobActivities:
    def __init__(self, client: Client, engine: Engine, register_row: RowRegistrar) -> None:
        self._client = client
        self._engine = engine
        self._register_row = register_row

    @activity.defn(name="import_ledger")
    async def import_ledger(self, request: LedgerImportRequest) -> LedgerImportOutcome:
        """Plans the stored file's rows once (rejected, duplicate, to register), then registers the
        rows still open, a few at a time; heartbeats the highest row number up to which every row is
        settled, which a retried attempt starts after."""
        job = await self._job(request.job_id)
        upload = await asyncio.to_thread(upload_of, self._engine, job.id)
        if upload is None:
            raise ApplicationError(
                "the uploaded file is gone", type=JobError.UPLOAD_MISSING, non_retryable=True
            )
        open_rows = await asyncio.to_thread(self._open_rows, job, upload.filename, upload.content)
        details = activity.info().heartbeat_details
        settled_up_to = int(details[0]) if details else 0
        todo = [(row, state) for row, state in open_rows if row.row_number > settled_up_to]
        if settled_up_to:
            activity.logger.info("import %s resumes after row %d", job.id, settled_up_to)
        gate = asyncio.Semaphore(CONCURRENT_ROWS)
        numbers = [row.row_number for row, _ in todo]
        finished: set[int] = set()

        def beat() -> None:
            activity.heartbeat(_watermark(numbers, finished, settled_up_to))

        async def register(row: ImportRow, state: LedgerImportRow) -> None:
            async with gate:
                await self._register_row(job.id, request.registered_by, upload.filename, row, state)
            finished.add(row.row_number)
            beat()

        alive = asyncio.create_task(_keep_beating(beat))  # a slow registration is no dead worker
        try:  # one row failing unexpectedly stops the others, as a dying worker would: the retry resumes
            async with asyncio.TaskGroup() as rows:
                for row, state in todo:
                    rows.create_task(register(row, state))
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        finally:
            alive.cancel()
        outcome = _import_outcome(await asyncio.to_thread(rows_of, self._engine, job.id))
        await asyncio.to_thread(finish_job, self._engine, job.id, json.dumps(outcome.__dict__))
        activity.logger.info(
            "import %s by %s: %d registered, %d rejected, %d duplicates, %d failed",
            job.id,
            request.registered_by.user_id,
            outcome.registered,
            outcome.rejected,
            outcome.duplicates,
            outcome.failed,
        )
        return outcome

    def _open_rows(self, job: Job, filename: str, content: bytes) -> list[tuple[ImportRow, LedgerImportRow]]:
        # Validated against the day the job started, so every attempt reads the file alike.
        today = job.started_at.astimezone(SHANGHAI).date()
        try:
            report = parse_ledger(filename, content, communities(self._engine), today=today)
        except LedgerFileError as unreadable:
            raise ApplicationError(str(unreadable), type=JobError.UNREADABLE, non_retryable=True) from None
        ready = {r.row_number: r for r in report.ready}
        states = rows_of(self._engine, job.id)
        if not states:  # the first attempt: rows imported before are duplicates, not this job's own
            plan_import(self._engine, job.id, without_imported(self._engine, report))
            states = rows_of(self._engine, job.id)
        return [(ready[s.row_number], s) for s in states if s.status in OPEN and s.row_number in ready]

    @activity.defn(name="rebuild_read_model")
    async def rebuild_read_model(self, request: RebuildRequest) -> RebuildOutcome:
        """Each process's read model rebuilt from Temporal in turn (`Reconciler.rebuild`, idempotent);
        heartbeats the processes finished and their merged report, which a retried attempt skips."""
        job = await self._job(request.job_id)
        details = activity.info().heartbeat_details
        progress = _Rebuilt.resumed(details[0] if details else None)
        counts = [await self._count(p.query) for p in PROCESSES]
        writer = asyncio.create_task(self._write_progress(job.id, progress))
        try:
            for index in range(progress.processes_done, len(PROCESSES)):
                before = sum(counts[:index])

                def advance(done: int, total: int, index: int = index, before: int = before) -> None:
                    counts[index] = total
                    progress.done, progress.total = before + done, sum(counts)
                    activity.heartbeat(progress.details())

                report = await Reconciler(self._client, self._engine, PROCESSES[index]).rebuild(advance)
                progress.add(report, index + 1)
                progress.done, progress.total = sum(counts[: index + 1]), sum(counts)
                activity.heartbeat(progress.details())
        finally:
            writer.cancel()
        outcome = progress.outcome()
        summary = json.dumps({**outcome.__dict__, "failed": outcome.failed[:50]})
        await asyncio.to_thread(finish_job, self._engine, job.id, summary, done=progress.done)
        activity.logger.info(
            "read model rebuilt: %d checked, %d rewritten, %d failed",
            outcome.checked,
            outcome.repaired,
            len(outcome.failed),
        )
        return outcome

    async def _count(self, query: str) -> int:
        try:
            return (await self._client.count_workflows(query)).count
        except Exception:  # a server that cannot count: the bar grows as each process reports its own
            return 0

    async def _write_progress(self, job_id: str, progress: _Rebuilt) -> None:
        """Writes the bar's numbers when they change, and heartbeats meanwhile (one slow case is no
        dead worker)."""
        written = (-1, -1)
        while True:
            now = (progress.done, progress.total)
            if now != written:
                await asyncio.to_thread(set_progress, self._engine, job_id, *now)
                written = now
            activity.heartbeat(progress.details())
            await asyncio.sleep(PROGRESS_EVERY)

    @activity.defn(name="fail_job")
    async def fail_job(self, failure: JobFailure) -> None:
        await asyncio.to_thread(mark_job_failed, self._engine, failure.job_id, failure.error.value)

    async def _job(self, job_id: str) -> Job:
        job = await asyncio.to_thread(get_job, self._engine, job_id)
        if job is None:
            raise ApplicationError(f"job {job_id} is gone", type=JobError.JOB_MISSING, non_retryable=True)
        return job


async def _keep_beating(beat: Callable[[], None]) -> None:
    while True:
        await asyncio.sleep(BEAT_EVERY)
        beat()


def _watermark(numbers: Sequence[int], finished: set[int], start: int) -> int:
    """The highest row number up to which every row of this attempt is settled."""
    mark = start
    for n in numbers:
        if n not in finished:
            break
        mark = n
    return mark


def _import_outcome(rows: list[LedgerImportRow]) -> LedgerImportOutcome:
    statuses = [r.status for r in rows]
    return LedgerImportOutcome(
        registered=statuses.count("accepted"),
        rejected=statuses.count("rejected"),
        duplicates=statuses.count("duplicate"),
        failed=statuses.count("failed"),
    )


class _Rebuilt:
    """The rebuild so far: processes finished, their merged counts, and the progress bar's numbers."""

    def __init__(self) -> None:
        self.processes_done = 0
        self.checked = self.repaired = self.missing = 0
        self.failed: list[str] = []
        self.done = self.total = 0

    @classmethod
    def resumed(cls, details: object) -> _Rebuilt:
        progress = cls()
        if isinstance(details, dict):  # as `details()` gave it to the previous attempt's heartbeat
            progress.processes_done = int(details.get("processes_done", 0))
            progress.checked = int(details.get("checked", 0))
            progress.repaired = int(details.get("repaired", 0))
            progress.missing = int(details.get("missing", 0))
            progress.failed = [str(code) for code in details.get("failed", [])]
        return progress

    def add(self, report: ReconcileReport, processes_done: int) -> None:
        self.checked += report.checked
        self.repaired += len(report.repaired)
        self.missing += len(report.missing)
        self.failed += report.failed
        self.processes_done = processes_done

    def details(self) -> dict[str, object]:
        return {
            "processes_done": self.processes_done,
            "checked": self.checked,
            "repaired": self.repaired,
            "missing": self.missing,
            "failed": self.failed,
        }

    def outcome(self) -> RebuildOutcome:
        return RebuildOutcome(self.checked, self.repaired, self.missing, list(self.failed))
