"""Passwords, signed cookies, CSRF tokens and API tokens: the small primitives auth is built from.

- Passwords: argon2 through pwdlib.
- Cookies: the session cookie holds a random id signed with itsdangerous; only its sha256 is stored.
- CSRF: a token bound to the visitor (HMAC of the session id, or of an anonymous nonce cookie for
  visitors who are not signed in), sent in every form and in htmx's `X-CSRF-Token` header.
- API tokens and residents' tracking links: random, shown once, stored as sha256 only.
- Sealed values: a secret kept for a short while (a tracking token an intake key may hand out again)
  is encrypted with AES-GCM under a key derived from SECRET_KEY and the context it belongs to.
- Client addresses: the socket peer, unless the peer is a trusted reverse proxy (`client_address`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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


# --- sealed values --------------------------------------------------------------------------------


def _seal_key(secret: str, context: str) -> bytes:
    return hmac.new(secret.encode(), f"seal:{context}".encode(), hashlib.sha256).digest()


def seal(secret: str, context: str, value: str) -> str:
    """`value` encrypted for `context`: only SECRET_KEY and the same context open it again."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_seal_key(secret, context)).encrypt(nonce, value.encode(), None)
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(secret: str, context: str, sealed: str | None) -> str | None:
    """The value `seal` encrypted, or None when it is missing, forged, or sealed for another context
    (or under a SECRET_KEY since replaced)."""
    if not sealed:
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        return AESGCM(_seal_key(secret, context)).decrypt(raw[:12], raw[12:], None).decode()
    except (ValueError, InvalidTag):
        return None


# --- client addresses -----------------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache
def trusted_networks(spec: str) -> tuple[Network, ...]:
    """TRUSTED_PROXIES ("10.0.0.5, 172.30.80.0/24") as networks; ValueError names a bad entry."""
    networks = []
    for entry in (e.strip() for e in spec.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an IP address or network") from None
    return tuple(networks)


def _ip(value: str) -> IPAddress | None:
    """An address as proxies write it: bare, with a port (1.2.3.4:80) or bracketed ([::1]:80)."""
    value = value.strip()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(ip: IPAddress | None, networks: Sequence[Network]) -> bool:
    return ip is not None and any(ip.version == n.version and ip in n for n in networks)


def client_address(peer: str, forwarded_for: Sequence[str], networks: Sequence[Network]) -> str:
    """The address a request comes from, for rate limits and the access logs.

    The socket's peer, unless the peer is a trusted proxy: then the right-most X-Forwarded-For entry
    that is not itself a trusted proxy. Each proxy appends the address it was reached from, so the
    entries right of that one were written by proxies we trust, and everything left of it is
    whatever the client chose to send. From any other peer the header is ignored: anybody can send it.
    """
    peer_ip = _ip(peer)
    if not _trusted(peer_ip, networks):
        return str(peer_ip) if peer_ip is not None else peer
    hops = [entry for header in forwarded_for for entry in header.split(",") if entry.strip()]
    nearest: IPAddress = peer_ip  # type: ignore[assignment]  # trusted, so parsed
    for entry in reversed(hops):
        ip = _ip(entry)
        if ip is None:  # a trusted proxy passed on garbage: the last hop we can name is the client
            break
        if not _trusted(ip, networks):
            return str(ip)
        nearest = ip
    return str(nearest)
