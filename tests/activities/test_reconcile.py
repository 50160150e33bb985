"""The reconciler and the rebuild make the read model equal to what Temporal holds: a phantom version
(a projection whose workflow task was never recorded) is undone by the case itself, a lost or stale read
model is rewritten, a whole lost read model is rebuilt table by table, and case codes are never reused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.testing import WorkflowEnvironment

from activities.projection import ProjectionActivities
from activities.reconcile import Reconciler
from store.case_records import CaseAttention, CaseDeadline
from store.codes import next_case_code
from store.models import Case, CaseDepartment, CaseEvent, Claim, InboxItem, Rating
from tests.utils.cases import (
    CHENGGUAN,
    RESIDENT,
    ZHUJIAN,
    closed_result,
    decided,
    dispatch,
    projected,
    read_model,
    registration,
    report,
    returned,
    snapshot,
    start_case,
    to_handle,
    to_rate,
)
from workflows.case import CaseWorkflow
from workflows.types import Projection, RatingDecision, RatingValue, ReturnDecision, Stage, TimelineEntry

CASE_TABLES = (CaseAttention, CaseDeadline, Rating, InboxItem, CaseEvent, CaseDepartment, Claim, Case)


def _table(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = [{k: v for k, v in r.model_dump().items() if k != "id"} for r in session.exec(select(model))]
    return sorted(rows, key=repr)


async def _phantom(engine: Engine, handle: Any) -> None:
    """What a worker killed after its projection committed leaves: a version Temporal never recorded."""
    s = await snapshot(handle)
    ghost = TimelineEntry(len(s.timeline) + 1, s.updated_at, "withdraw", "resident", RESIDENT.role)  # type: ignore[arg-type]
    fake = replace(s, version=s.version + 1, stage=Stage.CLOSED, holder_org_ids=[], timeline=[])
    ProjectionActivities(engine).write(Projection(fake, [ghost], event_count=len(s.timeline) + 1))


async def test_a_phantom_is_undone_by_the_running_case(client: Client, engine: Engine, task_queue: str):
    h = await start_case(client, task_queue)
    await report(h)
    await _phantom(engine, h)
    assert read_model(engine, (await snapshot(h)).code).case.stage == "closed"
    reconciler = Reconciler(client, engine)
    s = await snapshot(h)
    assert await reconciler.reconcile_case(s.code) == "repaired"
    model = read_model(engine, s.code)
    assert (model.case.stage, model.case.version) == ("sign", s.version)
    assert [e.action for e in model.events] == [e.action for e in s.timeline]
    assert model.tasks() == {("st-dongcheng", "street", "sign")}
    assert await reconciler.reconcile_case(s.code) == "same"


async def test_a_lost_or_stale_read_model_is_rewritten(client: Client, engine: Engine, task_queue: str):
    h = await start_case(client, task_queue)
    await to_handle(h)
    code = (await snapshot(h)).code
    before = (await projected(h, engine)).case.model_dump()
    with Session(engine) as session:
        for model in CASE_TABLES:
            session.execute(
                delete(model).where(model.case_code == code if model is not Case else Case.code == code)
            )  # type: ignore[attr-defined]
        session.commit()
    assert await Reconciler(client, engine).reconcile_case(code) == "repaired"
    assert read_model(engine, code).case.model_dump() == before


async def test_rebuild_from_temporal_alone(
    time_env: WorkflowEnvironment, client: Client, engine: Engine, task_queue: str
):
    """Cases at several stages, one closed: delete the read model's case tables, rebuild, and every
    table equals the original; a second rebuild repairs nothing; the code sequence moves past them."""

    async def co_department_returns(h: Any) -> None:
        await report(h)
        await dispatch(h, ("dp-zhujian", "dp-chengguan"), lead="dp-zhujian")
        await returned(h, ReturnDecision(CHENGGUAN, "不属于本部门"))

    async def lead_returns(h: Any) -> None:
        await report(h)
        await dispatch(h, ("dp-zhujian",))
        await returned(h, ReturnDecision(ZHUJIAN, "请改派城管"))

    handles = []
    for walk in (report, to_handle, co_department_returns, lead_returns, to_rate):
        h = await start_case(client, task_queue)
        await walk(h)
        handles.append(h)
    closed = handles[-1]
    await decided(
        closed, CaseWorkflow.rate, RatingDecision(RESIDENT, RatingValue.SATISFIED, "好", solved=True)
    )
    await closed_result(time_env, closed)
    for h in handles:
        await projected(h, engine)
    original = {m.__tablename__: _table(engine, m) for m in CASE_TABLES}
    assert original["case_deadlines"] and original["ratings"] and original["case_events"]
    # The departments that returned a case keep their rows (their figures count what they were given).
    assert {"dp-chengguan", "dp-zhujian"} <= {r["department_id"] for r in original["case_departments"]}
    assert len(original["case_departments"]) >= 5
    with Session(engine) as session:
        for model in CASE_TABLES:
            session.execute(delete(model))
        session.commit()

    reconciler = Reconciler(client, engine)
    codes = [(await snapshot(h)).code for h in handles]
    report_ = await reconciler._each(codes, lambda _: None)
    assert (sorted(report_.repaired), report_.failed) == (sorted(codes), []), report_
    rebuilt = {m.__tablename__: _table(engine, m) for m in CASE_TABLES}
    assert rebuilt == original
    again = await reconciler._each(codes, lambda _: None)
    assert again.repaired == []
    await reconciler.recover_sequences(codes)
    assert next_case_code(engine, "HJ", 2026) > max(codes)


async def test_a_code_is_never_reused(client: Client, task_queue: str, time_env: WorkflowEnvironment):
    """A closed case's workflow id refuses a second run, whatever the read model says."""
    h = await start_case(client, task_queue)
    await h.terminate(reason="closed")
    reg = registration(code=(await h.describe()).id.removeprefix("case-"))
    with pytest.raises(WorkflowAlreadyStartedError):
        await client.start_workflow(
            CaseWorkflow.run,
            reg,
            id=f"case-{reg.code}",
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


def test_case_tables_cover_the_read_model():
    """Every table that holds a case's projection is in the rebuild comparison above."""
    per_case = {t.name for t in SQLModel.metadata.sorted_tables if "case_code" in t.c or t.name == "cases"}
    # Not projections of Temporal's state: intake keys, the access log, imported ledgers' provenance,
    # what an Open311 client filed (its service code and coordinates, written by the web at intake), and
    # the cases a 约谈 record names (officers' records, not the case's state), and an import job's rows
    # (each names the case it became), and who has a case page open (presence, gone in a minute).
    per_case -= {
        "case_presence",
        "intake_keys",
        "personal_data_views",
        "ledger_imports",
        "ledger_import_rows",
        "open311_requests",
        "interview_cases",
    }
    assert per_case <= {m.__tablename__ for m in CASE_TABLES}, per_case
