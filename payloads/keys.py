"""The keyring that encrypts payloads in Temporal: the key that encrypts, and every key that decrypts.

    PAYLOAD_KEYS="2026b:<base64 of 32 random bytes>,2026a:<base64 ...>"

The first key encrypts new payloads; every listed key decrypts. A key rotates by putting a new one
first and keeping the old one listed for as long as any history (TEMPORAL_NAMESPACE_RETENTION after a
case closes) may hold payloads encrypted with it. Every worker and web process must list the same keys.
A new entry: `python -m payloads.keys`.

In dev mode with PAYLOAD_KEYS empty, `make run` keeps one key in DATA_DIR/payload-keys (mode 0600),
made on the first start. Outside dev mode an empty PAYLOAD_KEYS stops the process: a key made up per
process would leave every other process unable to read what it wrote.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from settings import Settings

log = logging.getLogger("liudan.payloads")

KEY_BYTES = 32  # AES-256
KEY_FILE = "payload-keys"
KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class PayloadKeysInvalid(ValueError):
    """PAYLOAD_KEYS (or the dev key file) is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: Mapping[str, bytes]

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]


def new_entry(key_id: str | None = None) -> str:
    """A fresh `id:base64key` entry with a random 256-bit key."""
    key_id = key_id or f"k{secrets.token_hex(4)}"
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def parse_keys(text: str, source: str = "PAYLOAD_KEYS") -> Keyring:
    entries = [e.strip() for e in re.split(r"[,\n]", text) if e.strip()]
    if not entries:
        raise PayloadKeysInvalid(f"{source} lists no key")
    keys: dict[str, bytes] = {}
    for n, entry in enumerate(entries, 1):
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not KEY_ID.match(key_id):
            raise PayloadKeysInvalid(
                f"{source} entry {n} is not `id:base64key` with an id of letters, digits, '.', '_' or '-'"
            )
        if key_id in keys:
            raise PayloadKeysInvalid(f"{source} lists key id {key_id!r} twice")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise PayloadKeysInvalid(f"{source} key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise PayloadKeysInvalid(
                f"{source} key {key_id!r} is {len(key)} bytes; it must be {KEY_BYTES} random bytes "
                "(make one with `python -m payloads.keys`)"
            )
        keys[key_id] = key
    return Keyring(current_id=next(iter(keys)), keys=keys)


def load_keyring(settings: Settings) -> Keyring:
    if settings.payload_keys.strip():
        return parse_keys(settings.payload_keys)
    if not settings.dev_mode:
        raise PayloadKeysInvalid(
            "PAYLOAD_KEYS is empty: set it to `id:base64key` (make one with `python -m payloads.keys`) "
            "and give every worker and web process the same value; without it personal data cannot be "
            "encrypted in Temporal"
        )
    return _dev_keyring(settings.data_dir / KEY_FILE)


def _dev_keyring(path: Path) -> Keyring:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name, then linked into place: of two processes starting
        # at once, one key wins and neither ever reads a half-written file.
        draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_entry(f"dev-{secrets.token_hex(3)}") + "\n")
        try:
            os.link(draft, path)
            log.info("made a payload encryption key for dev mode in %s", path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    elif path.stat().st_mode & 0o077:
        log.warning("%s is readable by other users; chmod 600 it", path)
    return parse_keys(path.read_text(), source=str(path))


if __name__ == "__main__":
    sys.stdout.write(new_entry(sys.argv[1] if len(sys.argv) > 1 else None) + "\n")
