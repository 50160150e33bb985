"""A read-model outage wedges no case: a decision taken while the database cannot be written answers
within the projection's budget (projected=False) instead of holding the case's lock until the database
returns, the next decision is not blocked behind it, and the case writes itself once the database is
back (catch-up timer)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

from sqlalchemy.engine import Engine
from temporalio.client import Client

from tests.utils.cases import COMMUNITY, projected, snapshot, start_case
from workflows.case import CaseWorkflow
from workflows.engine import PROJECTION_BUDGET
from workflows.types import Category, ReportUp, TriageDecision, Urgency


async def test_a_decision_answers_while_the_read_model_is_down(
    client: Client, engine: Engine, task_queue: str
):
    h = await start_case(client, task_queue)
    await h.execute_update(
        CaseWorkflow.triage, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE)
    )
    path = engine.url.database
    locked, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:  # the read model cannot be written until `release`
        conn = sqlite3.connect(path, timeout=1)
        conn.execute("BEGIN EXCLUSIVE")
        locked.set()
        release.wait(60)
        conn.rollback()
        conn.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        result = await h.execute_update(CaseWorkflow.report_up, ReportUp(COMMUNITY, "上报"))
        took = time.monotonic() - started
        assert (result.stage.value, result.projected) == ("sign", False)
        assert took < PROJECTION_BUDGET.total_seconds() + 5, took
        assert (await snapshot(h)).stage.value == "sign"  # the decision stands in Temporal
    finally:
        release.set()
        await asyncio.to_thread(holder.join, 30)
    # The database is back: the case's catch-up timer writes it (no later decision needed).
    model = await projected(h, engine)
    assert (model.case.stage, model.actions[-1]) == ("sign", "report_up")
    await h.terminate()
