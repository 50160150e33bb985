"""Request dependencies: settings, the read-model engine, the Temporal client, the signed-in
officer, CSRF protection and htmx fragment selection. Everything comes from `app.state`, set up
once in the app's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from temporalio.client import Client

from settings import Settings
from web.i18n import TEXT
from web.ratelimit import RateLimiter
from web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    client_address,
    csrf_matches,
    csrf_token,
    trusted_networks,
    unsign,
)
from web.services.auth import SignedIn, load_session, user_for_token
from web.sla import WorkingDays
from workflows.types import Role

SESSION_SALT = "session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _engine(request: Request) -> Engine:
    return request.app.state.engine


def _client(request: Request) -> Client:
    return request.app.state.temporal_client


def _workdays(request: Request) -> WorkingDays:
    return request.app.state.workdays


SettingsDep = Annotated[Settings, Depends(_settings)]
EngineDep = Annotated[Engine, Depends(_engine)]
ClientDep = Annotated[Client, Depends(_client)]
WorkdaysDep = Annotated[WorkingDays, Depends(_workdays)]


def client_addr(request: Request) -> str:
    """The client's address, the one key of every per-address limit and access-log entry.

    uvicorn runs with `--no-proxy-headers` so the socket peer reaches us untouched; only a peer listed
    in TRUSTED_PROXIES (nginx) has its X-Forwarded-For believed (`web.security.client_address`).
    """
    peer = request.client.host if request.client else ""
    networks = trusted_networks(request.app.state.settings.trusted_proxies)
    return client_address(peer, request.headers.getlist("x-forwarded-for"), networks)


ClientAddr = Annotated[str, Depends(client_addr)]


def limiter(name: str):  # type: ignore[no-untyped-def]
    def get(request: Request) -> RateLimiter:
        return request.app.state.limiters[name]

    return Depends(get)


# --- signed-in officers ---------------------------------------------------------------------------


class LoginRequired(Exception):
    """No live session: HTML pages redirect to the login form."""


def session_id(request: Request, settings: Settings) -> str | None:
    return unsign(settings.secret_key, SESSION_SALT, request.cookies.get(SESSION_COOKIE), SESSION_MAX_AGE)


def _signed_in(request: Request, settings: SettingsDep, engine: EngineDep) -> SignedIn | None:
    if hasattr(request.state, "signed_in"):
        return request.state.signed_in
    sid = session_id(request, settings)
    request.state.signed_in = load_session(engine, settings, sid) if sid else None
    return request.state.signed_in


OptionalUser = Annotated[SignedIn | None, Depends(_signed_in)]


def _current_user(signed_in: OptionalUser) -> SignedIn:
    if signed_in is None:
        raise LoginRequired
    return signed_in


CurrentUser = Annotated[SignedIn, Depends(_current_user)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """A router dependency: only these roles (403 for other officers)."""

    def check(me: CurrentUser) -> SignedIn:
        if me.actor.role not in roles:
            raise HTTPException(403, TEXT["forbidden"])
        return me

    return Depends(check)


# --- CSRF -----------------------------------------------------------------------------------------


def csrf_binding(request: Request, settings: Settings) -> str:
    """What a CSRF token is bound to: the session, or the anonymous nonce of a signed-out browser."""
    return session_id(request, settings) or getattr(request.state, "anon_nonce", "")


def csrf_for(request: Request) -> str:
    settings = request.app.state.settings
    return csrf_token(settings.secret_key, csrf_binding(request, settings))


async def verify_csrf(request: Request, settings: SettingsDep) -> None:
    """Every unsafe request must carry the CSRF token, in the form or in htmx's header (403 if not)."""
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get(CSRF_HEADER)
    if not token:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not csrf_matches(settings.secret_key, csrf_binding(request, settings), token):
        raise HTTPException(403, TEXT["csrf_failed"])


CsrfProtected = Depends(verify_csrf)


async def _form_fields(request: Request) -> dict[str, str]:
    """A posted form's text fields, the CSRF token left out. Read here, on the loop, so a route that
    takes them can be a plain `def`: FastAPI runs it in the threadpool, where its database calls and
    password hashing block no other request."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


# --- htmx -----------------------------------------------------------------------------------------


def _fragment(request: Request) -> str | None:
    """The id of the element an htmx request will swap (its block is rendered alone), else None.

    Boosted links and history restores want the whole page.
    """
    headers = request.headers
    if headers.get("HX-Request") != "true" or headers.get("HX-History-Restore-Request") == "true":
        return None
    if headers.get("HX-Boosted") == "true":
        return None
    return headers.get("HX-Target") or ""


Fragment = Annotated[str | None, Depends(_fragment)]


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


HtmxDep = Annotated[bool, Depends(_is_htmx)]


# --- API bearer tokens ----------------------------------------------------------------------------

bearer = HTTPBearer(auto_error=False, description="由系统管理员为每个用户签发的 API 令牌")


def _api_user(
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> SignedIn:
    signed_in = user_for_token(engine, credentials.credentials) if credentials else None
    if signed_in is None:
        raise HTTPException(401, TEXT["api_unauthorized"], headers={"WWW-Authenticate": "Bearer"})
    return signed_in


ApiUser = Annotated[SignedIn, Depends(_api_user)]
