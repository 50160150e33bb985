"""Scenario 1: the six orders clicked through by every role, from the resident's portal to the
resident's 满意. At each step: the inbox badges, the row, the timeline and the stage that each
person sees."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.pages import (
    CODE,
    assignments_row,
    counts,
    decide,
    expect_counts,
    expect_timeline,
    fact,
    open_case,
    open_inbox,
    resident,
    row,
    sign_in,
    stage,
    status,
    unique,
)

pytestmark = pytest.mark.e2e

# The htmx inbox polls every 15 s; a user who waits sees the new case without reloading.
INBOX_REFRESH = 20_000


async def test_resident_to_satisfied_through_every_role(stack, browser, shots):
    title = unique("清河小区南门路灯不亮")

    community = await sign_in(browser, stack, "community-qinghe")
    await open_inbox(community)
    community_before = await counts(community)

    # 点单: the resident submits on the portal and keeps the code and the private link.
    me = await resident(browser, stack)
    await me.goto("/portal")
    await expect(me.get_by_role("heading", name="反映诉求")).to_be_visible()
    await me.get_by_label("诉求标题").fill(title)
    await me.get_by_label("诉求内容").fill("南门外三盏路灯坏了两周，晚上回家很黑。")
    await me.get_by_label("事发地点").fill("清河小区南门")
    await me.locator("#community_org_id").select_option(label="清河社区")
    await me.get_by_label("姓名").fill("张秀兰")
    await me.get_by_label("联系电话").fill("13812341234")
    await me.get_by_label("住址").fill("清河小区3栋2单元501")
    await shots(me, "portal-filled")
    await me.get_by_role("button", name="提交诉求").click()
    await expect(me.get_by_role("heading", name="提交成功")).to_be_visible()
    code = (await me.locator(".big-code").inner_text()).strip()
    assert CODE.fullmatch(code), code
    tracking_url = await me.locator(".secret a").get_attribute("href")
    assert tracking_url and "/track/" in tracking_url
    await shots(me, "portal-submitted")

    # 报单: the community's inbox picks it up on its own (no reload), masked phone, task 待研判.
    item = row(community, code)
    await expect(item).to_be_visible(timeout=INBOX_REFRESH)
    await expect(item).to_contain_text(title)
    await expect(item).to_contain_text("待研判")
    await expect(item).to_contain_text("138****1234")
    await expect(item).not_to_contain_text("13812341234")
    await expect_counts(community, {"todo": community_before["todo"] + 1})
    await shots(community, "community-inbox")

    await item.locator("a.title").click()
    await expect(stage(community)).to_have_text("社区报单")
    await expect_timeline(community, ["登记诉求"])
    await decide(
        community,
        "分类研判",
        check=["合理缓办"],
        select={"诉求类别": "基础建设"},
        text={"研判意见": "属实，路灯归住建管护，线路归城管"},
    )
    await expect(status(community)).to_contain_text("基础建设")
    await expect(status(community)).to_contain_text("合理缓办")
    await decide(community, "上报街道", text={"上报说明": "涉及两个部门，请街道协调"})
    await expect(stage(community)).to_have_text("街道签收")
    await expect_timeline(community, ["登记诉求", "分类研判", "上报街道"])
    await shots(community, "community-reported")
    await open_inbox(community)
    await expect(row(community, code)).to_have_count(0)
    await expect_counts(community, {"todo": community_before["todo"]})

    # 派单: the street signs for it and dispatches it to 住建 (lead) and 城管.
    street = await sign_in(browser, stack, "street-dongcheng")
    await open_inbox(street)
    await expect(row(street, code)).to_contain_text("待签收")
    street_todo = (await counts(street))["todo"]
    await shots(street, "street-inbox")
    await open_case(street, code)
    await decide(street, "签收", text={"备注": "已签收"})
    await expect(stage(street)).to_have_text("街道派单")
    await decide(
        street,
        "派单",
        check=["区住建局", "区城管局", "一般（3 个工作日）"],
        select={"牵头单位": "区住建局"},
        text={"派单意见": "住建牵头修复路灯，城管排查线路"},
    )
    await expect(stage(street)).to_have_text("部门接单")
    await expect(fact(street, "当前办理单位")).to_have_text(
        re.compile("^(区住建局、区城管局|区城管局、区住建局)$")
    )
    await expect(assignments_row(street, "区住建局")).to_contain_text("牵头")
    await expect(assignments_row(street, "区城管局")).not_to_contain_text("牵头")
    await expect_timeline(street, ["登记诉求", "分类研判", "上报街道", "签收", "派单"])
    await shots(street, "street-dispatched")
    await open_inbox(street)
    await expect(row(street, code)).to_have_count(0)
    await expect_counts(street, {"todo": street_todo - 1})

    # 接单: both departments find it in their inbox and accept with a same-day response.
    zhujian = await sign_in(browser, stack, "dept-zhujian")
    chengguan = await sign_in(browser, stack, "dept-chengguan")
    for dept, response in (
        (chengguan, "已电话联系群众，今日排查线路"),
        (zhujian, "已电话联系群众，今日派人查看灯具"),
    ):
        await open_inbox(dept)
        await expect(row(dept, code)).to_contain_text("待接单")
        await open_case(dept, code)
        await decide(dept, "接单", text={"当日首次响应内容": response})
    await expect(stage(zhujian)).to_have_text("部门办理")
    await expect(assignments_row(zhujian, "区城管局")).to_contain_text("今日排查线路")
    await expect(assignments_row(zhujian, "区住建局")).to_contain_text("今日派人查看灯具")
    await shots(zhujian, "departments-accepted")

    # 办结: the co-department reports, then the lead unit submits the result.
    await open_inbox(chengguan)
    await expect(row(chengguan, code)).to_contain_text("待办结")
    await open_case(chengguan, code)
    # The co-department's report goes to the lead unit, named so; no confirmation asked.
    await decide(chengguan, "报送协办情况", text={"协办情况": "线路已排查，供电正常"})
    await expect(stage(chengguan)).to_have_text("部门办理")  # the lead unit closes it, not the co-unit
    await open_case(zhujian, code)
    await decide(
        zhujian,
        "办结并答复群众",
        text={"办理结果": "三盏路灯已更换灯具，恢复照明"},
        confirm="办理结果将答复群众",
    )
    await expect(stage(zhujian)).to_have_text("群众评单")
    await expect(status(zhujian)).to_contain_text("三盏路灯已更换灯具")
    await shots(zhujian, "lead-submitted")
    await open_inbox(zhujian, "done")
    await expect(row(zhujian, code)).to_be_visible()

    # 评单: the resident follows the private link and rates 满意.
    await me.goto(tracking_url)
    await expect(me.locator(".stage")).to_have_text("已办结，请您评价")
    await expect(me.locator("main")).to_contain_text("三盏路灯已更换灯具，恢复照明")
    progress = await me.locator(".timeline .what").all_inner_texts()
    assert progress[0] == "登记诉求" and "接单" in progress and progress[-1] == "报告办理结果"
    await expect(me.locator("main")).not_to_contain_text("研判意见")  # internal notes stay inside
    await shots(me, "track-to-rate")
    await me.get_by_label("已解决", exact=True).check()
    await me.get_by_label("满意", exact=True).check()
    await me.get_by_label("评价意见").fill("修得很快，谢谢")
    await me.get_by_role("button", name="提交评价").click()
    await expect(me.locator(".stage")).to_have_text("已结案")
    await expect(me.locator(".tag.ok")).to_have_text("评价办结")
    await expect(me.get_by_role("button", name="提交评价")).to_have_count(0)
    await shots(me, "track-rated")

    # The final state, as the community officer reads it.
    await open_case(community, code)
    await expect(stage(community)).to_have_text("已办结")
    await expect(status(community)).to_contain_text("评价办结")
    ratings = community.locator("section", has=community.get_by_role("heading", name="群众评价"))
    await expect(ratings).to_contain_text("已解决 · 满意 · 网上评价：修得很快，谢谢")
    await expect_timeline(
        community,
        [
            "登记诉求",
            "分类研判",
            "上报街道",
            "签收",
            "派单",
            "接单",
            "接单",
            "报送协办情况",  # the co-department's report to the lead unit (internal)
            "报告办理结果",
            "评价：满意",
        ],
    )
    await shots(community, "closed")
