"""The payload codec that encrypts personal data before it reaches Temporal (AES-256-GCM).

Every payload a process sends is encrypted with the keyring's current key and a fresh 12-byte nonce,
and marked `encoding: binary/encrypted` and `encryption-key-id: <id>`; the key id is also the
ciphertext's associated data, so a payload relabelled with another key id fails to decrypt. Decoding
picks the key by that id, so payloads written before a rotation still decode while their key stays
listed. A payload that is not encrypted passes through: histories recorded before encryption (and the
replay corpus) still decode.

What stays plaintext, so that the Temporal UI shows every case legibly to anyone allowed into it:
search attributes (never given to a codec), and bare JSON strings and nulls. Every business payload is
a dataclass (STYLE: one per input and output), so a JSON object, and always encrypted; the bare
strings are the workflow summary, timer and activity summaries, and the workflow's metadata
(current details), none of which may carry personal data. Never pass personal data as a bare string.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from payloads.keys import Keyring

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
# The SDK's answer to the `__temporal_workflow_metadata` query: current details and handler names.
PUBLIC_PROTOBUF = {b"temporal.api.sdk.v1.WorkflowMetadata"}


class PayloadDecryptionFailed(ValueError):
    """An encrypted payload could not be decrypted: its key is not listed, or it was altered."""

    def __init__(self, message: str, key_id: str) -> None:
        super().__init__(message)
        self.key_id = key_id


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring) -> None:
        super().__init__()
        self.keyring = keyring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [p if _stays_plain(p) else self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) if p.metadata.get("encoding") == ENCODING else p for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.keyring.current_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            listed = ", ".join(self.keyring.keys)
            raise PayloadDecryptionFailed(
                f"payload encrypted with key id {key_id!r}, which PAYLOAD_KEYS does not list "
                f"(it lists {listed}); add that key back to PAYLOAD_KEYS",
                key_id,
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            return Payload.FromString(cipher.decrypt(nonce, sealed, key_id.encode()))
        except InvalidTag:
            raise PayloadDecryptionFailed(
                f"payload encrypted with key id {key_id!r} does not decrypt: it was altered, or the "
                "key listed under that id is not the one it was encrypted with",
                key_id,
            ) from None


def _stays_plain(payload: Payload) -> bool:
    encoding = payload.metadata.get("encoding", b"")
    if encoding == b"binary/null":
        return True
    if encoding == b"json/plain":
        return payload.data[:1] == b'"'
    return encoding == b"json/protobuf" and payload.metadata.get("messageType") in PUBLIC_PROTOBUF
