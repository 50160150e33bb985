"""The import activity, retried after its worker died mid-job, resumes: it skips the rows its last
heartbeat settled, finishes the very registration that was under way (the same case, the same tracking
token), and registers no row twice. Activities run in `ActivityEnvironment`; the cases they register
run on the test's worker."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.jobs import JobActivities
from store.jobs import JobKind, create_job, get_job
from store.ledger_import import ImportRow
from store.ledger_import_rows import accept_row, rows_of
from store.models import Case
from tests.utils.cases import GRID
from tests.utils.ledger import big_ledger
from tests.utils.web import web_settings
from tests.web.conftest import terminate_cases
from web.services import ledger_rows
from web.services.ledger_rows import LedgerRowRegistrar
from workdays import SHANGHAI
from workflows.jobs.types import JobError, LedgerImportRequest

DIES_AT = 7  # the spreadsheet's row 7 (the header is row 1): the sixth valid row


class WorkerDied(Exception):
    pass


class Registrar:
    """The real registrar, counting the rows it is given."""

    def __init__(self, real: LedgerRowRegistrar) -> None:
        self.real = real
        self.rows: list[int] = []

    async def __call__(self, job_id: str, actor: Any, filename: str, row: ImportRow, state: Any) -> None:
        self.rows.append(row.row_number)
        await self.real(job_id, actor, filename, row, state)


def dies_before_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker dies just after row DIES_AT's case started, before its acceptance is written."""

    def accept(engine: Engine, job_id: str, row: ImportRow, code: str) -> None:
        if row.row_number == DIES_AT:
            raise WorkerDied
        accept_row(engine, job_id, row, code)

    monkeypatch.setattr(ledger_rows, "accept_row", accept)


async def case_codes(engine: Engine, expected: int) -> set[str]:
    """The read model's cases, once `expected` of them are there and no more arrive for a moment."""
    for _ in range(100):
        with Session(engine) as s:
            codes = set(s.exec(select(Case.code)).all())
        if len(codes) >= expected:
            await asyncio.sleep(0.5)  # a case started by the dead attempt would project meanwhile
            with Session(engine) as s:
                return set(s.exec(select(Case.code)).all())
        await asyncio.sleep(0.1)
    return codes


async def test_a_retried_import_resumes_and_registers_no_row_twice(
    client: Client, engine: Engine, task_queue: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = web_settings(task_queue, tmp_path)
    day = (datetime.now(SHANGHAI) - timedelta(days=1)).date()
    job = create_job(
        engine, JobKind.LEDGER_IMPORT, GRID.user_id, "ledger-import-test", title="走访.xlsx",
        upload=big_ledger(good=12, bad=1, repeats=1, day=day),
    )  # fmt: skip
    request = LedgerImportRequest(job.id, GRID)
    real = LedgerRowRegistrar(engine, client, settings)
    try:
        first, beats = ActivityEnvironment(), []
        first.on_heartbeat = lambda *details: beats.append(details[0])
        dies_before_recording(monkeypatch)
        with pytest.raises(WorkerDied):
            await first.run(JobActivities(client, engine, Registrar(real)).import_ledger, request)
        monkeypatch.undo()  # the next worker is a healthy one
        assert beats and 2 <= beats[-1] < DIES_AT  # rows up to here were settled
        half = {r.row_number: r for r in rows_of(engine, job.id)}
        assert half[DIES_AT].status == "registering" and half[DIES_AT].case_code
        assert get_job(engine, job.id).done < 14  # type: ignore[union-attr]

        second = ActivityEnvironment()
        second.info = dataclasses.replace(second.info, attempt=2, heartbeat_details=[beats[-1]])
        resumed = Registrar(real)
        outcome = await second.run(JobActivities(client, engine, resumed).import_ledger, request)

        assert (outcome.registered, outcome.rejected, outcome.duplicates, outcome.failed) == (12, 1, 1, 0)
        assert min(resumed.rows) > beats[-1]  # the settled rows were skipped, not looked at again
        rows = {r.row_number: r for r in rows_of(engine, job.id)}
        assert rows[DIES_AT].case_code == half[DIES_AT].case_code  # the very case the first attempt started
        accepted = {r.case_code for r in rows.values() if r.status == "accepted"}
        assert len(accepted) == 12 and await case_codes(engine, 12) == accepted
        finished = get_job(engine, job.id)
        assert finished is not None and (finished.status, finished.done, finished.total) == (
            "succeeded",
            14,
            14,
        )

        # Once it has finished, its file is gone: a further run is refused for good, changing nothing.
        with pytest.raises(ApplicationError) as gone:
            await ActivityEnvironment().run(JobActivities(client, engine, resumed).import_ledger, request)
        assert gone.value.type == JobError.UPLOAD_MISSING and gone.value.non_retryable
        assert {r.case_code for r in rows_of(engine, job.id) if r.status == "accepted"} == accepted
    finally:
        await terminate_cases(client, engine)
