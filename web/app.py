"""The web application: officers' pages, the resident portal and the JSON API.

    uvicorn --factory web.app:create_app

The Temporal client and the read-model engine are made once in the lifespan (or handed in by
tests and the dev runner) and reach routes through dependencies (`web.deps`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException
from temporalio.client import Client

import payloads
from settings import Settings, get_settings
from store.db import create_schema, make_engine
from web import errors, observability
from web.api import api_router, docs_router
from web.middleware import AnonymousNonceMiddleware, BodyLimitMiddleware, SecurityHeadersMiddleware
from web.ratelimit import limiters
from web.routes import (
    accountability,
    admin_api_keys,
    admin_attention,
    admin_calendar,
    admin_orgs,
    admin_rebuild,
    admin_users,
    admin_weights,
    auth,
    backlogs,
    bulk,
    canned_replies,
    cases,
    codec,
    dashboard,
    decisions,
    follow,
    health,
    inbox,
    leader,
    ledger,
    ledger_import,
    mailbox,
    notifications,
    open311,
    ops,
    petition_tracking,
    petitions,
    portal,
    rankings,
    reception,
    saved_filters,
    tracking,
)
from web.services.dashboard_params import FiguresRefused
from web.sla import WorkingDays
from web.templating import Templates
from web.uploads import MAX_PHOTOS, uploads_dir

log = logging.getLogger("liudan.web")
STATIC = Path(__file__).parent / "static"
FORM_OVERHEAD = 1024 * 1024  # the text fields of a form next to its photos


async def _figures_refused(request: Request, exc: FiguresRefused) -> Response:
    """A figures page or the metrics API asked for a scope or period it cannot have: 403 / 422."""
    return await errors.http_error(request, HTTPException(exc.status, exc.message))


def create_app(
    settings: Settings | None = None,
    *,
    temporal_client: Client | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        app.state.engine = engine or make_engine(settings.database_url)
        create_schema(app.state.engine)
        uploads_dir(settings.data_dir).mkdir(parents=True, exist_ok=True)
        # lazy: the web starts (and /healthz answers) while Temporal is still coming up.
        app.state.temporal_client = temporal_client or await payloads.connect(settings, lazy=True)
        app.state.workdays = WorkingDays(app.state.engine)
        # Shared by every web process on the read model, unless RATE_LIMIT_BACKEND=memory.
        app.state.limiters = limiters(settings, app.state.engine)
        log.info(
            "web ready: temporal %s, namespace %s", settings.temporal_address, settings.temporal_namespace
        )
        yield
        if own_engine:
            app.state.engine.dispose()

    app = FastAPI(
        title="Liudan 六单",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.templates = Templates()
    app.state.api_openapi = None
    errors.install(app)
    app.add_exception_handler(FiguresRefused, _figures_refused)  # type: ignore[arg-type]

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        health,
        codec,
        auth,
        inbox,
        bulk,
        saved_filters,
        canned_replies,
        cases,
        decisions,
        leader,
        portal,
        tracking,
        admin_users,
        admin_orgs,
        admin_calendar,
        admin_attention,
        admin_rebuild,
        admin_weights,
        dashboard,
        rankings,
        ledger,
        ledger_import,
        petitions,
        petition_tracking,
        backlogs,
        reception,
        mailbox,
        accountability,
        open311,
        admin_api_keys,
        notifications,
        follow,
        ops,
    ):
        app.include_router(module.router)
    app.state.templates.env.globals.update(accountability.TEMPLATE_GLOBALS)
    app.include_router(api_router)
    app.include_router(docs_router)

    app.add_middleware(AnonymousNonceMiddleware, secret=settings.secret_key, secure=not settings.dev_mode)
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_PHOTOS * settings.upload_max_bytes + FORM_OVERHEAD)
    app.add_middleware(SecurityHeadersMiddleware)
    observability.install(app, settings)
    return app
