"""Admins issue and revoke the API keys Open311 clients post requests with (/admin/api-keys).

A key is shown to the admin once, when issued; only its sha256 is stored (`store.open311`), so a
lost key is revoked and a new one issued, never shown again. Issuing and revoking are logged with
the admin's id, never with the key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from store.open311 import Open311ApiKey, add_key, all_keys, revoke_key
from web.i18n.open311_text import OPEN311_TEXT
from web.security import new_token, sha256
from workflows.rules import FORBIDDEN_CHARACTERS
from workflows.types import Actor

log = logging.getLogger("liudan.web.admin")

KEY_PREFIX = "o311_"
HINT_LENGTH = 9  # the prefix and four characters: enough to tell keys apart, nothing to guess from
MAX_NAME = 60


class KeyRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IssuedKey:
    row: Open311ApiKey
    key: str  # shown once


def issue_key(engine: Engine, admin: Actor, name: str) -> IssuedKey:
    name = name.strip()
    if not name or len(name) > MAX_NAME or FORBIDDEN_CHARACTERS.search(name):
        raise KeyRefused(OPEN311_TEXT["key_name_invalid"])
    key = KEY_PREFIX + new_token(24)
    row = add_key(engine, name, sha256(key), key[:HINT_LENGTH], admin.user_id, datetime.now(UTC))
    log.info("open311 api key %s (%s) issued by %s", row.id, name, admin.user_id)
    return IssuedKey(row=row, key=key)


def revoke(engine: Engine, admin: Actor, key_id: int) -> Open311ApiKey:
    row = revoke_key(engine, key_id, admin.user_id, datetime.now(UTC))
    if row is None:
        raise KeyRefused(OPEN311_TEXT["key_not_found"])
    log.info("open311 api key %s (%s) revoked by %s", row.id, row.name, admin.user_id)
    return row


def keys(engine: Engine) -> list[Open311ApiKey]:
    return all_keys(engine)
