"""局长信箱 through the workflow on the time-skipping server: the deputy proposes, the director sends it
back once and then assigns it with a deadline, the unit answers late (counted), the writer rates it;
and a letter whose answer is never rated closes when the window passes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from activities.reconcile import LETTERS, Reconciler
from store.letters import Letter
from tests.utils.cases import RESIDENT, _started, keep_history, sleep_until
from tests.utils.petitions import BUREAU_HEAD, UNIT, completed
from workflows.mailbox.ids import letter_workflow_id
from workflows.mailbox.policy import MAILBOX
from workflows.mailbox.types import (
    Approval,
    LetterRating,
    LetterRegistration,
    LetterStage,
    Proposal,
    Reply,
    Satisfaction,
    SendBack,
)
from workflows.mailbox.workflow import MailboxWorkflow as W
from workflows.types import Actor, Role

DEPUTY = Actor("xf-deputy", Role.PETITION_DEPUTY, "xf-bureau", "区信访局副局长")


async def _letter(client: Client, task_queue: str) -> Any:
    reg = LetterRegistration(
        code=f"XX-2026-{uuid.uuid4().int % 10**6:06d}", mailbox_org_id="xf-bureau", name="周建华", phone="13807310001",
        subject="小区噪音扰民", content="夜间施工噪音严重。", policy=MAILBOX, registered_by=RESIDENT,
    )  # fmt: skip
    handle = await client.start_workflow(W.run, reg, id=letter_workflow_id(reg.code), task_queue=task_queue)
    _started.append(handle)
    return handle


async def test_reviewed_approved_answered_late_and_rated(
    time_env: WorkflowEnvironment, client: Client, task_queue: str, engine: Engine
) -> None:
    h = await _letter(client, task_queue)
    with pytest.raises(WorkflowUpdateFailedError):  # the director approves only what the deputy proposed
        await h.execute_update(
            W.mb_approve, Approval(BUREAU_HEAD, "dp-zhujian", await time_env.get_current_time())
        )
    await h.execute_update(W.mb_propose, Proposal(DEPUTY, "dp-chengguan", "建议交城管局核查"))
    await h.execute_update(W.mb_send_back, SendBack(BUREAU_HEAD, "噪音属环保部门职责，请重拟"))
    await h.execute_update(W.mb_propose, Proposal(DEPUTY, "dp-huanjing", "交生态环境分局办理"))
    now = await time_env.get_current_time()
    with pytest.raises(WorkflowUpdateFailedError):  # a deadline at most 30 days off
        await h.execute_update(W.mb_approve, Approval(BUREAU_HEAD, "dp-huanjing", now + timedelta(days=40)))
    await h.execute_update(
        W.mb_approve, Approval(BUREAU_HEAD, "dp-huanjing", now + timedelta(days=5), "五日内答复")
    )
    with pytest.raises(WorkflowUpdateFailedError):  # not assigned to this unit
        await h.execute_update(W.mb_reply, Reply(UNIT, "已处理"))
    await sleep_until(time_env, now + timedelta(days=6))
    s = await h.query(W.snapshot)
    assert s.overdue and s.ever_overdue
    unit = Actor("dept-huanjing", Role.DEPARTMENT, "dp-huanjing", "区生态环境分局承办员")
    await h.execute_update(W.mb_reply, Reply(unit, "已责令施工单位夜间停工"))
    s = await h.query(W.snapshot)
    assert (s.stage, s.answered_on_time) == (LetterStage.ANSWERED, False)
    await h.execute_update(W.mb_rate, LetterRating(RESIDENT, Satisfaction.BASIC))
    final = await completed(h, W.snapshot)
    assert (final.stage, final.rating) == (LetterStage.CLOSED, Satisfaction.BASIC)
    await keep_history(h, "letter_sent_back_answered_late_rated")
    # A lost letter row is rewritten from Temporal by the reconciler, as every process's is.
    with Session(engine) as session:
        session.execute(delete(Letter).where(Letter.code == final.code))  # type: ignore[arg-type]
        session.commit()
    reconciler = Reconciler(client, engine, LETTERS)
    assert await reconciler.reconcile_case(final.code) == "repaired"
    assert await reconciler.reconcile_case(final.code) == "same"
    with Session(engine) as session:
        row = session.get(Letter, final.code)
        assert row is not None and (row.rating, row.answered_on_time) == ("basic", False)


async def test_an_unrated_answer_closes_when_the_window_passes(
    time_env: WorkflowEnvironment, client: Client, task_queue: str
) -> None:
    h = await _letter(client, task_queue)
    await h.execute_update(W.mb_propose, Proposal(DEPUTY, "dp-zhujian", "交住建局"))
    now = await time_env.get_current_time()
    await h.execute_update(W.mb_approve, Approval(BUREAU_HEAD, "dp-zhujian", now + timedelta(days=3)))
    await h.execute_update(W.mb_reply, Reply(UNIT, "已维修"))
    s = await h.query(W.snapshot)
    assert s.answered_on_time is True
    rating = next(d for d in s.deadlines if d.closed_at is None)
    await sleep_until(time_env, rating.due_at + timedelta(seconds=1))
    final = await completed(h, W.snapshot)
    assert (
        final.stage == LetterStage.CLOSED
        and final.rating is None
        and final.timeline[-1].action == "not_rated"
    )
