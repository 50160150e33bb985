"""The payload codec: AES-GCM round trips, key rotation, tampering, what stays plaintext, the
keyring's sources, and a real case whose stored history hides the resident's phone number."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from payloads import data_converter
from payloads.codec import ENCODING, EncryptionCodec, PayloadDecryptionFailed
from payloads.keys import KEY_FILE, PayloadKeysInvalid, load_keyring, new_entry, parse_keys
from settings import Settings
from tests.utils.cases import registration, start_case, terminate_started
from worker import build_worker
from workflows.case import CaseWorkflow
from workflows.types import CaseRegistration

PHONE = "13812341234"
OLD, NEW = new_entry("2025a"), new_entry("2026a")


def codec(keys: str) -> EncryptionCodec:
    return EncryptionCodec(parse_keys(keys))


def to_payload(value: object) -> Payload:
    return DataConverter.default.payload_converter.to_payloads([value])[0]


# A case's registration: the resident's name, phone number and address, among the rest.
PERSONAL = to_payload(registration())


async def test_round_trip_hides_the_data_behind_a_fresh_nonce() -> None:
    c = codec(NEW)
    original = PERSONAL
    first, second = await c.encode([original, original])
    assert first.metadata["encoding"] == ENCODING and first.metadata["encryption-key-id"] == b"2026a"
    assert PHONE.encode() not in first.data and first.data != second.data  # a nonce per payload
    assert await c.decode([first, second]) == [original, original]


async def test_a_rotated_keyring_reads_old_payloads_and_writes_with_the_new_key() -> None:
    before = await codec(OLD).encode([PERSONAL])
    rotated = codec(f"{NEW},{OLD}")
    assert await rotated.decode(before) == [PERSONAL]
    after = await rotated.encode([PERSONAL])
    assert after[0].metadata["encryption-key-id"] == b"2026a"

    with pytest.raises(PayloadDecryptionFailed, match="'2025a'") as unknown:
        await codec(NEW).decode(before)  # the old key dropped too soon
    assert unknown.value.key_id == "2025a" and "PAYLOAD_KEYS" in str(unknown.value)


async def test_tampering_is_refused() -> None:
    c = codec(f"{NEW},{OLD}")
    [sealed] = await c.encode([PERSONAL])
    flipped = Payload()
    flipped.CopyFrom(sealed)
    flipped.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    relabelled = Payload()
    relabelled.CopyFrom(sealed)
    relabelled.metadata["encryption-key-id"] = b"2025a"  # the key id is authenticated data
    for altered in (flipped, relabelled):
        with pytest.raises(PayloadDecryptionFailed, match="altered"):
            await c.decode([altered])


async def test_summaries_and_details_stay_readable_and_old_histories_decode() -> None:
    c = codec(NEW)
    metadata = WorkflowMetadata()
    metadata.current_details = "街道签收 · 东城街道"
    public = [to_payload("HJ-2026-000001 路灯不亮"), to_payload(None), to_payload(metadata)]
    assert await c.encode(public) == public
    # Everything else is encrypted, scalars included; unencrypted payloads decode as they are.
    assert all(p.metadata["encoding"] == ENCODING for p in await c.encode([to_payload(True), to_payload(3)]))
    assert await c.decode([PERSONAL]) == [PERSONAL]


def test_the_keyring_refuses_malformed_keys() -> None:
    short = base64.b64encode(os.urandom(16)).decode()
    for bad, problem in (
        ("", "lists no key"),
        ("nokey", "not `id:base64key`"),
        (f"a b:{short}", "not `id:base64key`"),
        (f"a:{short}", "16 bytes"),
        ("a:not-base64!", "not valid base64"),
        (f"{NEW},{NEW}", "twice"),
    ):
        with pytest.raises(PayloadKeysInvalid, match=problem):
            parse_keys(bad)
    assert parse_keys(f" {NEW} ,\n{OLD}\n").current_id == "2026a"


def test_production_needs_payload_keys(tmp_path: Path) -> None:
    settings = Settings(liudan_env="production", secret_key="s" * 40, data_dir=tmp_path)
    with pytest.raises(PayloadKeysInvalid, match="PAYLOAD_KEYS is empty"):
        load_keyring(settings)
    assert not (tmp_path / KEY_FILE).exists()
    assert load_keyring(settings.model_copy(update={"payload_keys": NEW})).current_id == "2026a"


def test_dev_mode_keeps_one_private_key_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(liudan_env="dev", data_dir=tmp_path / "data")
    first = load_keyring(settings)
    key_file = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_keyring(settings) == first  # the next start reads the same key
    assert list(key_file.parent.iterdir()) == [key_file]


async def test_the_stored_history_hides_the_residents_phone(
    time_env: WorkflowEnvironment, engine, task_queue: str
) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(liudan_env="dev", payload_keys=NEW)
    plain = time_env.client
    encrypting = Client(**{**plain.config(), "data_converter": data_converter(settings)})
    reg = registration()
    try:
        async with build_worker(encrypting, engine, task_queue):
            handle = await start_case(encrypting, task_queue, reg)
            snapshot = await handle.query(CaseWorkflow.snapshot)
            assert snapshot.registration.reporter.phone == PHONE  # the codec's own client reads everything

            history = await plain.get_workflow_handle(handle.id).fetch_history()
            raw = history.to_json().encode() + b"".join(e.SerializeToString() for e in history.events)
            assert PHONE.encode() not in raw and reg.reporter.address.encode("unicode_escape") not in raw

            started = history.events[0].workflow_execution_started_event_attributes
            assert started.input.payloads[0].metadata["encoding"] == ENCODING
            [decoded] = await encrypting.data_converter.decode(started.input.payloads, [CaseRegistration])
            assert decoded == reg

            # What the Temporal UI shows everyone stays readable without the codec: the summary,
            # the named timers, the current details.
            converter = DataConverter.default
            [summary] = await converter.decode([history.events[0].user_metadata.summary], [str])
            assert summary == reg.code
            timers = [
                e.user_metadata.summary
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
            ]
            assert timers and all(t.metadata["encoding"] == b"json/plain" for t in timers)
            details = await plain.get_workflow_handle(handle.id).query("__temporal_workflow_metadata")
            assert isinstance(details, WorkflowMetadata) and details.current_details
            # ...while its queries' answers carry the snapshot, encrypted.
            with pytest.raises(KeyError, match="binary/encrypted"):
                await plain.get_workflow_handle(handle.id).query(CaseWorkflow.snapshot)
    finally:
        await terminate_started()
