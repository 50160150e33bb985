"""Scenario 6: a reception day in the browser: an admin defines the leader's reception schedule, a
resident books the furthest slot on the portal and sees the booking, and the leader, on their day's
page, records the reception."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.pages import resident, sign_in, unique

pytestmark = pytest.mark.e2e


async def test_a_booking_and_the_leaders_day(stack, browser, shots):
    admin = await sign_in(browser, stack, "admin")
    await admin.goto("/admin/reception")
    title = unique("局长接待日")
    await admin.get_by_label("名称").fill(title)
    await admin.get_by_label("接访领导").select_option(label="王建国（副区长）")
    await admin.get_by_label("地点").fill("区信访局一楼接待大厅")
    await admin.get_by_label("周期").select_option(label="每个工作日")
    await admin.get_by_label("开始").fill("09:00")
    await admin.get_by_label("结束").fill("10:00")
    await admin.get_by_label("律师值班").check()
    await admin.get_by_role("button", name="保存").click()
    await expect(admin.locator("#schedules")).to_contain_text(title)

    visitor = await resident(browser, stack)
    await visitor.goto("/portal/reception")
    session = visitor.locator("section.session").filter(has_text=title).last
    await expect(session).to_contain_text("律师值班")
    slots = session.get_by_label("时段")
    await slots.select_option(index=await slots.locator("option").count() - 1)
    await session.get_by_label("姓名").fill("李桂芳")
    await session.get_by_label("联系电话").fill("13900001111")
    await session.get_by_label("反映事项").fill("拆迁补偿款未到位")
    await session.get_by_role("button", name="预约").click()
    await expect(visitor.locator("#appointment-status")).to_have_text("已预约")
    await shots(visitor, "booked")

    leader = await sign_in(browser, stack, "leader-wang")
    await leader.get_by_role("link", name="我的接访日").click()
    booking = leader.locator("#my-appointments .item").filter(has_text="李桂芳")
    await expect(booking).to_contain_text("拆迁补偿款未到位")
    await expect(leader.locator("#my-sessions")).to_contain_text(title)
    await booking.get_by_label("人次").fill("2")
    await booking.get_by_label("律师参与").check()
    await booking.get_by_role("button", name="登记接待").click()
    await expect(leader.locator("#my-appointments .item").filter(has_text="李桂芳")).to_contain_text("已接待")
    await shots(leader, "received")
    await visitor.reload()
    await expect(visitor.locator("#appointment-status")).to_have_text("已接待")
