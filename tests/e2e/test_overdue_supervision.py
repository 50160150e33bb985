"""Scenario 2: a case under the drill policy (演练, clocks in seconds: an ordinary matter is due 20 s
after dispatch) runs past its deadline. The department watches its row turn amber, then red; the
leader finds it on the leader view and supervises it with a new deadline and a 约谈; the department
then sees it as supervised."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime, timedelta

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.pages import (
    accept,
    counts,
    expect_counts,
    open_case,
    open_inbox,
    register,
    report_up,
    row,
    sign_and_dispatch,
    sign_in,
    status,
    timeline,
    unique,
)
from workdays import SHANGHAI

pytestmark = pytest.mark.e2e

RED = "rgb(179, 38, 30)"  # --over
AMBER = "rgb(240, 160, 32)"  # --warn-bar
GREEN = "rgb(46, 125, 79)"  # --ok
COMPLETION_SECONDS = 20  # the drill policy's ordinary completion limit


async def reload_until(page: Page, item: Locator, css_class: str, seconds: float) -> None:
    """Reloads the inbox, as an officer pressing F5 would, until the row carries `css_class`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await page.reload()
        if await item.count() and css_class in (await item.get_attribute("class") or ""):
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"the row never became {css_class} in {seconds:.0f}s")


async def test_overdue_turns_red_and_the_leader_supervises(stack, browser, shots):
    title = unique("湖滨路口油烟扰民")
    grid = await sign_in(browser, stack, "grid-hubin")
    code = await register(grid, title, "湖滨社区", policy="演练（秒级时限）")
    await shots(grid, "registered-under-drill")

    await report_up(await sign_in(browser, stack, "community-hubin"), code)
    street = await sign_in(browser, stack, "street-xihu")
    dept = await sign_in(browser, stack, "dept-huanjing")  # ready before the 20 s start running
    await sign_and_dispatch(street, code, "区生态环境分局", "一般（20 秒）")
    dispatched = time.monotonic()
    await expect(status(street)).to_contain_text("演练（秒级时限）")
    await expect(status(street)).to_contain_text("一般（20 秒）")
    await shots(street, "dispatched")

    await accept(dept, code)
    await open_inbox(dept)
    item = row(dept, code)
    await expect(item).to_contain_text("待办结")
    await expect(item).to_have_class(re.compile(r"level-(ok|warn)"))  # in time (amber if the accept was slow)
    await shots(dept, "in-time")

    # 即将超期: amber at 80 % of the limit (16 s), for about four seconds.
    left = COMPLETION_SECONDS - (time.monotonic() - dispatched)
    await reload_until(dept, item, "level-warn", left + 2)
    await expect(item).to_have_css("border-left-color", AMBER)
    await expect(item.locator(".sla-text")).to_contain_text("剩余")
    await expect_counts(dept, {"soon": 1, "overdue": 0})
    await shots(dept, "warning-amber")

    # 超期: red once the deadline passes; the 已超期 tab counts it.
    await reload_until(dept, item, "level-over", COMPLETION_SECONDS)
    await expect(item).to_have_css("border-left-color", RED)
    await expect(item.locator(".sla-text")).to_have_text(re.compile(r"^超期 \d+ 分钟$"))
    await expect(item.locator(".sla-text")).to_have_css("color", RED)
    await expect_counts(dept, {"soon": 0, "overdue": 1})
    # The row turns red by the clock the page computes; the tag comes from the case's own overdue
    # timer, projected a moment later: reload (as the officer would) until it is there.
    for _ in range(30):
        if await item.locator(".tag.warn").count():
            break
        await asyncio.sleep(0.3)
        await dept.reload()
    await expect(item.locator(".tag.warn")).to_have_text("超期待督办")
    await shots(dept, "overdue-red")

    # 督单: the leader linked to 西湖街道 finds it on the leader view, under the department.
    leader = await sign_in(browser, stack, "leader-li")
    await leader.goto("/leader")
    board_item = row(leader, code)
    for _ in range(20):  # the overdue timer escalates it within a second or two of the deadline
        if await board_item.count():
            break
        await asyncio.sleep(0.5)
        await leader.reload()
    group = leader.locator(".group", has=board_item)
    await expect(group.get_by_role("heading")).to_contain_text("区生态环境分局")
    await expect(group.get_by_role("heading")).to_contain_text("1 件超期")
    await expect(board_item).to_have_css("border-left-color", RED)
    await expect(board_item.locator(".sla-text")).to_contain_text("超期")
    await expect(board_item.locator(".tag.warn")).to_have_text("超期待督办")
    await expect(leader.locator(".stat.over").first).to_contain_text("超期")
    await shots(leader, "leader-board")

    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).date()
    form = board_item.locator("details form")
    await board_item.locator("details summary").click()
    await form.get_by_label("督办意见").fill("请三日内整改到位，向群众反馈")
    await form.get_by_label("新的办结时限").fill(tomorrow.isoformat())
    await form.get_by_label("约谈部门负责人").check()
    await form.get_by_role("button", name="督办").click()
    await expect(leader.locator("#toasts .toast")).to_have_text("已提交：督办")
    await expect(board_item.locator("span.tag.info")).to_have_text("已督办")
    await expect(board_item.locator("span.tag.warn")).to_have_text("要求约谈")
    # 约谈 is a record: the board links to the form that records it (问责)
    await expect(board_item.locator("a.tag", has_text="记录约谈")).to_have_attribute(
        "href", re.compile(r"^/accountability/interviews/new\?")
    )
    await expect(leader.locator(".stat", has_text="已督办").locator("b")).to_have_text("1")
    await shots(leader, "leader-supervised")

    # The department: the 督办 tab counts it, the row is marked, the new deadline is not red.
    await open_inbox(dept, "supervised")
    before = await counts(dept)
    assert before["supervised"] == 1 and before["overdue"] == 0, before
    item = row(dept, code)
    await expect(item.locator(".tag.info")).to_have_text("已督办")
    await expect(item.locator(".tag.warn")).to_have_text("要求约谈")
    await expect(item).to_have_class(re.compile(r"level-ok"))
    await expect(item.locator(".sla-due")).to_contain_text(tomorrow.isoformat())
    await shots(dept, "department-supervised-tab")

    await open_case(dept, code)
    flags = dept.locator("#case-status .tag")
    await expect(flags.filter(has_text="已督办")).to_have_count(1)
    await expect(flags.filter(has_text="要求约谈")).to_have_count(1)
    await expect(timeline(dept).filter(has_text=re.compile(r"^\s*即将超期提醒"))).to_have_count(1)
    overdue = dept.locator("#case-timeline li", has=dept.locator(".what", has_text=re.compile(r"^\s*超期")))
    await expect(overdue).to_contain_text("已超期，转联点区领导督办")
    supervised = dept.locator(
        "#case-timeline li", has=dept.locator(".what", has_text=re.compile(r"^\s*督办"))
    )
    await expect(supervised).to_contain_text("请三日内整改到位，向群众反馈（约谈部门负责人）")
    await expect(supervised).to_contain_text("李秀英")
    await shots(dept, "department-case-page")
