"""催办: the street presses the departments still holding a case it dispatched. The decision that was
added as one declaration (workflows.decisions) to show how a decision is added: its Update, validator,
rules, form model and label all follow from it."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from temporalio.client import Client

from tests.utils.cases import (
    STREET,
    ZHUJIAN,
    decided,
    dispatch,
    projected,
    refused,
    report,
    start_case,
)
from workflows.case import CaseWorkflow
from workflows.types import Reminder


async def test_the_street_presses_a_department(client: Client, engine: Engine, task_queue: str):
    h = await start_case(client, task_queue)
    await report(h)
    await dispatch(h)
    s = await decided(h, CaseWorkflow.remind, Reminder(STREET, "群众多次来电，请今日联系"))
    assert (s.reminders, s.stage.value, s.holder_org_ids) == (1, "accept", ["dp-zhujian"])
    assert (s.timeline[-1].action, s.timeline[-1].note, s.timeline[-1].public) == (
        "remind",
        "群众多次来电，请今日联系",
        False,
    )
    model = await projected(h, engine)
    assert model.actions[-1] == "remind" and model.tasks() == {("dp-zhujian", "department", "accept")}


async def test_only_the_street_while_departments_hold_it(dev_client: Client, task_queue: str):
    h = await start_case(dev_client, task_queue)
    assert (
        await refused(h, CaseWorkflow.remind, Reminder(STREET))
        == "案件当前处于「社区报单」阶段，不能办理此操作"
    )
    await report(h)
    await dispatch(h)
    assert await refused(h, CaseWorkflow.remind, Reminder(ZHUJIAN)) == "只有所属街道工作人员可以办理此操作"
    assert (
        await refused(h, CaseWorkflow.remind, Reminder(STREET, "\x1b[5m快"))
        == "内容含有不允许的控制字符，请删除后重新提交"
    )
    await h.terminate()
