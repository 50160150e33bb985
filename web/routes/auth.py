"""Signing in and out (HTML). What failed sign-ins reveal and cause: `web.services.auth`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import (
    SESSION_SALT,
    ClientAddr,
    CsrfProtected,
    EngineDep,
    OptionalUser,
    SettingsDep,
    limiter,
    session_id,
)
from web.i18n import TEXT
from web.ratelimit import RateLimiter
from web.security import SESSION_COOKIE, SESSION_MAX_AGE, sign
from web.services.auth import LoginFailed, LoginThrottled, authenticate, close_session, open_session
from web.templating import TemplatesDep

router = APIRouter(tags=["sessions"], dependencies=[CsrfProtected])


def safe_next(target: str | None) -> str:
    """Only a path on this site (never `//evil.example`), so the login form is no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(
    request: Request, signed_in: OptionalUser, templates: TemplatesDep, next: str = "/"
) -> Response:
    if signed_in is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return templates.render(request, "login.html", {"next": safe_next(next), "error": "", "username": ""})


@router.post("/login")
def login(
    request: Request,
    settings: SettingsDep,
    engine: EngineDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    attempts: Annotated[RateLimiter, limiter("login")],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """A plain `def`, so the password hash (argon2) and the database run in the threadpool, never on
    the event loop: other officers' requests go on while one signs in (tests/web/test_login_loop.py)."""
    context = {"next": safe_next(next), "username": username}
    # Only failures count: a whole office signing in at nine from one NAT address is no attack.
    if not attempts.allowed(addr):
        return templates.render(
            request, "login.html", {**context, "error": TEXT["rate_limited"]}, status_code=429
        )
    try:
        user = authenticate(engine, settings, username, password, addr)
    except LoginFailed as failed:
        attempts.hit(addr)
        status = 429 if isinstance(failed, LoginThrottled) else 401
        return templates.render(
            request, "login.html", {**context, "error": failed.message}, status_code=status
        )
    sid = open_session(engine, user, addr, request.headers.get("user-agent", ""))
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sign(settings.secret_key, SESSION_SALT, sid),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=not settings.dev_mode,
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, settings: SettingsDep, engine: EngineDep) -> Response:
    sid = session_id(request, settings)
    if sid:
        close_session(engine, sid)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
