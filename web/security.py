"""Passwords, signed cookies, CSRF tokens and API tokens: the small primitives auth is built from.

- Passwords: argon2 through pwdlib.
- Cookies: the session cookie holds a random id signed with itsdangerous; only its sha256 is stored.
- CSRF: a token bound to the visitor (HMAC of the session id, or of an anonymous nonce cookie for
  visitors who are not signed in), sent in every form and in htmx's `X-CSRF-Token` header.
- API tokens and residents' tracking links: random, shown once, stored as sha256 only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pwdlib import PasswordHash

SESSION_COOKIE = "liudan_session"
ANON_COOKIE = "liudan_anon"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# A session lives at most this long whatever its activity; idle expiry is checked on the server.
SESSION_MAX_AGE = 12 * 3600
ANON_MAX_AGE = 7 * 24 * 3600
API_TOKEN_PREFIX = "ld_"


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher().verify(password, password_hash)
    except Exception:  # a malformed stored hash must not turn into a 500 at login
        return False


@lru_cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    """Spends the time a real check would, so an unknown username is not revealed by timing."""
    verify_password(password, _dummy_hash())


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def sign(secret: str, salt: str, value: str) -> str:
    return _serializer(secret, salt).dumps(value)


def unsign(secret: str, salt: str, signed: str | None, max_age: int) -> str | None:
    """The value inside a signed cookie, or None when it is missing, forged or too old."""
    if not signed:
        return None
    try:
        value = _serializer(secret, salt).loads(signed, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    return value if isinstance(value, str) else None


def csrf_token(secret: str, binding: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{binding}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret: str, binding: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(secret, binding), str(token))
