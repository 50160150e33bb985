"""What a person does in the browser, as small steps the scenarios share: sign in, open a case,
send a decision through its form, read the inbox's tabs and rows, read the timeline.

Every helper works through what is on the screen (labels, summaries, buttons), as a user would;
none of them posts a form behind the page's back.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import Stack

PASSWORD = "liudan2026"
CODE = re.compile(r"[A-Z]{2}-\d{4}-\d{6}")
VIEWPORT = {"width": 1280, "height": 900}
# A decision is one Temporal Update and a projection; seconds, not minutes, even on a busy CI box.
DECIDE_TIMEOUT = 15_000


def unique(title: str) -> str:
    """A title no other case in this run has, so a search or a row locator finds exactly this case."""
    return f"{title}（{uuid.uuid4().hex[:6]}）"


async def new_context(browser: Browser, stack: Stack) -> BrowserContext:
    context = await browser.new_context(base_url=stack.web, locale="zh-CN", viewport=VIEWPORT)
    context.set_default_timeout(DECIDE_TIMEOUT)
    return context


async def sign_in(browser: Browser, stack: Stack, username: str) -> Page:
    """A fresh browser context (its own cookies) signed in as `username`, on its home page."""
    page = await (await new_context(browser, stack)).new_page()
    await page.goto("/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator(".topbar .who")).to_contain_text("退出")
    return page


async def resident(browser: Browser, stack: Stack) -> Page:
    """A resident's browser: no login."""
    return await (await new_context(browser, stack)).new_page()


# --- inbox -------------------------------------------------------------------------------------


async def open_inbox(page: Page, tab: str = "todo") -> None:
    await page.goto(f"/?tab={tab}")
    await expect(page.locator("#inbox")).to_be_visible()


def tab_count(page: Page, tab: str) -> Locator:
    """The badge on an inbox tab (待办 / 即将超期 / 已超期 / 督办 / 近期办结)."""
    return page.locator(f"#inbox .tabs a[data-tab='{tab}'] .count")


async def counts(page: Page) -> dict[str, int]:
    """Every tab's badge as the user reads it now."""
    out: dict[str, int] = {}
    for tab in ("todo", "soon", "overdue", "supervised", "done"):
        out[tab] = int((await tab_count(page, tab).inner_text()).strip())
    return out


def row(page: Page, code: str) -> Locator:
    """One case's row in an inbox, search result or leader board list."""
    return page.locator("li.item").filter(has=page.locator("a.code", has_text=code))


async def expect_counts(page: Page, expected: dict[str, int]) -> None:
    for tab, n in expected.items():
        await expect(tab_count(page, tab), f"badge of tab {tab}").to_have_text(str(n))


# --- case page ---------------------------------------------------------------------------------


async def open_case(page: Page, code: str) -> None:
    await page.goto(f"/cases/{code}")
    await expect(page.locator(".case-head")).to_contain_text(code)


def action_form(page: Page, title: str) -> Locator:
    """The decision form under its <summary> title (分类研判, 派单 …) in the case page's action panel."""
    details = page.locator("#case-actions details").filter(
        has=page.locator("summary", has_text=re.compile(f"^{re.escape(title)}$"))
    )
    return details.locator("form")


async def fill_form(
    form: Locator,
    *,
    check: Iterable[str] = (),
    select: dict[str, str] | None = None,
    text: dict[str, str] | None = None,
) -> None:
    """Fills a form by its labels: `check` radio buttons and boxes, `select` options, `text` fields."""
    details = form.locator("xpath=..")
    if not await details.evaluate("d => d.open"):
        await details.locator("summary").click()
    for name in check:
        await form.get_by_label(name, exact=True).check()
    for name, option in (select or {}).items():
        await form.get_by_label(name).select_option(label=option)
    for name, value in (text or {}).items():
        await form.get_by_label(name).fill(value)


async def submit(
    page: Page,
    title: str,
    *,
    check: Iterable[str] = (),
    select: dict[str, str] | None = None,
    text: dict[str, str] | None = None,
) -> Locator:
    """Fills and sends one decision form from the case page; returns the form."""
    form = action_form(page, title)
    await fill_form(form, check=check, select=select, text=text)
    await form.get_by_role("button", name=title, exact=True).click()
    return form


async def decide(
    page: Page,
    title: str,
    *,
    check: Iterable[str] = (),
    select: dict[str, str] | None = None,
    text: dict[str, str] | None = None,
    confirm: str = "",
) -> None:
    """Sends one decision from the case page and waits for its confirmation (已提交：<title>).
    `confirm`: the question a final decision asks first (its start), which the officer accepts."""
    asked: list[str] = []
    if confirm:

        async def accept(dialog: Any) -> None:
            asked.append(dialog.message)
            await dialog.accept()

        page.once("dialog", accept)
    await submit(page, title, check=check, select=select, text=text)
    await expect(page.locator("#case-actions .alert.success")).to_have_text(f"已提交：{title}")
    if confirm:
        assert asked and asked[0].startswith(confirm), asked


async def refused(
    page: Page,
    title: str,
    message: str,
    *,
    check: Iterable[str] = (),
    select: dict[str, str] | None = None,
    text: dict[str, str] | None = None,
) -> Locator:
    """Sends a decision that must be refused: the message shows inside that form, as typed."""
    form = await submit(page, title, check=check, select=select, text=text)
    await expect(form.locator(".form-error [role=alert]")).to_have_text(message)
    await expect(page.locator("#case-actions .alert.success")).to_have_count(0)
    return form


def timeline(page: Page) -> Locator:
    """The titles of the case page's timeline entries (办理记录), oldest first."""
    return page.locator("#case-timeline li .what")


async def expect_timeline(page: Page, titles: list[str]) -> None:
    """The timeline reads exactly these entries (an internal one carries its 内部 tag); it refreshes
    itself after a decision, so this waits for it."""
    expected = [re.compile(rf"^\s*{re.escape(t)}(\s*内部)?\s*$") for t in titles]
    await expect(timeline(page)).to_have_text(expected)


def status(page: Page) -> Locator:
    return page.locator("#case-status")


def stage(page: Page) -> Locator:
    return page.locator("#case-status .stage")


def assignments_row(page: Page, name: str) -> Locator:
    """A department's row in the case page's 承办部门 table."""
    return page.locator("#case-details tr", has_text=name)


def fact(page: Page, name: str) -> Locator:
    """One fact of the case status card (当前办理单位, 结案方式 …): the <dd> after its <dt>."""
    return page.locator("#case-status dt", has_text=name).locator("xpath=following-sibling::dd[1]")


# --- whole steps several scenarios share ------------------------------------------------------


async def register(
    page: Page, title: str, community: str, *, policy: str = "六单工作法", channel: str = "电话（12345 热线）"
) -> str:
    """An officer registers a resident's request on /cases/new (点单); returns the case code."""
    await page.goto("/cases/new")
    await page.get_by_label("来源渠道").select_option(label=channel)
    await page.get_by_label("姓名").fill("李建华")
    await page.get_by_label("联系电话").fill("13900001111")
    await page.locator("#community_org_id").select_option(label=community)
    await page.get_by_label("诉求标题").fill(title)
    await page.get_by_label("诉求内容").fill(f"{title}，请尽快处理。")
    await page.get_by_label("时限政策").select_option(label=policy)
    await page.get_by_role("button", name="登记并启动办理").click()
    await expect(page.get_by_role("heading", name="诉求已登记")).to_be_visible()
    code = (await page.locator(".big-code").inner_text()).strip()
    assert CODE.fullmatch(code), code
    return code


async def report_up(page: Page, code: str) -> None:
    """报单: the community triages the case (合理缓办, 基础建设) and reports it to the street."""
    await open_case(page, code)
    await decide(page, "分类研判", check=["合理缓办"], select={"诉求类别": "基础建设"})
    await decide(page, "上报街道", text={"上报说明": "请街道派单"})
    await expect(stage(page)).to_have_text("街道签收")


async def sign_and_dispatch(page: Page, code: str, department: str, difficulty: str) -> None:
    """派单: the street signs for the case and dispatches it to one department."""
    await open_case(page, code)
    await decide(page, "签收")
    await decide(page, "派单", check=[department, difficulty])
    await expect(stage(page)).to_have_text("部门接单")


async def accept(page: Page, code: str, response: str = "已电话联系群众，今日上门查看") -> None:
    """接单 with the same-day response."""
    await open_case(page, code)
    await decide(page, "接单", text={"当日首次响应内容": response})
    await expect(stage(page)).to_have_text("部门办理")
