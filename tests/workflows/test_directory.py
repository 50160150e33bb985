"""Decision validators check names against the directory as it is now: an org an admin deactivates is
refused within seconds, on the real server, with nothing entering the history."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowUpdateFailedError

from store.models import Org
from tests.utils.cases import STREET, history_length, report, settled, start_case
from workflows import directory
from workflows.case import CaseWorkflow
from workflows.types import Difficulty, DispatchDecision, SignDecision


async def test_a_deactivated_department_is_refused_once_the_view_refreshes(
    dev_client: Client, engine: Engine, task_queue: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(directory, "MAX_AGE_SECONDS", 0.0)  # refresh on every validation
    h = await start_case(dev_client, task_queue)
    await report(h)
    await h.execute_update(CaseWorkflow.sign, SignDecision(STREET))
    with Session(engine) as session:
        org = session.get(Org, "dp-zhujian")
        assert org is not None
        org.active = False
        session.add(org)
        session.commit()
    decision = DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY)
    await settled(h)
    before = await history_length(h)
    for _ in range(50):  # the background refresh lands within moments
        view = directory.current()
        assert view is not None
        if not view.orgs["dp-zhujian"].active:
            break
        await asyncio.sleep(0.1)
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await h.execute_update(CaseWorkflow.dispatch, decision)
    assert failed.value.cause.message == "单位「dp-zhujian」不存在或已停用"  # type: ignore[union-attr]
    assert await history_length(h) == before
    await h.terminate()


def test_no_directory_means_no_decision(monkeypatch: pytest.MonkeyPatch):
    """Fail closed: a worker that has not loaded the directory refuses decisions that name anyone."""
    from datetime import UTC, datetime

    from tests.utils.cases import COMMUNITY, registration
    from workflows import rules
    from workflows.types import Action, CaseSnapshot, Role, Stage, TriageDecision, Urgency
    from workflows.types import Category as C

    reg = registration()
    snap = CaseSnapshot(reg.code, 1, reg, reg.policy, Stage.REPORT, ["cm-qinghe"], Role.COMMUNITY)  # type: ignore[arg-type]
    triage = TriageDecision(COMMUNITY, Urgency.DEFERRABLE, C.INFRASTRUCTURE)
    now = datetime.now(UTC)
    assert (
        rules.validation_refusal(Action.TRIAGE, triage, snap, now, None)
        == "单位和人员名录尚未加载，请稍后再试"
    )
