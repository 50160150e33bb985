"""Operations endpoints.

GET /metrics   Prometheus metrics (text format): this web process's request series, its process
               series, and in `make run` the in-process worker's (see web.observability,
               liudan_metrics). Only for the monitoring system: a client whose address (resolved as
               for TRUSTED_PROXIES, so a request relayed by nginx counts as the visitor's, never as
               nginx's) lies in METRICS_ALLOWED_NETWORKS; anyone else gets 403. nginx does not pass
               /metrics on at all. The series carry route templates, org ids and counts, never a case
               code, a tracking token or anything about a resident.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from liudan_metrics import exposition, reader_allowed
from web.deps import ClientAddr
from web.i18n import TEXT

router = APIRouter(tags=["ops"], include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/metrics")
async def metrics(request: Request, client: ClientAddr) -> Response:
    if not reader_allowed(client, request.app.state.settings):
        raise HTTPException(403, TEXT["error_403"])
    body = await asyncio.to_thread(exposition, request.app.state.metrics_registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)
