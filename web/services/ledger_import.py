"""Importing offline-collected requests (民情走访台账) in the background: each valid row registered as a
case (`web.services.ledger_rows`), by a `LedgerImportWorkflow` the upload starts.

The upload is checked at once (a file that cannot be read, or lacks a required column, is refused and
nothing starts), stored with its job (`store.jobs`), and only the job's id goes to Temporal. The job's
page shows the progress and, once finished, the report built here from the job's rows.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.service import RPCError

from settings import Settings
from store.jobs import TRACKING_SHOWN_FOR, Job, JobKind, create_job, forget_job, new_job_id
from store.ledger_files import LedgerFileError
from store.ledger_import import check_ledger
from store.ledger_import_rows import rows_of
from store.ledger_template import import_template_xlsx
from web.i18n import TEXT
from web.security import unseal
from web.services.cases import READ_TIMEOUT, CaseUnavailable
from web.services.ledger_rows import sealed_for
from web.services.registration import communities_for
from workflows.jobs.ids import ledger_import_workflow_id
from workflows.jobs.ledger_import import LedgerImportWorkflow
from workflows.jobs.types import LedgerImportRequest
from workflows.types import Actor

log = logging.getLogger("liudan.web.ledger_import")
MAX_FILE_BYTES = 5 * 1024 * 1024
TEMPLATE_FILENAME = "民情走访台账模板.xlsx"


@dataclass(frozen=True)
class ReportRow:
    row_number: int
    title: str = ""
    community: str = ""
    case_code: str = ""  # registered as (accepted), or registered earlier as (a duplicate)
    same_as_row: int | None = None  # a duplicate of this row of the same file
    reasons: list[str] = field(default_factory=list)
    tracking_token: str | None = None  # shown to the officer who imported it, for a day


@dataclass
class ImportReport:
    filename: str
    accepted: list[ReportRow] = field(default_factory=list)
    rejected: list[ReportRow] = field(default_factory=list)  # rows that are not valid
    duplicates: list[ReportRow] = field(default_factory=list)
    failed: list[ReportRow] = field(default_factory=list)  # valid rows the registration refused

    @property
    def total(self) -> int:
        return len(self.accepted) + len(self.rejected) + len(self.duplicates) + len(self.failed)


def template(engine: Engine, actor: Actor) -> bytes:
    """The template, listing the communities this officer may register for."""
    names = [name for group in communities_for(engine, actor) for _, name in group.communities]
    return import_template_xlsx(names)


async def start_import(
    engine: Engine, client: Client, settings: Settings, actor: Actor, filename: str, data: bytes
) -> str:
    """Checks the file, stores it with a new job and starts the job's workflow; the job's id.
    ``LedgerFileError`` (nothing started) when the file cannot be imported."""
    if not data:
        raise LedgerFileError(TEXT["import_empty"])
    if len(data) > MAX_FILE_BYTES:
        raise LedgerFileError(TEXT["import_too_large"].format(mb=MAX_FILE_BYTES // (1024 * 1024)))
    await asyncio.to_thread(check_ledger, filename, data)
    job_id = new_job_id()
    workflow_id = ledger_import_workflow_id(job_id)
    await asyncio.to_thread(
        create_job,
        engine,
        JobKind.LEDGER_IMPORT,
        actor.user_id,
        workflow_id,
        job_id=job_id,
        title=filename,
        upload=data,
    )
    try:
        await client.start_workflow(
            LedgerImportWorkflow.run,
            LedgerImportRequest(job_id, actor),
            id=workflow_id,
            task_queue=settings.task_queue,
            static_summary=f"台账导入 {job_id}",  # shown to anyone in the Temporal UI: never a file name
            rpc_timeout=READ_TIMEOUT,
        )
    except RPCError as error:
        log.error("could not start ledger import %s: %s", job_id, error)
        await asyncio.to_thread(forget_job, engine, job_id)
        raise CaseUnavailable(workflow_id) from error
    log.info("ledger import %s started by %s", job_id, actor.user_id)
    return job_id


def import_report(engine: Engine, settings: Settings, job: Job, viewer: Actor) -> ImportReport:
    """What became of each row; the tracking links only for the officer who imported them, and only
    for `TRACKING_SHOWN_FOR`."""
    show_links = viewer.user_id == job.started_by
    show_links = show_links and datetime.now(UTC) - job.started_at <= TRACKING_SHOWN_FOR
    report = ImportReport(job.title)
    lists = {
        "accepted": report.accepted,
        "rejected": report.rejected,
        "duplicate": report.duplicates,
        "failed": report.failed,
    }
    for r in rows_of(engine, job.id):
        if r.status not in lists:
            continue
        token = unseal(settings.secret_key, sealed_for(job.id), r.tracking_sealed) if show_links else None
        lists[r.status].append(
            ReportRow(r.row_number, r.title, r.community, r.case_code, r.same_as_row, r.reason_list, token)
        )
    return report
