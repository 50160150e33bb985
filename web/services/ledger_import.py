"""Importing offline-collected requests (民情走访台账): each valid row registered as a case through
the normal registration (``register_case``), channel 民情走访 (visit), received on its date.

Never twice: ``store.ledger_import`` moves rows imported before to the duplicates, and each ready
row's fingerprint is claimed (``mark_imported``) *before* its workflow starts, so two imports of the
same file at once cannot both register it; when the registration fails the claim is released
(``forget_import``) and the row can be imported again. ``register_case`` allocates the code, so a
claim is recorded with a placeholder and given the real code once the case exists.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from settings import Settings
from store.ledger_files import LedgerFileError
from store.ledger_import import (
    DuplicateRow,
    ImportReport,
    ImportRow,
    already_imported,
    forget_import,
    mark_imported,
    read_ledger,
)
from store.ledger_template import import_template_xlsx
from store.report_tables import LedgerImport
from web.i18n import TEXT
from web.schemas.errors import describe
from web.services.cases import CaseUnavailable, RegistrationInput, RegistrationRefused, register_case
from web.services.registration import communities_for
from workflows.types import Actor, Channel

log = logging.getLogger("liudan.web.ledger_import")
MAX_FILE_BYTES = 5 * 1024 * 1024
CONCURRENT_STARTS = 4
PENDING_CODE = "(登记中)"  # a claimed row whose case is being registered
TEMPLATE_FILENAME = "民情走访台账模板.xlsx"


@dataclass(frozen=True)
class Accepted:
    row: ImportRow
    code: str
    tracking_token: str  # the resident's tracking link, shown once in the report as at registration


@dataclass(frozen=True)
class Failed:
    row: ImportRow
    reason: str


@dataclass
class ImportResult:
    report: ImportReport  # rejected rows and duplicates as read
    accepted: list[Accepted] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)  # valid rows the registration refused

    @property
    def registered(self) -> int:
        return len(self.accepted)


def template(engine: Engine, actor: Actor) -> bytes:
    """The template, listing the communities this officer may register for."""
    names = [name for group in communities_for(engine, actor) for _, name in group.communities]
    return import_template_xlsx(names)


async def import_ledger(
    engine: Engine, client: Client, settings: Settings, actor: Actor, filename: str, data: bytes
) -> ImportResult:
    """Reads, validates and registers a ledger file; ``LedgerFileError`` when it cannot be read."""
    if not data:
        raise LedgerFileError(TEXT["import_empty"])
    if len(data) > MAX_FILE_BYTES:
        raise LedgerFileError(TEXT["import_too_large"].format(mb=MAX_FILE_BYTES // (1024 * 1024)))
    report = await asyncio.to_thread(read_ledger, engine, filename, data)
    result = ImportResult(report)
    gate = asyncio.Semaphore(CONCURRENT_STARTS)

    async def register(row: ImportRow) -> None:
        async with gate:
            await _register_row(engine, client, settings, actor, filename, row, result)

    await asyncio.gather(*(register(r) for r in report.ready))
    result.accepted.sort(key=lambda a: a.row.row_number)
    result.failed.sort(key=lambda f: f.row.row_number)
    report.duplicates.sort(key=lambda d: d.row.row_number)
    log.info(
        "ledger %r imported by %s: %s registered, %s rejected, %s duplicates, %s refused",
        filename,
        actor.user_id,
        len(result.accepted),
        len(report.rejected),
        len(report.duplicates),
        len(result.failed),
    )
    return result


def _form(row: ImportRow) -> RegistrationInput:
    return RegistrationInput(
        channel=Channel.VISIT,
        reporter_name=row.reporter_name,
        reporter_phone=row.reporter_phone,
        reporter_address=row.reporter_address,
        title=row.title,
        description=row.description,
        location=row.location,
        community_org_id=row.community_org_id,
        category=row.category,
        # Dated, not timed (09:00 that day): a row dated today and imported earlier is received now.
        received_at=min(row.received_at, datetime.now(UTC)),
    )


async def _register_row(
    engine: Engine,
    client: Client,
    settings: Settings,
    actor: Actor,
    filename: str,
    row: ImportRow,
    result: ImportResult,
) -> None:
    try:
        form = _form(row)
    except ValidationError as invalid:
        result.failed.append(Failed(row, describe(invalid.errors())))
        return
    claimed = await asyncio.to_thread(
        mark_imported, engine, row.fingerprint, PENDING_CODE, filename=filename, imported_by=actor.user_id
    )
    if not claimed:  # another import registered (or is registering) the same row meanwhile
        done = await asyncio.to_thread(already_imported, engine, [row.fingerprint])
        result.report.duplicates.append(DuplicateRow(row, case_code=done.get(row.fingerprint, "")))
        return
    try:
        registered = await register_case(engine, client, settings, form, actor)
    except RegistrationRefused as refused:
        await asyncio.to_thread(forget_import, engine, row.fingerprint)
        result.failed.append(Failed(row, refused.message))
        return
    except CaseUnavailable:
        await asyncio.to_thread(forget_import, engine, row.fingerprint)
        result.failed.append(Failed(row, TEXT["import_unavailable"]))
        return
    except BaseException:
        await asyncio.to_thread(forget_import, engine, row.fingerprint)
        raise
    await asyncio.to_thread(_record_code, engine, row.fingerprint, registered.code)
    result.accepted.append(Accepted(row, registered.code, registered.tracking_token))


def _record_code(engine: Engine, fingerprint: str, code: str) -> None:
    with Session(engine) as session:
        claim = session.get(LedgerImport, fingerprint)
        if claim is not None:
            claim.case_code = code
            session.add(claim)
            session.commit()
