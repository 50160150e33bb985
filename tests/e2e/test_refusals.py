"""Scenario 3: a refused action shows its message on the page, where it was made, and changes
nothing: a form with a mistake, a stale form sent from a second window after the first moved the case
on, a department pressing 接单 twice, and a department opening a case dispatched to others."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.pages import (
    accept,
    decide,
    expect_timeline,
    open_case,
    open_inbox,
    refused,
    register,
    report_up,
    row,
    sign_in,
    stage,
    status,
    submit,
    unique,
)

pytestmark = pytest.mark.e2e

BEFORE_DISPATCH = ["登记诉求", "分类研判", "上报街道", "签收"]


async def test_refusals_show_on_the_page_and_change_nothing(stack, browser, shots):
    title = unique("迎宾社区低保申请无人答复")
    code = await register(await sign_in(browser, stack, "grid-yingbin"), title, "迎宾社区")
    await report_up(await sign_in(browser, stack, "community-yingbin"), code)

    # The same street officer has the case open in two windows.
    first = await sign_in(browser, stack, "street-dongcheng")
    await open_case(first, code)
    await decide(first, "签收")
    second = await sign_in(browser, stack, "street-dongcheng")
    await open_case(second, code)
    await expect(stage(second)).to_have_text("街道派单")

    # A mistake in the form: the refusal sits in the form, the typed note stays, nothing moved.
    form = await refused(
        second, "派单", "请至少选择一个承办部门", text={"派单意见": "请民政局核实低保申请进度"}
    )
    await expect(form.get_by_label("派单意见")).to_have_value("请民政局核实低保申请进度")
    await expect(stage(second)).to_have_text("街道派单")
    await expect_timeline(second, BEFORE_DISPATCH)
    await shots(second, "dispatch-without-department")

    # The first window dispatches to 民政; the second, stale, still offers 派单 and sends it to 住建: it
    # is told who dispatched and when, and the page turns to the case as it is now, without a reload.
    await decide(first, "派单", check=["区民政局", "一般（3 个工作日）"])
    await expect(stage(first)).to_have_text("部门接单")
    await submit(second, "派单", check=["区住建局", "一般（3 个工作日）"])
    stale = second.locator("#case-actions .alert.info")
    await expect(stale).to_contain_text("此案件已由东城街道受理员于")
    await expect(stale).to_contain_text("派单，页面已更新为当前状态")
    await expect(stage(second)).to_have_text("部门接单")
    await shots(second, "stale-dispatch-refused")
    await second.reload()
    await expect(stage(second)).to_have_text("部门接单")
    await expect_timeline(second, [*BEFORE_DISPATCH, "派单"])
    await expect(status(second)).to_contain_text("区民政局")
    await expect(status(second)).not_to_contain_text("区住建局")
    # Nothing left for the street to decide, but to press the departments (催办, 跟单).
    await expect(second.locator("#case-actions details")).to_have_count(1)
    await expect(second.locator("#case-actions details summary")).to_contain_text("催办")

    # 接单 pressed again from a second window of the same department.
    minzheng = await sign_in(browser, stack, "dept-minzheng")
    again = await sign_in(browser, stack, "dept-minzheng")
    await open_case(again, code)
    await accept(minzheng, code)
    await submit(again, "接单", text={"当日首次响应内容": "再次答复"})
    await expect(again.locator("#case-actions .alert.info")).to_contain_text("此案件已由区民政局承办员于")
    await shots(again, "accept-twice-refused")
    await again.reload()
    await expect_timeline(again, [*BEFORE_DISPATCH, "派单", "接单"])
    await expect(again.locator("#case-details")).not_to_contain_text("再次答复")

    # Another department: the case is not in its inbox and its page is not found, not even by link.
    gongan = await sign_in(browser, stack, "dept-gongan")
    await open_inbox(gongan)
    await expect(row(gongan, code)).to_have_count(0)
    response = await gongan.goto(f"/cases/{code}")
    assert response is not None and response.status == 404
    await expect(gongan.get_by_role("heading", level=1)).to_be_visible()
    await expect(gongan.locator("main")).to_contain_text("案件不存在，或不在您的权限范围内。")
    await expect(gongan.locator("main")).not_to_contain_text(title)
    await shots(gongan, "other-department-not-found")
    await gongan.goto(f"/cases?text={code}")
    await expect(gongan.locator("main")).to_contain_text("没有符合条件的案件。")

    # Nothing any of the refusals did shows on the case.
    await open_case(minzheng, code)
    await expect_timeline(minzheng, [*BEFORE_DISPATCH, "派单", "接单"])
    await expect(stage(minzheng)).to_have_text("部门办理")
