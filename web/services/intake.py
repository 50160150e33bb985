"""Intake filed once: the resident portal's form and the API's registration, each under a one-time key.

The portal's form carries a key made when the form is rendered (a hidden field); an API caller sends
an `Idempotency-Key` header. Either way the key is claimed before the case is registered
(`store.idempotency`), so a second request with the same key — a double click, a reload, back and
resubmit, a client's retry after a timeout — files nothing and gets the first request's answer:

- portal: the same success page (POST, then a redirect to it), which only the browser that filed
  it can open (the key is scoped to its anonymous nonce) and which shows the tracking link for
  `RESULT_SHOWN_FOR`;
- API: the same response while the key lives (24 h), provided the body is the same; the same key
  with another body is refused (`IntakeKeyReused`), it never files a second case.

A request that finds the key claimed but not yet filed waits up to `WAIT_FOR_FIRST` for the first
one's case code, then answers "正在处理" (`IntakeInProgress`). A registration that fails releases
its key, so the same form can be corrected and sent again. One cut short (the request cancelled,
the process killed) keeps its claim until the key expires: a "正在处理" for a day is better than a
case filed twice.

The tracking token is stored only sealed (`web.security.seal`) under SECRET_KEY and the key, which
the database never holds; neither ever reaches a log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import UploadFile
from sqlalchemy.engine import Engine
from temporalio.client import Client

from settings import Settings
from store import idempotency
from store.idempotency import KEY_TTL, IntakeKey
from web.i18n import TEXT
from web.security import new_token, seal, sha256, unseal
from web.services.cases import Registered, RegistrationInput, RegistrationOutcomeUnknown, register_case
from web.services.portal import PortalSubmission, submit
from web.services.registration import register_with_photos
from workflows.types import Actor

log = logging.getLogger("liudan.web.intake")

# A registration waits up to 10 s for the case's first projection; a duplicate waits a little longer.
WAIT_FOR_FIRST = 15.0  # seconds
POLL_EVERY = 0.1  # seconds
# The portal's success page shows the tracking link this long after filing, then only the code.
RESULT_SHOWN_FOR = timedelta(hours=1)
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
API_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the IETF draft's keys are
# Form fields that are no part of the request itself.
NOT_FILED = ("csrf_token", "intake_key")


class IntakeRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IntakeKeyInvalid(IntakeRefused):
    """The Idempotency-Key header is empty, too long or not visible ASCII (422)."""


class IntakeKeyReused(IntakeRefused):
    """The key filed a request with another body (422); nothing is filed."""


class IntakeInProgress(IntakeRefused):
    """The key's first request is still registering (409): look again in a moment."""


@dataclass(frozen=True)
class Filed:
    code: str  # empty while the first request with this key is still registering
    tracking_token: str | None = None  # None once it may no longer be shown
    replayed: bool = False  # answered from an earlier request with the same key


def new_form_key() -> str:
    return new_token(16)


def form_key(submitted: str | None) -> str:
    """The portal form's key; a form from before keys existed (or a forged one) gets a new one."""
    return submitted if submitted and FORM_KEY.fullmatch(submitted) else new_form_key()


def _portal_scope(nonce: str) -> str:
    return "portal:" + sha256(nonce)


def _api_scope(user_id: str) -> str:
    return "api:cases:" + user_id


def _fingerprint(data: dict[str, Any]) -> str:
    return sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str))


def _sealed_for(scope: str, key: str) -> str:
    # The token opens with SECRET_KEY and the key itself, which the table never holds.
    return f"intake:{scope}:{key}"


def _answer(settings: Settings, scope: str, key: str, row: IntakeKey, shown_for: timedelta) -> Filed:
    if not row.case_code:
        return Filed(code="", replayed=True)
    token = None
    if datetime.now(UTC) - row.created_at <= shown_for:
        token = unseal(settings.secret_key, _sealed_for(scope, key), row.response_ref)
    return Filed(code=row.case_code, tracking_token=token, replayed=True)


async def _file_once(
    engine: Engine,
    settings: Settings,
    scope: str,
    key: str,
    fingerprint: str,
    register: Callable[[], Awaitable[Registered]],
    *,
    same_body_only: bool,
) -> Filed:
    """Runs `register` unless this key was used already; then answers with what it filed."""
    key_hash = sha256(key)
    loop = asyncio.get_running_loop()
    give_up = loop.time() + WAIT_FOR_FIRST
    while True:
        now = datetime.now(UTC)
        claimed = await asyncio.to_thread(idempotency.claim, engine, scope, key_hash, fingerprint, now)
        if claimed is not None:
            break
        # Another request holds the key: answer as it did, or wait for it to finish.
        while (first := await asyncio.to_thread(idempotency.find, engine, scope, key_hash, now)) is not None:
            if same_body_only and first.fingerprint != fingerprint:
                raise IntakeKeyReused(TEXT["intake_key_reused"])
            if first.case_code:
                log.info("intake key reused: case %s not filed again", first.case_code)
                return _answer(settings, scope, key, first, KEY_TTL)
            if loop.time() > give_up:
                raise IntakeInProgress(TEXT["intake_in_progress"])
            await asyncio.sleep(POLL_EVERY)
        # It failed and gave the key up: claim it for this request.
    assert claimed.id is not None
    try:
        registered = await register()
    except RegistrationOutcomeUnknown:
        raise  # it may have been filed: the key stays claimed, so a retry answers "正在处理", never files again
    except Exception:  # refused or unavailable, nothing filed; a cancelled request keeps its claim
        await asyncio.to_thread(idempotency.release, engine, claimed.id)
        raise
    sealed = seal(settings.secret_key, _sealed_for(scope, key), registered.tracking_token)
    await asyncio.to_thread(idempotency.complete, engine, claimed.id, registered.code, sealed)
    return Filed(code=registered.code, tracking_token=registered.tracking_token)


# --- resident portal ------------------------------------------------------------------------------


async def portal_seen(engine: Engine, nonce: str, key: str) -> bool:
    """Whether this browser already sent this form (so a repeat is no new submission to count)."""
    row = await asyncio.to_thread(
        idempotency.find, engine, _portal_scope(nonce), sha256(key), datetime.now(UTC)
    )
    return row is not None


async def submit_from_portal(
    engine: Engine,
    client: Client,
    settings: Settings,
    nonce: str,
    key: str,
    values: dict[str, str],
    files: list[UploadFile],
) -> Filed:
    """Files the resident's form once per form key. A repeat with the same key files nothing and
    answers with the first one's case, whatever it carries (back, edit, resubmit is the same form).

    Raises pydantic's ValidationError, UploadRejected or RegistrationRefused (nothing claimed or
    filed; the form may be sent again) and IntakeInProgress.
    """
    form = PortalSubmission.model_validate(values)
    filed = {k: v for k, v in values.items() if k not in NOT_FILED}

    async def register() -> Registered:
        return await submit(engine, client, settings, form, files)

    return await _file_once(
        engine, settings, _portal_scope(nonce), key, _fingerprint(filed), register, same_body_only=False
    )


async def portal_result(engine: Engine, settings: Settings, nonce: str, key: str) -> Filed | None:
    """What this browser filed under `key`: the code, and the tracking token while it may be shown
    (`RESULT_SHOWN_FOR`); an empty code while it is registering; None for any other browser."""
    if not FORM_KEY.fullmatch(key):
        return None
    scope = _portal_scope(nonce)
    row = await asyncio.to_thread(idempotency.find, engine, scope, sha256(key), datetime.now(UTC))
    return None if row is None else _answer(settings, scope, key, row, RESULT_SHOWN_FOR)


# --- officers' registration form ------------------------------------------------------------------


def _officer_scope(user_id: str) -> str:
    return "officer:" + user_id


async def submit_from_officer(
    engine: Engine,
    client: Client,
    settings: Settings,
    actor: Actor,
    key: str,
    form: RegistrationInput,
    files: list[UploadFile],
) -> Filed:
    """Files an officer's registration form once per form key (a reload or a double click files
    nothing more). Raises UploadRejected, RegistrationRefused and IntakeInProgress."""

    async def register() -> Registered:
        return await register_with_photos(engine, client, settings, form, files, actor)

    fingerprint = _fingerprint(form.model_dump(mode="json"))
    return await _file_once(
        engine, settings, _officer_scope(actor.user_id), key, fingerprint, register, same_body_only=False
    )


async def officer_result(engine: Engine, settings: Settings, user_id: str, key: str) -> Filed | None:
    """What this officer filed under `key` (the tracking link while it may be shown); None for anyone
    else's key."""
    if not FORM_KEY.fullmatch(key):
        return None
    scope = _officer_scope(user_id)
    row = await asyncio.to_thread(idempotency.find, engine, scope, sha256(key), datetime.now(UTC))
    return None if row is None else _answer(settings, scope, key, row, RESULT_SHOWN_FOR)


# --- JSON API -------------------------------------------------------------------------------------


async def register_from_api(
    engine: Engine,
    client: Client,
    settings: Settings,
    actor: Actor,
    body: RegistrationInput,
    key: str | None,
) -> Filed:
    """Registers a case for an API caller; with an Idempotency-Key, once per key and caller.

    Raises RegistrationRefused, IntakeKeyInvalid, IntakeKeyReused and IntakeInProgress.
    """
    form = body.model_copy(update={"attachments": []})  # photos come through the web form only

    async def register() -> Registered:
        return await register_case(engine, client, settings, form, actor)

    if key is None:
        registered = await register()
        return Filed(code=registered.code, tracking_token=registered.tracking_token)
    if not API_KEY.fullmatch(key):
        raise IntakeKeyInvalid(TEXT["intake_key_invalid"])
    fingerprint = _fingerprint(form.model_dump(mode="json"))
    return await _file_once(
        engine, settings, _api_scope(actor.user_id), key, fingerprint, register, same_body_only=True
    )
