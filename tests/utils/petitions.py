"""Factories for petition tests: the petition desk's actors, a registration, a started petition walked
to any stage, and its read model."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHandle

from tests.utils.cases import _started, event_types
from workflows.petition.ids import petition_workflow_id
from workflows.petition.policy import petition_policy
from workflows.petition.types import (
    DeliveryMethod,
    DeliveryRecord,
    MatterType,
    OpinionOutcome,
    PetitionAccept,
    PetitionAnswer,
    PetitionChannel,
    Petitioner,
    PetitionRegistration,
    PetitionSnapshot,
    PetitionTransfer,
    ReviewOpinion,
    ReviewOutcome,
    ReviewRequest,
)
from workflows.petition.workflow import PetitionWorkflow
from workflows.types import Actor, Role

CLERK = Actor("xf-clerk", Role.PETITION_CLERK, "xf-bureau", "区信访局登记受理员")
BUREAU_HEAD = Actor("xf-head", Role.PETITION_HEAD, "xf-bureau", "区信访局局长")
UNIT = Actor("dept-zhujian", Role.DEPARTMENT, "dp-zhujian", "区住建局承办员")
OTHER_UNIT = Actor("dept-chengguan", Role.DEPARTMENT, "dp-chengguan", "区城管局承办员")
UNIT_HEAD = Actor("head-zhujian", Role.UNIT_HEAD, "dp-zhujian", "区住建局负责人")
OTHER_HEAD = Actor("head-chengguan", Role.UNIT_HEAD, "dp-chengguan", "区城管局负责人")
REVIEWER = Actor("reviewer-district", Role.REVIEWER, "hj", "区人民政府复查专员")
RECHECKER = Actor("reviewer-city", Role.REVIEWER, "city", "市人民政府复核专员")
DISCIPLINE = Actor("discipline", Role.DISCIPLINE, "dc-jigongwei", "纪工委监督员")
PETITIONER = Actor("petitioner", Role.RESIDENT)


def petition(**changes: Any) -> PetitionRegistration:
    reg = PetitionRegistration(
        code=f"XF-2026-{uuid.uuid4().int % 10**6:06d}",
        channel=PetitionChannel.LETTER,
        matter_type=MatterType.CLAIM,
        petitioner=Petitioner(
            name="李桂芳", phone="13900001111", id_number="43012119650101123X", address="东城街道清河社区"
        ),
        title="拆迁补偿款未按协议支付",
        content="2025年签订的拆迁补偿协议约定的第二期补偿款至今未支付。",
        bureau_org_id="xf-bureau",
        registered_by=CLERK,
        policy=petition_policy(PetitionChannel.LETTER, MatterType.CLAIM, first_time=True),
        petitioner_key="k-" + uuid.uuid4().hex[:16],
    )
    return replace(reg, **changes)


async def start_petition(
    client: Client, task_queue: str, reg: PetitionRegistration | None = None
) -> WorkflowHandle:
    reg = reg or petition()
    handle = await client.start_workflow(
        PetitionWorkflow.run,
        reg,
        id=petition_workflow_id(reg.code),
        task_queue=task_queue,
        static_summary=reg.code,
    )
    _started.append(handle)
    for _ in range(250):
        if EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES in await event_types(handle):
            return handle
        await asyncio.sleep(0.02)
    raise AssertionError("the petition did not start within 5 s")


async def state(handle: WorkflowHandle) -> PetitionSnapshot:
    return await handle.query(PetitionWorkflow.snapshot)


async def completed(handle: WorkflowHandle, query: Any = PetitionWorkflow.snapshot) -> Any:
    """The workflow's final state (by its `query`) once it has completed."""
    await finished(handle)
    return await handle.query(query)


async def finished(handle: WorkflowHandle, result_type: Any = None) -> Any:
    """The workflow's result once it has completed, read from its history. Never `handle.result()` on
    the time-skipping server: its long poll lets the server skip to timers already cancelled (years
    ahead), even for a workflow that has completed, and every later test then runs in the wrong year."""
    request = DescribeWorkflowExecutionRequest(
        namespace=handle._client.namespace, execution=WorkflowExecution(workflow_id=handle.id)
    )
    for _ in range(250):
        # The raw call: the SDK's describe() cannot decode the test server's datetime attributes.
        raw = await handle._client.workflow_service.describe_workflow_execution(request)
        if raw.workflow_execution_info.status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED:
            if result_type is None:
                return None
            events = (await handle.fetch_history()).events
            done = next(e for e in events if e.HasField("workflow_execution_completed_event_attributes"))
            payloads = done.workflow_execution_completed_event_attributes.result.payloads
            (value,) = await handle._client.data_converter.decode(list(payloads), [result_type])
            return value
        await asyncio.sleep(0.02)
    raise AssertionError("the workflow did not complete within 5 s")


async def act(handle: WorkflowHandle, action: str, decision: Any) -> PetitionSnapshot:
    """Sends a decision by its Update name (xf_accept...), as the web does, and reads the petition."""
    await handle.execute_update(action, decision, result_type=None)
    return await state(handle)


async def to_handling(handle: WorkflowHandle, unit: Actor = UNIT) -> PetitionSnapshot:
    await act(handle, "xf_transfer", PetitionTransfer(CLERK, org_id=unit.org_id, note="请依法处理"))
    return await act(handle, "xf_accept", PetitionAccept(unit))


def answer(outcome: OpinionOutcome = OpinionOutcome.REJECT) -> PetitionAnswer:
    return PetitionAnswer(
        UNIT,
        outcome,
        facts="经查，第二期补偿款已于协议约定日期拨付至街道。",
        reasons="依据补偿协议第五条。",
        decision="不支持重复支付的请求。",
    )


async def delivered(handle: WorkflowHandle, at: datetime, by: Actor = CLERK) -> PetitionSnapshot:
    return await act(handle, "xf_deliver", DeliveryRecord(by, DeliveryMethod.IN_PERSON, received_at=at))


def review_opinion(by: Actor, outcome: ReviewOutcome = ReviewOutcome.UPHELD) -> ReviewOpinion:
    return ReviewOpinion(
        by, outcome, reasons="原处理意见认定事实清楚，适用依据正确。", decision="维持原处理意见。"
    )


def review_request(org_id: str, reasons: str = "补偿标准计算有误") -> ReviewRequest:
    return ReviewRequest(PETITIONER, reasons=reasons, org_id=org_id)
