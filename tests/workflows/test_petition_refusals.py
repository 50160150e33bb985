"""Every petition refusal on the real dev server: the wrong officer, the wrong stage, what the
petition's state no longer allows, bad content and names the directory does not know. Each reaches
the caller as a DecisionRefused with a sentence an officer can read, and leaves the history as it was
(the time-skipping server records a task for every Update, refused or not, so it cannot prove that)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client

from tests.utils.cases import refused
from tests.utils.petitions import (
    BUREAU_HEAD,
    CLERK,
    DISCIPLINE,
    OTHER_HEAD,
    OTHER_UNIT,
    PETITIONER,
    RECHECKER,
    REVIEWER,
    UNIT,
    UNIT_HEAD,
    act,
    answer,
    petition,
    review_opinion,
    start_petition,
    to_handling,
)
from workflows.petition.types import (
    DeclineGround,
    DeliveryMethod,
    DeliveryRecord,
    MatterType,
    PetitionAccept,
    PetitionDecline,
    PetitionExtensionDecision,
    PetitionExtensionRequest,
    PetitionMerge,
    PetitionObjection,
    PetitionPress,
    PetitionTransfer,
    ReviewRequest,
    TransferMode,
)
from workflows.petition.workflow import PetitionWorkflow as W
from workflows.types import Actor, RecomputeDeadlines, Role

W_: Any = W  # the declared Updates are set on the class at import


async def test_refusals_at_the_desk(dev_client: Client, task_queue: str) -> None:
    h = await start_petition(dev_client, task_queue)
    cases = [
        (W_.xf_transfer, PetitionTransfer(UNIT, org_id="dp-chengguan"), "只有信访部门登记受理人员可以办理此操作"),
        (W_.xf_transfer, PetitionTransfer(CLERK, org_id="xf-bureau"), "本部门有权处理的事项请直接受理"),
        (W_.xf_transfer, PetitionTransfer(CLERK, org_id="cm-qinghe"), "「cm-qinghe」不是有权处理信访事项的机关"),
        (W_.xf_transfer, PetitionTransfer(CLERK, org_id="dp-nowhere"), "单位「dp-nowhere」不存在或已停用"),
        (W_.xf_transfer, PetitionTransfer(CLERK, org_id="dp-zhujian", note="\x1b[31m"), "内容含有不允许的控制字符，请删除后重新提交"),
        (W_.xf_decline, PetitionDecline(CLERK, DeclineGround.CONCLUDED, "已终结"), "只有已终结事项的重复信访可以「不再受理」"),
        (W_.xf_decline, PetitionDecline(CLERK, DeclineGround.NOT_A_PETITION, " "), "请填写不予受理的理由"),
        (W_.xf_answer, answer(), "信访事项当前处于「登记待受理」阶段，不能办理此操作"),
        (W_.xf_press, PetitionPress(CLERK, "快办"), "只有信访部门负责人可以办理此操作"),
        (W_.xf_transfer, PetitionTransfer(Actor("ghost", Role.PETITION_CLERK, "xf-bureau"), org_id="dp-zhujian"),
         "办理人账号不存在或已停用"),
        (W_.recompute_deadlines, RecomputeDeadlines(CLERK), "只有系统管理员可以重算时限"),
    ]  # fmt: skip
    for update, decision, message in cases:
        assert await refused(h, update, decision) == message, decision


async def test_refusals_of_the_unit_and_the_higher_bodies(dev_client: Client, task_queue: str) -> None:
    h = await start_petition(dev_client, task_queue)
    await act(h, "xf_transfer", PetitionTransfer(CLERK, org_id="dp-zhujian", mode=TransferMode.ASSIGN))
    assert await refused(h, W_.xf_accept, PetitionAccept(OTHER_UNIT)) == "此信访事项不由您所在的单位办理"
    assert await refused(h, W_.xf_object, PetitionObjection(UNIT, " ")) == "请填写异议理由"
    await act(h, "xf_accept", PetitionAccept(UNIT))
    refusals = [
        (W_.xf_request_extension, PetitionExtensionRequest(UNIT, days=31, reason="复杂"), "延长期限须在 1 到 30 日之间"),
        (W_.xf_decide_extension, PetitionExtensionDecision(UNIT_HEAD, approve=True), "没有待审批的延期申请"),
        (W_.xf_object, PetitionObjection(UNIT, "不属于本单位"), "信访事项当前处于「办理中」阶段，不能办理此操作"),
        (W_.xf_deliver, DeliveryRecord(CLERK, DeliveryMethod.MAIL, received_at=datetime.now(UTC)),
         "信访事项当前处于「办理中」阶段，不能办理此操作"),
    ]  # fmt: skip
    for update, decision, message in refusals:
        assert await refused(h, update, decision) == message, decision
    await act(h, "xf_request_extension", PetitionExtensionRequest(UNIT, days=10, reason="需要勘验"))
    for head, message in (
        (OTHER_HEAD, "只有办理单位本单位的负责人可以批准延期"),
        (BUREAU_HEAD, "只有办理单位负责人可以批准延期"),
    ):
        assert (
            await refused(h, W_.xf_decide_extension, PetitionExtensionDecision(head, approve=True)) == message
        )
    assert await refused(h, W_.xf_answer, answer()) == "延期申请正在审批中，请待审批后再出具意见"
    await act(h, "xf_decide_extension", PetitionExtensionDecision(UNIT_HEAD, approve=False, note="按期办结"))
    await act(h, "xf_answer", answer())
    snapshot = await h.query(W.snapshot)
    issued = snapshot.documents[-1].issued_at
    assert await refused(
        h, W_.xf_deliver, DeliveryRecord(CLERK, DeliveryMethod.MAIL, issued - timedelta(days=2))
    ) == ("送达时间不能早于意见书出具日期")
    await act(h, "xf_deliver", DeliveryRecord(CLERK, DeliveryMethod.MAIL, issued))
    # 复查 goes to the level above the handling unit (the district government), nowhere else.
    wrong_body = ReviewRequest(PETITIONER, reasons="不服", org_id="city")
    assert await refused(h, W_.xf_request_review, wrong_body) == "复查应当由原办理机关的上一级机关（hj）办理"
    assert (
        await refused(h, W_.xf_request_review, ReviewRequest(UNIT, "不服", "hj"))
        == "只有信访部门登记受理人员可以办理此操作"
    )
    await act(h, "xf_request_review", ReviewRequest(PETITIONER, reasons="不服", org_id="hj"))
    assert await refused(h, W_.xf_decide_review, review_opinion(RECHECKER)) == "此信访事项的复查不由您所在的机关办理"  # fmt: skip
    assert REVIEWER.org_id == "hj"


@pytest.mark.parametrize("about_officials", [False, True])
async def test_an_accusation_never_goes_to_the_accused(
    dev_client: Client, task_queue: str, about_officials: bool
) -> None:
    reg = petition(
        matter_type=MatterType.ACCUSATION, accused_org_id="dp-chengguan", about_officials=about_officials
    )
    h = await start_petition(dev_client, task_queue, reg)
    accused = PetitionTransfer(CLERK, org_id="dp-chengguan")
    assert await refused(h, W_.xf_transfer, accused) == "检举控告事项不得转交被检举控告的单位办理"
    if about_officials:
        to_unit = PetitionTransfer(CLERK, org_id="dp-zhujian")
        assert await refused(h, W_.xf_transfer, to_unit) == "检举控告公职人员的事项应当转交纪检监察机关"
        await act(h, "xf_transfer", PetitionTransfer(CLERK, org_id=DISCIPLINE.org_id))
    else:
        await to_handling(h)


async def test_merge_refusals(dev_client: Client, task_queue: str) -> None:
    """并案 is the registering desk's, into another petition, with a reason (that the other petition
    exists and is open is the web's check against the read model)."""
    h = await start_petition(dev_client, task_queue)
    code = (await h.query(W.snapshot)).code
    cases = [
        (PetitionMerge(CLERK, into=code, reason="同一事项"), "信访事项不能并入它自己"),
        (PetitionMerge(CLERK, into=" ", reason="同一事项"), "请填写并入的信访事项编号"),
        (PetitionMerge(CLERK, into="XF-2026-999999", reason=" "), "请填写并案理由"),
        (PetitionMerge(UNIT, into="XF-2026-999999", reason="同一事项"), "只有信访部门登记受理人员可以办理此操作"),
    ]  # fmt: skip
    for decision, message in cases:
        assert await refused(h, W_.xf_merge, decision) == message, decision
