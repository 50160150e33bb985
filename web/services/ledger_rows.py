"""Registering one row of a ledger import job through the normal registration (`register_case`),
channel 民情走访 (visit), received on its date. Run in the worker by the import activity
(`activities.jobs`), which `worker.py` hands this registrar to: activities never import the web.

Exactly once, however often the activity is retried (`store.ledger_import_rows`):
- a `pending` row: its fingerprint is claimed and the row marked `registering` with its tracking token,
  sealed, in one transaction; then its case is registered, each code allocated being kept on the row
  before the case starts;
- a `registering` row (an earlier attempt died while registering it): the same registration is
  finished with the same token and code; a case that attempt already started is recognised by its
  token (`register_case`'s `resume`), never started again.

The tracking token is the resident's private link, kept elsewhere only as its sha256. The import's
report must show it to the officer after the case is registered in the background, so it is kept
sealed (AES-GCM under SECRET_KEY and the job's id, `web.security.seal`), shown only to the officer
who started the import, and erased a day later (`store.jobs.TRACKING_SHOWN_FOR`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from temporalio.client import Client

from settings import Settings, get_settings
from store.ledger_import import ImportRow
from store.ledger_import_rows import LedgerImportRow, accept_row, claim_row, fail_row, record_code
from web.i18n import TEXT
from web.schemas.errors import describe
from web.security import new_token, seal, unseal
from web.services.cases import (
    CaseUnavailable,
    RegistrationInput,
    RegistrationOutcomeUnknown,
    RegistrationRefused,
    Resumable,
    register_case,
)
from workflows.types import Actor, Channel

log = logging.getLogger("liudan.web.ledger_rows")


def sealed_for(job_id: str) -> str:
    """The context a job's tracking tokens are sealed for: only SECRET_KEY and this job open them."""
    return f"ledger-import:{job_id}"


class LedgerRowRegistrar:
    """`settings`: the web's (the code prefix, the task queue, SECRET_KEY); None reads the process's
    own when a row is first registered, so a worker that never imports needs none."""

    def __init__(self, engine: Engine, client: Client, settings: Settings | None = None) -> None:
        self._engine = engine
        self._client = client
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings or get_settings()

    async def __call__(
        self, job_id: str, actor: Actor, filename: str, row: ImportRow, state: LedgerImportRow
    ) -> None:
        engine, secret = self._engine, self.settings.secret_key
        try:
            form = _form(row)
        except ValidationError as invalid:
            await asyncio.to_thread(fail_row, engine, job_id, row, describe(invalid.errors()), release=False)
            return
        if state.status == "pending":
            token = new_token(32)
            sealed = seal(secret, sealed_for(job_id), token)
            claimed = await asyncio.to_thread(
                claim_row, engine, job_id, row, sealed, filename=filename, imported_by=actor.user_id
            )
            if not claimed:  # another import registered (or is registering) the same row
                return
            code = ""
        else:
            opened = unseal(secret, sealed_for(job_id), state.tracking_sealed)
            if opened is None:  # SECRET_KEY replaced meanwhile: whether its case started cannot be told
                log.error("import %s row %d: its tracking token cannot be opened", job_id, row.row_number)
                await asyncio.to_thread(fail_row, engine, job_id, row, TEXT["import_unknown"], release=False)
                return
            token, code = opened, state.case_code

        async def keep(allocated: str) -> None:
            await asyncio.to_thread(record_code, engine, job_id, row, allocated)

        try:
            registered = await register_case(
                engine,
                self._client,
                self.settings,
                form,
                actor,
                resume=Resumable(token, keep, code),
                collected_by=row.collector,  # an import: the visit's collector, clocks from now
            )
        except RegistrationRefused as refused:
            await asyncio.to_thread(fail_row, engine, job_id, row, refused.message)
            return
        except RegistrationOutcomeUnknown:
            raise  # the row stays `registering`: the activity's retry finishes this very registration
        except CaseUnavailable:
            await asyncio.to_thread(fail_row, engine, job_id, row, TEXT["import_unavailable"])
            return
        await asyncio.to_thread(accept_row, engine, job_id, row, registered.code)


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
