"""Every refusal: wrong role, wrong org, wrong stage, what the case's state no longer allows, and bad
payloads. Each reaches the client as a DecisionRefused ApplicationError with a sentence an officer
can read, and leaves the history exactly as it was.

Runs on the dev server: the time-skipping test server records a workflow task for every Update,
rejected or not, so only a real server can prove "nothing enters the history". Refusals change
nothing, so each stage's case is built once for the module and shared by its refusals.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from store.db import create_schema, make_engine
from tests.utils.cases import (
    ADMIN,
    CHENGGUAN,
    COMMUNITY,
    DISCIPLINE,
    GONGAN,
    GRID,
    LEADER,
    OTHER_COMMUNITY,
    OTHER_LEADER,
    OTHER_STREET,
    RESIDENT,
    STREET,
    SUPERVISION,
    ZHUJIAN,
    dispatch,
    history_length,
    refused,
    report,
    start_case,
    submit_all,
    to_handle,
    to_rate,
    to_review,
)
from tests.utils.directory import seed_directory
from worker import build_worker
from workflows.case import CaseWorkflow
from workflows.types import (
    AcceptDecision,
    Category,
    Difficulty,
    DispatchDecision,
    Escalation,
    ExtensionDecision,
    ExtensionRequest,
    LocalResolution,
    RatingChannel,
    RatingDecision,
    RatingValue,
    RecomputeDeadlines,
    ReportUp,
    ResultSubmission,
    ReturnDecision,
    ReviewDecision,
    SignDecision,
    SupervisionDecision,
    TakeCharge,
    TriageDecision,
    UnreasonableClosure,
    Urgency,
    Withdrawal,
)

TWO = ("dp-zhujian", "dp-chengguan")  # 住建局 leads
TOO_LONG = "长" * 4001
IN_3_DAYS = timedelta(days=3)
WF = CaseWorkflow


def _triage(actor: Any, urgency: Urgency = Urgency.DEFERRABLE, note: str = "") -> TriageDecision:
    return TriageDecision(actor, urgency, Category.INFRASTRUCTURE, note)


# --- the stages, each built once --------------------------------------------------------------------


async def _triaged(h: WorkflowHandle) -> None:
    await h.execute_update(WF.triage, _triage(COMMUNITY))


async def _unreasonable(h: WorkflowHandle) -> None:
    await h.execute_update(WF.triage, _triage(COMMUNITY, Urgency.UNREASONABLE))


async def _dispatch(h: WorkflowHandle) -> None:
    await report(h)
    await h.execute_update(WF.sign, SignDecision(STREET))


async def _accept(h: WorkflowHandle) -> None:
    await report(h)
    await dispatch(h, TWO, lead="dp-zhujian")


async def _accept_partly(h: WorkflowHandle) -> None:
    await _accept(h)
    await h.execute_update(WF.accept, AcceptDecision(ZHUJIAN, "已联系"))


async def _extension_pending(h: WorkflowHandle) -> None:
    await to_handle(h, TWO)
    await h.execute_update(WF.request_extension, ExtensionRequest(ZHUJIAN, 2, "需采购材料"))


async def _extended(h: WorkflowHandle) -> None:
    await _extension_pending(h)
    await h.execute_update(WF.decide_extension, ExtensionDecision(STREET, True))


async def _escalated(h: WorkflowHandle) -> None:
    await to_handle(h, TWO)
    await h.execute_update(WF.escalate, Escalation(ZHUJIAN, "请领导协调"))


async def _taken(h: WorkflowHandle) -> None:
    await report(h)
    await h.execute_update(WF.take_charge, TakeCharge(LEADER))


async def _reviewed_twice(h: WorkflowHandle) -> None:
    await to_review(h)
    due = datetime.now(UTC) + IN_3_DAYS
    await h.execute_update(WF.reopen, ReviewDecision(LEADER, "重办", new_due_at=due))
    await submit_all(h)
    await h.execute_update(
        WF.rate, RatingDecision(RESIDENT, RatingValue.DISSATISFIED, "仍未解决", solved=False)
    )


async def _closed(h: WorkflowHandle) -> None:
    await _unreasonable(h)
    await h.execute_update(WF.close_unreasonable, UnreasonableClosure(COMMUNITY, "已解释政策"))


async def _nothing(h: WorkflowHandle) -> None:
    pass


STAGES: dict[str, Callable[[WorkflowHandle], Awaitable[Any]]] = {
    "registered": _nothing,
    "triaged": _triaged,
    "unreasonable": _unreasonable,
    "sign": report,
    "dispatch": _dispatch,
    "accept": _accept,
    "accept_partly": _accept_partly,
    "handle": lambda h: to_handle(h, TWO),
    "extension_pending": _extension_pending,
    "extended": _extended,
    "escalated": _escalated,
    "taken": _taken,
    "rate": to_rate,
    "review": to_review,
    "reviewed_twice": _reviewed_twice,
    "closed": _closed,
}


class Staged:
    """One case per stage, started on first use and kept for the module (refusals change nothing)."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self._client, self._task_queue = client, task_queue
        self._cases: dict[str, WorkflowHandle] = {}

    async def case(self, stage: str) -> WorkflowHandle:
        if stage not in self._cases:
            h = await start_case(self._client, self._task_queue, track=False)
            await STAGES[stage](h)
            self._cases[stage] = h
        return self._cases[stage]

    async def close(self) -> None:
        for h in self._cases.values():
            with contextlib.suppress(RPCError):  # already closed
                await h.terminate(reason="tests finished")


@pytest.fixture(scope="module")
async def staged(
    dev_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Staged]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('refusals')}/read.db")
    create_schema(engine)
    seed_directory(engine)
    task_queue = f"tq-{uuid.uuid4()}"
    async with build_worker(dev_env.client, engine, task_queue):
        cases = Staged(dev_env.client, task_queue)
        yield cases
        await cases.close()
    engine.dispose()


def _d(make: Any) -> Callable[[datetime], Any]:
    """A decision, or a function of the current time for one that carries a deadline."""
    return make if callable(make) else (lambda now: make)


REFUSALS: list[Any] = [
    # --- wrong role
    ("registered", WF.triage, _triage(STREET), "只有本社区工作人员可以办理此操作"),
    ("registered", WF.triage, _triage(GRID), "只有本社区工作人员可以办理此操作"),
    ("sign", WF.sign, SignDecision(COMMUNITY), "只有所属街道工作人员可以办理此操作"),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(ZHUJIAN, ["dp-zhujian"], Difficulty.ORDINARY),
        "只有所属街道工作人员可以办理此操作",
    ),
    ("accept", WF.accept, AcceptDecision(STREET, "已联系"), "只有承办部门可以办理此操作"),
    ("handle", WF.submit_result, ResultSubmission(LEADER, "已办结"), "只有承办部门可以办理此操作"),
    ("handle", WF.request_extension, ExtensionRequest(STREET, 2, "忙"), "只有承办部门可以办理此操作"),
    (
        "extension_pending",
        WF.decide_extension,
        ExtensionDecision(ZHUJIAN, True),
        "只有联点区领导或督查室可以办理此操作",
    ),
    (
        "escalated",
        WF.supervise,
        lambda now: SupervisionDecision(STREET, "督办", now + IN_3_DAYS),
        "只有联点区领导或督查室可以办理此操作",
    ),
    (
        "escalated",
        WF.supervise,
        lambda now: SupervisionDecision(DISCIPLINE, "督办", now + IN_3_DAYS),
        "案件尚未移交纪工委",
    ),
    ("sign", WF.escalate, Escalation(COMMUNITY, "请协调"), "只有所属街道工作人员可以办理此操作"),
    ("handle", WF.escalate, Escalation(STREET, "请协调"), "只有承办部门可以办理此操作"),
    ("sign", WF.take_charge, TakeCharge(STREET), "只有联点区领导可以办理此操作"),
    ("sign", WF.take_charge, TakeCharge(SUPERVISION), "只有联点区领导可以办理此操作"),
    (
        "rate",
        WF.rate,
        RatingDecision(ZHUJIAN, RatingValue.SATISFIED, "", RatingChannel.PHONE, solved=True),
        "只有群众本人或回访的街道、社区工作人员可以评价",
    ),
    (
        "review",
        WF.reopen,
        lambda now: ReviewDecision(STREET, "重办", now + IN_3_DAYS),
        "只有联点区领导可以办理此操作",
    ),
    (
        "review",
        WF.close_after_review,
        ReviewDecision(COMMUNITY, "办结"),
        "只有联点区领导可以办理此操作",
    ),
    ("registered", WF.withdraw, Withdrawal(COMMUNITY), "只有群众本人可以撤回诉求"),
    ("handle", WF.recompute_deadlines, RecomputeDeadlines(LEADER), "只有系统管理员可以重算时限"),
    # --- wrong org: another community, street, department, or a leader linked to another street
    ("registered", WF.triage, _triage(OTHER_COMMUNITY), "此案件不属于您所在的单位"),
    ("triaged", WF.report_up, ReportUp(OTHER_COMMUNITY), "此案件不属于您所在的单位"),
    ("sign", WF.sign, SignDecision(OTHER_STREET), "此案件不属于您所在的单位"),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(OTHER_STREET, ["dp-zhujian"], Difficulty.ORDINARY),
        "此案件不属于您所在的单位",
    ),
    ("dispatch", WF.resolve_locally, LocalResolution(OTHER_STREET, "已处理"), "此案件不属于您所在的单位"),
    ("accept", WF.accept, AcceptDecision(GONGAN, "已联系"), "此案件未派给您的部门"),
    ("accept", WF.return_case, ReturnDecision(GONGAN, "不归我管"), "此案件未派给您的部门"),
    ("handle", WF.submit_result, ResultSubmission(GONGAN, "已办结"), "此案件未派给您的部门"),
    (
        "extension_pending",
        WF.decide_extension,
        ExtensionDecision(OTHER_STREET, True),
        "此案件不属于您所在的单位",
    ),
    (
        "extension_pending",
        WF.decide_extension,
        ExtensionDecision(OTHER_LEADER, True),
        "此案件不在您联系的街道",
    ),
    (
        "escalated",
        WF.supervise,
        lambda now: SupervisionDecision(OTHER_LEADER, "督办", now + IN_3_DAYS),
        "此案件不在您联系的街道",
    ),
    ("sign", WF.take_charge, TakeCharge(OTHER_LEADER), "此案件不在您联系的街道"),
    (
        "rate",
        WF.rate,
        RatingDecision(OTHER_COMMUNITY, RatingValue.SATISFIED, "", RatingChannel.PHONE, solved=True),
        "此案件不属于您所在的单位",
    ),
    (
        "rate",
        WF.rate,
        RatingDecision(OTHER_STREET, RatingValue.SATISFIED, "", RatingChannel.VISIT, solved=True),
        "此案件不属于您所在的单位",
    ),
    (
        "review",
        WF.reopen,
        lambda now: ReviewDecision(OTHER_LEADER, "重办", now + IN_3_DAYS),
        "此案件不在您联系的街道",
    ),
    # --- wrong stage
    ("registered", WF.sign, SignDecision(STREET), "案件当前处于「社区报单」阶段，不能办理此操作"),
    (
        "sign",
        WF.dispatch,
        DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY),
        "案件当前处于「街道签收」阶段，不能办理此操作",
    ),
    (
        "dispatch",
        WF.accept,
        AcceptDecision(ZHUJIAN, "已联系"),
        "案件当前处于「街道派单」阶段，不能办理此操作",
    ),
    (
        "accept",
        WF.submit_result,
        ResultSubmission(ZHUJIAN, "已办结"),
        "案件当前处于「部门接单」阶段，不能办理此操作",
    ),
    (
        "handle",
        WF.rate,
        RatingDecision(RESIDENT, RatingValue.SATISFIED, solved=True),
        "案件当前处于「部门办理」阶段，不能办理此操作",
    ),
    ("handle", WF.withdraw, Withdrawal(RESIDENT), "案件当前处于「部门办理」阶段，不能办理此操作"),
    (
        "handle",
        WF.return_case,
        ReturnDecision(ZHUJIAN, "不归我管"),
        "案件当前处于「部门办理」阶段，不能办理此操作",
    ),
    (
        "rate",
        WF.reopen,
        lambda now: ReviewDecision(LEADER, "重办", now + IN_3_DAYS),
        "案件当前处于「群众评单」阶段，不能办理此操作",
    ),
    ("rate", WF.escalate, Escalation(ZHUJIAN, "请协调"), "案件当前处于「群众评单」阶段，不能办理此操作"),
    (
        "review",
        WF.rate,
        RatingDecision(RESIDENT, RatingValue.SATISFIED, solved=True),
        "案件当前处于「领导复查」阶段，不能办理此操作",
    ),
    # --- what the case's own state no longer allows
    ("registered", WF.report_up, ReportUp(COMMUNITY), "请先对诉求进行分类研判"),
    ("registered", WF.resolve_locally, LocalResolution(COMMUNITY, "已处理"), "请先对诉求进行分类研判"),
    ("unreasonable", WF.report_up, ReportUp(COMMUNITY), "诉求已研判为不合理，请以政策解释办结"),
    (
        "triaged",
        WF.close_unreasonable,
        UnreasonableClosure(COMMUNITY, "已解释"),
        "只有研判为不合理的诉求可以解释办结",
    ),
    ("accept_partly", WF.accept, AcceptDecision(ZHUJIAN, "再次接单"), "您的部门已接单"),
    ("accept_partly", WF.return_case, ReturnDecision(ZHUJIAN, "不归我管"), "已接单的案件不能退单"),
    ("accept_partly", WF.withdraw, Withdrawal(RESIDENT), "部门已接单，不能撤回"),
    ("handle", WF.submit_result, ResultSubmission(ZHUJIAN, "已办结"), "请等待协办单位报告办理结果后再办结"),
    ("handle", WF.request_extension, ExtensionRequest(CHENGGUAN, 2, "忙"), "只有牵头单位可以申请延期"),
    ("extension_pending", WF.request_extension, ExtensionRequest(ZHUJIAN, 2, "忙"), "已有延期申请待审批"),
    ("extended", WF.request_extension, ExtensionRequest(ZHUJIAN, 2, "忙"), "延期次数已用完"),
    ("handle", WF.decide_extension, ExtensionDecision(STREET, True), "没有待审批的延期申请"),
    (
        "handle",
        WF.supervise,
        lambda now: SupervisionDecision(LEADER, "督办", now + IN_3_DAYS),
        "案件未超期也未申请督办",
    ),
    ("escalated", WF.escalate, Escalation(CHENGGUAN, "请协调"), "已申请领导协调"),
    ("taken", WF.take_charge, TakeCharge(LEADER), "已有领导包案"),
    (
        "reviewed_twice",
        WF.reopen,
        lambda now: ReviewDecision(LEADER, "再办", now + IN_3_DAYS),
        "案件已重办过一次，请复查后办结",
    ),
    # --- invalid payloads
    ("registered", WF.triage, _triage(COMMUNITY, note=TOO_LONG), "研判意见不能超过 4000 字"),
    ("triaged", WF.resolve_locally, LocalResolution(COMMUNITY, "  "), "请填写办理结果"),
    ("unreasonable", WF.close_unreasonable, UnreasonableClosure(COMMUNITY, ""), "请填写向群众的政策解释"),
    ("dispatch", WF.dispatch, DispatchDecision(STREET, [], Difficulty.ORDINARY), "请至少选择一个承办部门"),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(STREET, ["dp-zhujian", "dp-zhujian"], Difficulty.ORDINARY, "dp-zhujian"),
        "承办部门重复",
    ),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(STREET, [f"dp-{i}" for i in range(7)], Difficulty.ORDINARY, "dp-0"),
        "一次最多派给 6 个部门",
    ),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(STREET, list(TWO), Difficulty.ORDINARY),
        "多个部门共同办理时，请从中指定牵头单位",
    ),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(STREET, list(TWO), Difficulty.ORDINARY, "dp-gongan"),
        "多个部门共同办理时，请从中指定牵头单位",
    ),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY, "dp-gongan"),
        "牵头单位必须是承办部门之一",
    ),
    (
        "dispatch",
        WF.dispatch,
        lambda now: DispatchDecision(STREET, ["dp-zhujian"], Difficulty.VERY_HARD, due_at=now + IN_3_DAYS),
        "特别难事项的办结时限由牵头单位提请分管区领导确定，派单时不设时限",
    ),
    (
        "dispatch",
        WF.dispatch,
        lambda now: DispatchDecision(
            STREET, ["dp-zhujian"], Difficulty.VERY_HARD, due_at=now - timedelta(hours=1)
        ),
        "特别难事项的办结时限必须晚于当前时间",
    ),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(STREET, ["dp-zhujian"], Difficulty.VERY_HARD, due_at=datetime(2099, 1, 1)),
        "特别难事项的办结时限缺少时区",
    ),
    (
        "dispatch",
        WF.dispatch,
        lambda now: DispatchDecision(STREET, ["dp-zhujian"], Difficulty.HARD, due_at=now + IN_3_DAYS),
        "一般、较难事项按政策时限办结，不能另设时限",
    ),
    (
        "dispatch",
        WF.dispatch,
        lambda now: DispatchDecision(
            STREET, ["dp-zhujian"], Difficulty.VERY_HARD, due_at=now + IN_3_DAYS, note=TOO_LONG
        ),
        "派单意见不能超过 4000 字",
    ),
    ("accept", WF.accept, AcceptDecision(ZHUJIAN, ""), "请填写当日首次响应内容"),
    ("accept", WF.return_case, ReturnDecision(ZHUJIAN, " "), "请填写理由"),
    ("handle", WF.submit_result, ResultSubmission(CHENGGUAN, ""), "请填写办理结果"),
    ("handle", WF.request_extension, ExtensionRequest(ZHUJIAN, 0, "忙"), "延期天数须在 1 到 10 之间"),
    ("handle", WF.request_extension, ExtensionRequest(ZHUJIAN, 11, "忙"), "延期天数须在 1 到 10 之间"),
    ("handle", WF.request_extension, ExtensionRequest(ZHUJIAN, 2, ""), "请填写延期理由"),
    ("extension_pending", WF.decide_extension, ExtensionDecision(STREET, False), "请填写审批意见"),
    ("handle", WF.escalate, Escalation(ZHUJIAN, ""), "请填写理由"),
    (
        "escalated",
        WF.supervise,
        lambda now: SupervisionDecision(LEADER, "", now + IN_3_DAYS),
        "请填写督办意见",
    ),
    (
        "escalated",
        WF.supervise,
        lambda now: SupervisionDecision(LEADER, "督办", now - timedelta(hours=1)),
        "新的办结时限必须晚于当前时间",
    ),
    (
        "escalated",
        WF.supervise,
        lambda now: SupervisionDecision(LEADER, "督办", now + IN_3_DAYS, "dp-gongan"),
        "牵头单位必须是承办部门之一",
    ),
    (
        "rate",
        WF.rate,
        RatingDecision(RESIDENT, RatingValue.SATISFIED, "", RatingChannel.PHONE, solved=True),
        "群众本人评价请使用评价页面",
    ),
    (
        "rate",
        WF.rate,
        RatingDecision(COMMUNITY, RatingValue.SATISFIED, solved=True),
        "工作人员代为评价须注明电话询问或上门回访",
    ),
    ("rate", WF.rate, RatingDecision(RESIDENT, RatingValue.DISSATISFIED, solved=False), "请填写不满意的原因"),
    ("review", WF.reopen, ReviewDecision(LEADER, "重办"), "请设定重办时限"),
    ("review", WF.reopen, lambda now: ReviewDecision(LEADER, "", now + IN_3_DAYS), "请填写重办要求"),
    ("review", WF.close_after_review, ReviewDecision(LEADER, ""), "请填写复查意见"),
    # --- the directory: every user and org a decision names exists, is active, is of the right kind
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(STREET, ["dp-does-not-exist"], Difficulty.ORDINARY),
        "单位「dp-does-not-exist」不存在或已停用",
    ),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(STREET, ["st-xihu"], Difficulty.ORDINARY),
        "「st-xihu」不是区直部门，不能承办",
    ),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(STREET, ["dp-zhujian", "cm-qinghe"], Difficulty.ORDINARY, "dp-zhujian"),
        "「cm-qinghe」不是区直部门，不能承办",
    ),
    ("registered", WF.triage, _triage(replace(COMMUNITY, user_id="nobody")), "办理人账号不存在或已停用"),
    (
        "sign",
        WF.sign,
        SignDecision(replace(OTHER_STREET, org_id="st-dongcheng")),
        "办理人的角色或所在单位与名录不符",
    ),
    (
        "escalated",
        WF.supervise,
        lambda now: SupervisionDecision(
            replace(OTHER_LEADER, street_ids=["st-dongcheng"]), "督办", now + IN_3_DAYS
        ),
        "办理人的联点街道与名录不符",
    ),
    # --- control characters and deadlines out of bounds
    (
        "registered",
        WF.triage,
        _triage(COMMUNITY, note="\x1b[31m已核实"),
        "内容含有不允许的控制字符，请删除后重新提交",
    ),
    (
        "registered",
        WF.triage,
        _triage(COMMUNITY, note="已核实\u202e"),
        "内容含有不允许的控制字符，请删除后重新提交",
    ),
    ("sign", WF.sign, SignDecision(STREET, "签收\x00"), "内容含有不允许的控制字符，请删除后重新提交"),
    (
        "escalated",
        WF.supervise,
        SupervisionDecision(LEADER, "督办", datetime(9999, 12, 31, tzinfo=UTC)),
        "设定的时限不能晚于 366 天之后",
    ),
    (
        "dispatch",
        WF.dispatch,
        DispatchDecision(
            STREET, ["dp-zhujian"], Difficulty.VERY_HARD, due_at=datetime(9999, 1, 1, tzinfo=UTC)
        ),
        "设定的时限不能晚于 366 天之后",
    ),
]


@pytest.mark.parametrize(
    ("stage", "update", "decision", "message"),
    REFUSALS,
    ids=[f"{i:02d}-{stage}-{update.__name__}" for i, (stage, update, _, _) in enumerate(REFUSALS)],
)
async def test_refused(staged: Staged, stage: str, update: Any, decision: Any, message: str) -> None:
    h = await staged.case(stage)
    assert await refused(h, update, _d(decision)(datetime.now(UTC))) == message


async def test_decisions_on_a_closed_case(staged: Staged) -> None:
    """A closed case's workflow has completed: the server itself refuses any Update, before any
    validator, with NOT_FOUND "workflow execution already completed" (the web must say 案件已办结,
    not fail)."""
    h = await staged.case("closed")
    before = await history_length(h)
    for update, decision in [
        (WF.triage, _triage(COMMUNITY)),
        (WF.take_charge, TakeCharge(LEADER)),
        (WF.recompute_deadlines, RecomputeDeadlines(ADMIN)),
    ]:
        with pytest.raises(RPCError) as failed:
            await h.execute_update(update, decision)
        assert failed.value.status == RPCStatusCode.NOT_FOUND, failed.value
    assert await history_length(h) == before
