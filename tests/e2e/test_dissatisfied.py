"""Scenario 4: the resident rates 不满意; the leader reopens the case (once); the department
resubmits; the resident rates 基本满意. The tracking page, the leader's inbox and the department's
inbox each show where the case is."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from tests.e2e.pages import (
    accept,
    decide,
    expect_timeline,
    open_case,
    open_inbox,
    report_up,
    resident,
    row,
    sign_and_dispatch,
    sign_in,
    stage,
    status,
    timeline,
    unique,
)
from workdays import SHANGHAI

pytestmark = pytest.mark.e2e


async def rate(me: Page, value: str, comment: str = "", solved: str = "未解决") -> None:
    await me.get_by_label(solved, exact=True).check()
    await me.get_by_label(value, exact=True).check()
    await me.get_by_label("评价意见").fill(comment)
    await me.get_by_role("button", name="提交评价").click()


async def test_dissatisfied_reopened_and_rated_average(stack, browser, shots):
    title = unique("锦绣市场活禽摊点异味")
    me = await resident(browser, stack)
    await me.goto("/portal")
    await me.get_by_label("诉求标题").fill(title)
    await me.get_by_label("诉求内容").fill("菜市场活禽摊点每天清洗不及时，楼上住户闻到异味。")
    await me.locator("#community_org_id").select_option(label="锦绣社区")
    await me.get_by_label("姓名").fill("周敏")
    await me.get_by_label("联系电话").fill("13755556666")
    await me.get_by_role("button", name="提交诉求").click()
    tracking_url = await me.locator(".secret a").get_attribute("href")
    code = (await me.locator(".big-code").inner_text()).strip()
    assert tracking_url

    await report_up(await sign_in(browser, stack, "community-jinxiu"), code)
    await sign_and_dispatch(
        await sign_in(browser, stack, "street-dongcheng"), code, "区市场监管局", "一般（3 个工作日）"
    )
    shichang = await sign_in(browser, stack, "dept-shichang")
    await accept(shichang, code, "已告知群众，今日到市场检查")
    await decide(
        shichang, "办结并答复群众", text={"办理结果": "已责令摊主每日清洗两次"}, confirm="办理结果将答复群众"
    )
    await expect(stage(shichang)).to_have_text("群众评单")

    # 不满意 needs a reason: without one the page says so and the rating form stays.
    await me.goto(tracking_url)
    await rate(me, "不满意")
    await expect(me.get_by_role("alert")).to_have_text("请填写不满意的原因")
    await expect(me.locator(".stage")).to_have_text("已办结，请您评价")
    await expect(me.get_by_label("不满意", exact=True)).to_be_checked()  # the choice is kept
    await shots(me, "dissatisfied-without-reason")
    await rate(me, "不满意", "只清洗了一天，第二天又有异味")
    await expect(me.locator(".stage")).to_have_text("正在复查")
    await expect(me.get_by_role("button", name="提交评价")).to_have_count(0)
    await expect(me.locator(".timeline li").last).to_contain_text("评价：不满意")
    await expect(me.locator(".timeline li").last).to_contain_text("只清洗了一天，第二天又有异味")
    await shots(me, "track-under-review")

    # 复查: the leader linked to 东城街道 finds it waiting and reopens it once.
    leader = await sign_in(browser, stack, "leader-wang")
    await open_inbox(leader)
    item = row(leader, code)
    await expect(item).to_contain_text("待复查")
    await shots(leader, "leader-inbox")
    await item.locator("a.title").click()
    await expect(stage(leader)).to_have_text("领导复查")
    await expect(leader.locator("#case-details")).to_contain_text(
        "不满意 · 网上评价：只清洗了一天，第二天又有异味"
    )
    due = (datetime.now(SHANGHAI) + timedelta(days=3)).date().isoformat()
    await decide(
        leader, "重办", text={"重办要求": "请市场监管局建立每日巡查，三日内回访群众", "重办时限": due}
    )
    await expect(stage(leader)).to_have_text("部门办理")
    await expect(status(leader).locator(".tag", has_text="重办")).to_be_visible()
    await expect(leader.locator("#case-actions summary", has_text="重办")).to_have_count(0)  # once only
    await shots(leader, "reopened")

    # The department finds it back in its inbox and submits again.
    await open_inbox(shichang)
    await expect(row(shichang, code)).to_contain_text("待办结")
    await open_case(shichang, code)
    await expect(shichang.locator("#case-details")).not_to_contain_text("已责令摊主每日清洗两次")  # cleared
    await decide(
        shichang,
        "办结并答复群众",
        text={"办理结果": "已安装排风设备，每日巡查，群众回访确认异味消除"},
        confirm="办理结果将答复群众",
    )
    await expect(stage(shichang)).to_have_text("群众评单")

    # The resident rates again: 已解决 and 基本满意, and the case closes as rated (评价办结).
    await me.goto(tracking_url)
    await expect(me.locator(".stage")).to_have_text("已办结，请您评价")
    await expect(me.locator("main")).to_contain_text("已安装排风设备")
    await rate(me, "基本满意", "异味少了，希望坚持", solved="已解决")
    await expect(me.locator(".stage")).to_have_text("已结案")
    await expect(me.locator(".tag.ok")).to_have_text("评价办结")
    ratings = me.locator(".timeline .what", has_text="评价：")
    await expect(ratings).to_have_text(["评价：不满意", "评价：基本满意"])
    await shots(me, "track-closed")

    await open_case(shichang, code)
    await expect(stage(shichang)).to_have_text("已办结")
    given = shichang.locator("#case-details li")
    await expect(given).to_have_count(2)
    await expect(given.nth(0)).to_contain_text("不满意 · 网上评价：只清洗了一天，第二天又有异味")
    await expect(given.nth(1)).to_contain_text("已解决 · 基本满意 · 网上评价：异味少了，希望坚持")
    await expect(timeline(shichang).last).to_have_text("评价：基本满意")
    await expect_timeline(
        shichang,
        [
            "登记诉求",
            "分类研判",
            "上报街道",
            "签收",
            "派单",
            "接单",
            "报告办理结果",
            "评价：不满意",
            "重办",
            "报告办理结果",
            "评价：基本满意",
        ],
    )
    await shots(shichang, "closed")
