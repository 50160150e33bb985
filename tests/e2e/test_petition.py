"""Scenario 5: a petition from the letter on the desk to 终结, in the browser, on the real stack:
the desk registers and transfers it, the unit accepts and answers, the desk records the delivery,
the petitioner asks for 复查 and then 复核 on their own link, the district and the city decide, and
every document prints with its number."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.pages import resident, sign_in, unique
from workdays import SHANGHAI

pytestmark = pytest.mark.e2e
PETITION = re.compile(r"XF-\d{4}-\d{6}")


def form(page: Page, action: str) -> Locator:
    return page.locator(f"form[data-action='{action}']")


async def send(page: Page, action: str, button: str, fields: dict[str, str] | None = None,
               selects: dict[str, str] | None = None) -> None:  # fmt: skip
    """Fills one of the petition page's decision forms as an officer would and sends it."""
    f = form(page, action)
    for name, value in (selects or {}).items():
        await f.get_by_label(name, exact=True).select_option(label=value)
    for name, value in (fields or {}).items():
        await f.get_by_label(name, exact=True).fill(value)
    await f.get_by_role("button", name=button).click()
    await expect(page.locator("p.flash")).to_contain_text(f"已{button}")


def now_local() -> str:
    return datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


async def open_petition(page: Page, code: str) -> None:
    await page.goto("/petitions")
    await page.locator("li.item a.code", has_text=code).click()
    await expect(page.locator("h1")).to_be_visible()


async def test_a_petition_from_the_desk_to_its_conclusion(stack, browser, shots):
    title = unique("低保资格被取消，请求复核")
    desk = await sign_in(browser, stack, "xf-clerk")
    await desk.get_by_role("link", name="信访登记").click()
    await desk.get_by_label("信访形式").select_option(label="来信")
    await desk.get_by_label("事项类型").select_option(label="申诉求决")
    await desk.get_by_label("姓名").fill("周建华")
    await desk.get_by_label("联系电话").fill("13807310011")
    await desk.get_by_label("身份证号（校验后只保存脱敏号码，用于识别同一信访人）").fill("430121196203150098")
    await desk.get_by_label("标题").fill(title)
    await desk.get_by_label("内容").fill("本人低保资格被取消，家庭情况并无变化，请求重新核查。")
    await desk.get_by_role("button", name="登记").click()
    await expect(desk.locator("p.flash").first).to_contain_text("已登记信访事项")
    code = PETITION.search(await desk.locator(".case-head .mono").inner_text()).group(0)  # type: ignore[union-attr]
    link = await desk.locator("p.flash .mono").inner_text()
    await shots(desk, "registered")
    await send(
        desk, "xf_transfer", "转送交办", {"意见": "请依法处理并书面答复"}, {"有权处理的机关": "区民政局"}
    )
    await expect(desk.locator(".stage")).to_have_text("转送待受理")

    unit = await sign_in(browser, stack, "dept-minzheng")
    await open_petition(unit, code)
    await send(unit, "xf_accept", "受理", {"告知内容（可选）": "承办人将在7日内联系您"})
    await expect(unit.locator(".stage")).to_have_text("办理中")
    await send(
        unit, "xf_answer", "出具处理意见书",
        {"查明事实": "经入户核查，家庭收入超过标准。", "理由和依据": "依据低保审核办法第七条。", "意见": "维持取消决定。"},
        {"结论": "不支持"},
    )  # fmt: skip
    await open_petition(desk, code)
    await send(desk, "xf_deliver", "登记送达", {"信访人收到时间": now_local()}, {"送达方式": "直接送达"})
    await expect(desk.locator(".stage")).to_have_text("复查申请期")

    petitioner = await resident(browser, stack)
    await petitioner.goto(link)
    await expect(petitioner.locator(".stage")).to_have_text("已答复；不服的可以申请复查")
    await petitioner.get_by_label("申请理由").fill("家庭收入计算有误")
    await petitioner.get_by_role("button", name="提交申请").click()
    await expect(petitioner.locator(".stage")).to_have_text("正在复查")
    await shots(petitioner, "review-requested")

    district = await sign_in(browser, stack, "reviewer-district")
    await open_petition(district, code)
    await send(district, "xf_decide_review", "出具复查意见书",
               {"理由和依据": "原处理意见认定事实清楚。", "意见": "维持原处理意见。"}, {"结论": "维持"})  # fmt: skip
    await send(district, "xf_deliver", "登记送达", {"信访人收到时间": now_local()}, {"送达方式": "邮寄送达"})

    await petitioner.reload()
    await petitioner.get_by_label("申请理由").fill("仍然不服")
    await petitioner.get_by_role("button", name="提交申请").click()
    await expect(petitioner.locator(".stage")).to_have_text("正在复核")

    city = await sign_in(browser, stack, "reviewer-city")
    await open_petition(city, code)
    await send(city, "xf_start_hearing", "举行听证", {"意见": "召开听证会"})
    await send(city, "xf_end_hearing", "听证结束", {"听证情况": "听取了信访人和民政局的意见"})
    await send(city, "xf_decide_recheck", "出具复核意见书",
               {"理由和依据": "复查意见正确。", "意见": "维持复查意见。"}, {"结论": "维持"})  # fmt: skip
    await send(city, "xf_deliver", "登记送达", {"信访人收到时间": now_local()}, {"送达方式": "直接送达"})
    await expect(city.locator(".stage")).to_have_text("已结束")
    await expect(city.locator("#petition-status")).to_contain_text("终结")
    await shots(city, "concluded")

    # Every document prints with its number; the petitioner reads the final one on their link.
    await petitioner.reload()
    await petitioner.get_by_role("link", name="复核意见书").click()
    await expect(petitioner.locator("h1")).to_have_text("信访事项复核意见书")
    await expect(petitioner.locator("body")).to_contain_text("不再受理")
    await shots(petitioner, "recheck-opinion")
