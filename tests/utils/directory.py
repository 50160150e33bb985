"""The demo directory for tests, with one password hash computed once per session (argon2 is slow
by design)."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from sqlalchemy.engine import Engine

from store.directory import seed_demo_directory


@lru_cache
def _hash(password: str) -> str:
    return PasswordHash.recommended().hash(password)


def seed_directory(engine: Engine) -> None:
    seed_demo_directory(engine, _hash)
