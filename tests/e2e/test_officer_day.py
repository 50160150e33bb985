"""Issue 13 in the browser: the resident's tracking page (stepper, QR, copy, thanks), bulk 签收 from
the street's inbox, the case page on a phone with its actions first, and no console errors or failed
requests on any officer page or the portal."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Request, Response, expect

from tests.e2e.pages import (
    DECIDE_TIMEOUT,
    open_case,
    open_inbox,
    register,
    report_up,
    resident,
    row,
    sign_in,
    unique,
)

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


async def portal_case(browser: Browser, stack, title: str) -> tuple[Page, str, str]:  # type: ignore[no-untyped-def]
    """A resident files a request on the portal; their page, the case code and the tracking link."""
    me = await resident(browser, stack)
    await me.goto("/portal")
    await me.get_by_label("诉求标题").fill(title)
    await me.get_by_label("诉求内容").fill("东门外的井盖松动，踩上去会响，晚上看不清。")
    await me.locator("#community_org_id").select_option(label="清河社区")
    await me.get_by_label("姓名").fill("陈立")
    await me.get_by_label("联系电话").fill("13711112222")
    await me.get_by_role("button", name="提交诉求").click()
    link = await me.locator(".secret a").get_attribute("href")
    code = (await me.locator(".big-code").inner_text()).strip()
    assert link and "/track/" in link
    return me, code, urlparse(link).path


async def test_the_tracking_page_shows_the_stepper_and_a_qr_code(stack, browser, shots):
    me, _, link = await portal_case(browser, stack, unique("清河东门井盖松动"))
    await me.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await me.goto(link)
    stepper = me.locator("ol.stepper li")
    await expect(stepper).to_have_count(5)
    await expect(me.locator("ol.stepper li.step-done .step-name")).to_have_text(["点单"])
    await expect(me.locator("ol.stepper li[aria-current=step] .step-name")).to_have_text("报单")
    await expect(me.locator("#track-expected")).to_contain_text("职能部门接单后显示")
    await expect(me.locator("#track-request")).to_contain_text("井盖松动")
    qr = me.locator("#track-link svg.qr")
    await expect(qr).to_be_visible()
    box = await qr.bounding_box()
    assert box and box["width"] >= 100 and box["height"] >= 100
    assert (await me.locator("#track-url").input_value()).endswith(link)
    copy = me.get_by_role("button", name="复制链接")
    await expect(copy).to_be_visible()  # shown by script, which can copy
    await copy.click()
    await expect(me.locator("#toasts .toast")).to_have_text(re.compile("已复制|无法自动复制"))
    await expect(me.locator("#notice-choices")).to_be_attached()
    await shots(me, "tracking-stepper-qr")
    # On a phone the stepper still fits across the screen.
    await me.set_viewport_size(PHONE)
    await me.reload()
    width = await me.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    await shots(me, "tracking-phone")
    await me.context.close()


async def test_a_street_signs_for_two_reports_at_once(stack, browser, shots):
    community = await sign_in(browser, stack, "community-qinghe")
    codes = []
    for title in (unique("清河公园长椅损坏"), unique("清河公园路灯不亮")):
        code = await register(community, title, "清河社区")
        await report_up(community, code)
        codes.append(code)
    street = await sign_in(browser, stack, "street-dongcheng")
    await open_inbox(street)
    for code in codes:
        await expect(row(street, code)).to_be_visible()
        await row(street, code).locator("label.item-pick input.pick").check()
    await street.locator("#bulk-form textarea[name=note]").fill("批量签收")
    await shots(street, "inbox-ticked")
    await street.get_by_role("button", name="批量签收").click()
    result = street.locator("#bulk-result")
    await expect(result).to_contain_text("签收：成功 2 件，未办理 0 件", timeout=DECIDE_TIMEOUT * 2)
    for code in codes:
        await expect(result.locator("li", has_text=code)).to_contain_text("已签收")
        await expect(row(street, code)).to_contain_text("街道派单")  # the list refreshed itself
    await shots(street, "bulk-signed")
    # Keyboard: j moves to the first case, Enter opens it.
    await street.locator("h1").click()
    await street.keyboard.press("j")
    await expect(street.locator("#inbox li.item.kb-current")).to_have_count(1)
    await street.keyboard.press("Enter")
    await expect(street).to_have_url(re.compile(r"/cases/"))
    await street.context.close()
    await community.context.close()


async def test_on_a_phone_the_case_page_shows_its_actions_first(stack, browser, shots):
    community = await sign_in(browser, stack, "community-qinghe")
    code = await register(community, unique("清河菜场排水沟堵塞"), "清河社区")
    await report_up(community, code)
    await community.context.close()

    street = await sign_in(browser, stack, "street-dongcheng")
    await street.set_viewport_size(PHONE)
    await open_inbox(street)
    # The top bar folds behind a menu button; the filters behind theirs; the tabs fit the width.
    menu = street.locator(".menu-toggle")
    await expect(menu).to_be_visible()
    await expect(street.locator(".topbar .nav")).to_be_hidden()
    await expect(street.locator("#inbox-filters")).to_be_hidden()
    tabs = street.locator("#inbox .tabs")
    assert await tabs.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    assert await street.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await shots(street, "phone-inbox")
    await menu.click()
    await expect(street.locator(".topbar .nav")).to_be_visible()
    await shots(street, "phone-menu-open")
    await street.locator(".filters-toggle").click()
    await expect(street.locator("#inbox-filters")).to_be_visible()

    await open_case(street, code)
    sign = street.locator("#case-actions details").filter(has=street.locator("summary", has_text="签收"))
    await expect(sign.locator("button[type=submit]")).to_be_in_viewport()
    await expect(street.locator("#case-actions")).to_be_in_viewport()
    assert await street.evaluate("window.scrollY") == 0
    await street.screenshot(path=str(shots.dir / "phone-case-viewport.png"))
    await shots(street, "phone-case")
    await street.context.close()


# --- no console errors ----------------------------------------------------------------------------

ROLES = (
    "grid-qinghe", "community-qinghe", "street-dongcheng", "dept-zhujian", "leader-wang", "supervision",
    "discipline", "admin", "xf-clerk",
)  # fmt: skip


class Problems:
    """Console errors, page errors, failed requests and error responses seen on a page."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        self.where = ""
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"{self.where}: page error {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.seen.append(f"{self.where}: console {message.type}: {message.text}")

    def _failed(self, request: Request) -> None:
        # A poll cut short by the next navigation is not a failure of the page.
        if request.failure and "ERR_ABORTED" not in request.failure:
            self.seen.append(f"{self.where}: request failed {request.url} {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.seen.append(f"{self.where}: {response.status} {response.url}")


async def visit(page: Page, problems: Problems, url: str) -> None:
    problems.where = url
    await page.goto(url)
    await page.wait_for_load_state("networkidle")


async def test_no_console_errors_on_any_page(stack, browser, shots):
    me, code, link = await portal_case(browser, stack, unique("清河南门积水"))
    problems = Problems(me)
    for url in ("/portal", link, "/login"):
        await visit(me, problems, url)
    await shots(me, "portal-clean")
    await me.context.close()
    for username in ROLES:
        page = await sign_in(browser, stack, username)
        problems = Problems(page)
        hrefs = await page.locator(".topbar .nav a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        for url in dict.fromkeys(["/", *hrefs]):
            await visit(page, problems, url)
        if username in ("community-qinghe", "admin"):
            await visit(page, problems, f"/cases/{code}")
        assert not problems.seen, username + "\n" + "\n".join(problems.seen)
        await page.context.close()
