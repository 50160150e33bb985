"""Probes for process supervisors and load balancers.

GET /healthz   liveness: the process answers (restart it if not)
GET /readyz    readiness: Temporal and the read-model database both answer within about 2 s;
               200 {"temporal": "ok", "database": "ok"}, or 503 naming the one that failed
               (send no officer traffic here until it is 200 again)
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from payloads import reachable
from payloads.converter import PROBE_TIMEOUT
from web.deps import ClientDep, EngineDep

log = logging.getLogger("liudan.web.health")
router = APIRouter(tags=["health"], include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz")
async def readyz(client: ClientDep, engine: EngineDep) -> JSONResponse:
    temporal, database = await asyncio.gather(reachable(client.service_client), _database_answers(engine))
    body = {"temporal": _state(temporal), "database": _state(database)}
    if not (temporal and database):
        log.warning("not ready: %s", body)
        return JSONResponse(body, status_code=503, headers={**NO_STORE, "Retry-After": "5"})
    return JSONResponse(body, headers=NO_STORE)


def _state(ok: bool) -> str:
    return "ok" if ok else "unavailable"


async def _database_answers(engine: Engine) -> bool:
    def select_one() -> None:
        with engine.connect() as conn:
            conn.execute(text("select 1"))

    try:
        # A hung connection attempt keeps its thread until the driver gives up; the probe does not wait.
        await asyncio.wait_for(asyncio.to_thread(select_one), PROBE_TIMEOUT.total_seconds())
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        log.warning("read-model database unavailable: %s", error)
        return False
    return True
