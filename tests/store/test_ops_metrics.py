"""The business gauges' counts, on SQLite and PostgreSQL, and their cache."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.ops_metrics import CaseGauges, OrgCounts, open_counts
from store.petitions import Petition
from tests.utils.readmodel import add_case


def add_petition(engine: Engine, code: str, *, stage: str, holders: str, **fields: object) -> None:
    with Session(engine) as session:
        session.add(
            Petition(
                code=code,
                workflow_id=f"petition-{code}",
                title="征地补偿",
                channel="visit",
                matter_type="appeal",
                policy_id="xinfang-2022",
                stage=stage,
                bureau_org_id="xf-bureau",
                holder_org_ids=holders,
                petitioner_name="李四",
                petitioner_phone="13900000002",
                received_at=datetime(2026, 3, 2, 1, tzinfo=UTC),
                **fields,
            )
        )
        session.commit()


def test_open_overdue_and_escalated_by_holding_org(any_engine: Engine) -> None:
    add_case(
        any_engine, stage="handle", holder_org_ids="dp-zhujian dp-shuiwu", overdue=True, supervision_level=2
    )
    add_case(any_engine, stage="handle", holder_org_ids="dp-zhujian")
    add_case(any_engine, stage="sign", holder_org_ids="st-dongcheng", overdue=True)
    add_case(any_engine, stage="rate", holder_org_ids="")
    add_case(any_engine, stage="closed", holder_org_ids="dp-zhujian", overdue=True, supervision_level=1)
    add_petition(
        any_engine, "XF-2026-000001", stage="xf_handling", holders="dp-zhujian", presses=1, overdue=True
    )
    add_petition(any_engine, "XF-2026-000002", stage="xf_registered", holders="xf-bureau")
    add_petition(any_engine, "XF-2026-000003", stage="xf_closed", holders="dp-zhujian", presses=3)

    assert open_counts(any_engine) == [
        OrgCounts("case", "dp-shuiwu", open=1, overdue=1, escalated=1),
        OrgCounts("case", "dp-zhujian", open=2, overdue=1, escalated=1),
        OrgCounts("case", "none", open=1, overdue=0, escalated=0),
        OrgCounts("case", "st-dongcheng", open=1, overdue=1, escalated=0),
        OrgCounts("petition", "dp-zhujian", open=1, overdue=1, escalated=1),
        OrgCounts("petition", "xf-bureau", open=1, overdue=0, escalated=0),
    ]


def test_the_gauges_read_the_database_at_most_once_per_ttl(engine: Engine) -> None:
    now = [100.0]
    gauges = CaseGauges(engine, ttl=30, clock=lambda: now[0])
    add_case(engine, stage="report", holder_org_ids="cm-qinghe")
    assert [c.open for c in gauges.counts()] == [1]
    add_case(engine, stage="report", holder_org_ids="cm-qinghe")
    now[0] += 29
    assert [c.open for c in gauges.counts()] == [1]  # cached
    now[0] += 1
    assert [c.open for c in gauges.counts()] == [2]
    families = {f.name: f for f in gauges.collect()}
    assert set(families) == {"liudan_cases_open", "liudan_cases_overdue", "liudan_cases_escalated"}
    assert [(s.labels, s.value) for s in families["liudan_cases_open"].samples] == [
        ({"process": "case", "org": "cm-qinghe"}, 2)
    ]


def test_an_unreachable_database_keeps_the_last_figures(engine: Engine) -> None:
    now = [0.0]
    gauges = CaseGauges(engine, ttl=1, clock=lambda: now[0])
    add_case(engine, stage="report", holder_org_ids="cm-qinghe")
    assert [c.open for c in gauges.counts()] == [1]
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE cases")  # the read model gone from under the gauges
    now[0] += 5
    assert [c.open for c in gauges.counts()] == [1]
