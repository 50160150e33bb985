"""Two pure ASGI middlewares: an anonymous CSRF nonce for every browser, and a request body limit.

Pure ASGI (not BaseHTTPMiddleware) so neither buffers responses or breaks streaming.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.i18n import TEXT
from web.security import ANON_COOKIE, ANON_MAX_AGE, new_token, sign, unsign

ANON_SALT = "anon"
TOO_LARGE = TEXT["too_large"]


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(value.decode("latin-1"))
            except Exception:
                return {}
            return {k: m.value for k, m in parsed.items()}
    return {}


class AnonymousNonceMiddleware:
    """Gives every browser a signed random nonce cookie; CSRF tokens of signed-out pages bind to it.

    The nonce is put in `request.state.anon_nonce` for the request that sets it, so the very first
    page a visitor loads (the login form, the resident portal) already carries a valid token.
    """

    def __init__(self, app: ASGIApp, *, secret: str, secure: bool) -> None:
        self.app = app
        self.secret = secret
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = unsign(self.secret, ANON_SALT, _cookies(scope).get(ANON_COOKIE), ANON_MAX_AGE)
        fresh = nonce is None
        if nonce is None:
            nonce = new_token(24)
        scope.setdefault("state", {})["anon_nonce"] = nonce

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                flags = "; Secure" if self.secure else ""
                headers.append(
                    "set-cookie",
                    f"{ANON_COOKIE}={sign(self.secret, ANON_SALT, nonce)}; Path=/; "
                    f"Max-Age={ANON_MAX_AGE}; HttpOnly; SameSite=Lax{flags}",
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class BodyLimitMiddleware:
    """Refuses request bodies over `max_bytes` (413) before they are parsed or spooled to disk."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _too_large(send)


class BodyTooLarge(HTTPException):
    """Raised from `receive` mid-body; FastAPI lets an HTTPException through its body parsing."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


async def _too_large(send: Send) -> None:
    body = TOO_LARGE.encode()
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})


# Scripts and styles from this site only; the API docs page needs Swagger UI's inline start-up script.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SecurityHeadersMiddleware:
    """Headers every response carries: no framing, no MIME sniffing, a strict content policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CSP if scope.get("path", "").endswith("/docs") else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
