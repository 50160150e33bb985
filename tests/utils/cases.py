"""Factories for case tests: registrations, the demo district's actors, and a started case."""

from __future__ import annotations

import uuid
from dataclasses import replace

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from workflows.case import CaseWorkflow
from workflows.policies import POLICIES
from workflows.types import Actor, CaseRegistration, CaseSnapshot, Channel, Reporter, Role

COMMUNITY = Actor("community-qinghe", Role.COMMUNITY, "cm-qinghe", "清河社区书记")
OTHER_COMMUNITY = Actor("community-hubin", Role.COMMUNITY, "cm-hubin", "湖滨社区书记")
GRID = Actor("grid-qinghe", Role.GRID_WORKER, "cm-qinghe", "清河社区网格员")
STREET = Actor("street-dongcheng", Role.STREET, "st-dongcheng", "东城街道受理员")
OTHER_STREET = Actor("street-xihu", Role.STREET, "st-xihu", "西湖街道受理员")
ZHUJIAN = Actor("dept-zhujian", Role.DEPARTMENT, "dp-zhujian", "区住建局承办员")
CHENGGUAN = Actor("dept-chengguan", Role.DEPARTMENT, "dp-chengguan", "区城管局承办员")
GONGAN = Actor("dept-gongan", Role.DEPARTMENT, "dp-gongan", "区公安分局承办员")
LEADER = Actor("leader-wang", Role.LEADER, "ld-office", "王建国", street_ids=["st-dongcheng"])
OTHER_LEADER = Actor("leader-li", Role.LEADER, "ld-office", "李秀英", street_ids=["st-xihu"])
SUPERVISION = Actor("supervision", Role.SUPERVISION, "sv-ducha", "督查室专员")
DISCIPLINE = Actor("discipline", Role.DISCIPLINE, "dc-jigongwei", "纪工委监督员")
ADMIN = Actor("admin", Role.ADMIN, "hj", "系统管理员")
RESIDENT = Actor("resident", Role.RESIDENT)


def registration(policy_id: str = "liudan", **changes: object) -> CaseRegistration:
    reg = CaseRegistration(
        code=f"HJ-2026-{uuid.uuid4().int % 10**6:06d}",
        channel=Channel.WEB_PORTAL,
        reporter=Reporter(
            name="张秀兰", phone="13812341234", address="清河小区3栋2单元501", community="清河社区"
        ),
        title="小区门口路灯不亮",
        description="清河小区南门外三盏路灯已经坏了两周，晚上出行不安全。",
        location="清河小区南门",
        community_org_id="cm-qinghe",
        street_org_id="st-dongcheng",
        registered_by=GRID,
        policy_id=policy_id,
        policy=POLICIES[policy_id],
    )
    return replace(reg, **changes)  # type: ignore[arg-type]


async def start_case(client: Client, task_queue: str, reg: CaseRegistration | None = None) -> WorkflowHandle:
    reg = reg or registration()
    handle = await client.start_workflow(
        CaseWorkflow.run,
        reg,
        id=f"case-{reg.code}",
        task_queue=task_queue,
        static_summary=f"{reg.code} {reg.title}",
    )
    await snapshot(handle)  # wait for the first workflow task
    return handle


async def snapshot(handle: WorkflowHandle) -> CaseSnapshot:
    return await handle.query(CaseWorkflow.snapshot)


async def history_length(handle: WorkflowHandle) -> int:
    return len((await handle.fetch_history()).events)


async def timer_summaries(handle: WorkflowHandle) -> list[str]:
    from temporalio.converter import DataConverter

    history = await handle.fetch_history()
    out = []
    for e in history.events:
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED and e.user_metadata.HasField("summary"):
            out.append(DataConverter.default.payload_converter.from_payload(e.user_metadata.summary, str))
    return out
