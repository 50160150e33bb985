"""The requests that go up, clicked through: a department's 退单 is a request the street refuses (with a
reason) and later agrees to; a 特别难 matter's lead unit asks (提请) its 分管区领导, who sets the limit."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.async_api import expect

from tests.e2e.pages import (
    accept,
    action_form,
    decide,
    open_case,
    refused,
    register,
    report_up,
    sign_and_dispatch,
    sign_in,
    stage,
    unique,
)
from workdays import SHANGHAI

pytestmark = pytest.mark.e2e


async def test_a_return_request_refused_then_agreed(stack, browser, shots):
    community = await sign_in(browser, stack, "community-qinghe")
    code = await register(community, unique("楼道灯不亮"), "清河社区")
    await report_up(community, code)
    street = await sign_in(browser, stack, "street-dongcheng")
    await sign_and_dispatch(street, code, "区住建局", "一般（3 个工作日）")

    department = await sign_in(browser, stack, "dept-zhujian")
    department.on("dialog", lambda dialog: dialog.accept())  # 确定向街道申请退单吗？
    await open_case(department, code)
    await decide(department, "退单", text={"退单理由": "楼道灯属物业管理，不属住建局职责"})
    await expect(stage(department)).to_have_text("部门接单")  # still theirs until the street agrees
    await shots(department, "return-requested")

    await open_case(street, code)
    form = action_form(street, "审核退单")
    await expect(form).to_contain_text("区住建局申请退单：楼道灯属物业管理，不属住建局职责")
    await refused(street, "审核退单", "请填写不同意退单的理由", check=["不同意，由该部门继续办理"])
    await decide(
        street, "审核退单", check=["不同意，由该部门继续办理"], text={"审核意见": "请住建局督促物业维修"}
    )
    await expect(stage(street)).to_have_text("部门接单")
    await shots(street, "return-refused")

    await open_case(department, code)
    await decide(department, "退单", text={"退单理由": "经核实，属城管局路灯所"})
    await open_case(street, code)
    await decide(street, "审核退单", check=["同意，重新派单"])
    await expect(stage(street)).to_have_text("街道派单")
    await shots(street, "return-agreed")


async def test_a_very_hard_limit_asked_of_and_set_by_the_portfolio_leader(stack, browser, shots):
    community = await sign_in(browser, stack, "community-qinghe")
    code = await register(community, unique("老旧小区管网改造"), "清河社区")
    await report_up(community, code)
    street = await sign_in(browser, stack, "street-dongcheng")
    await sign_and_dispatch(street, code, "区住建局", "特别难（提请分管区领导定时限）")
    department = await sign_in(browser, stack, "dept-zhujian")
    await accept(department, code)
    await decide(
        department,
        "提请确定办结时限",
        text={"建议办结时限（工作日）": "40", "提请理由": "涉及管网改造，需要招标"},
    )
    await shots(department, "limit-requested")

    leader = await sign_in(browser, stack, "leader-wang")  # 分管区住建局
    await open_case(leader, code)
    form = action_form(leader, "确定办结时限")
    await expect(form).to_contain_text("建议 40 个工作日")
    due = (datetime.now(SHANGHAI) + timedelta(days=60)).date().isoformat()
    await decide(leader, "确定办结时限", text={"确定的办结时限": due, "意见": "同意，按期办结"})
    await expect(leader.locator("#case-status")).to_contain_text("领导确定的办结时限")
    await shots(leader, "limit-set")
