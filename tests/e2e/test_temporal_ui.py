"""Scenario 5: the case page's link opens the case's workflow in the Temporal UI, where an admin reads
it: the workflow named after the case, its summary (the code), its current details (stage,
holder, deadline), and every deadline as a named timer in the timeline and the event history."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.pages import open_case, register, report_up, sign_and_dispatch, sign_in, unique

pytestmark = pytest.mark.e2e

# The Temporal UI is a single-page app that fetches the workflow after it loads.
SPA = 30_000


async def test_case_page_opens_its_workflow_with_named_timers(stack, browser, shots):
    title = unique("李家村通组公路塌方")
    code = await register(await sign_in(browser, stack, "grid-lijia"), title, "李家村")
    await report_up(await sign_in(browser, stack, "community-lijia"), code)
    street = await sign_in(browser, stack, "street-nanshan")
    await sign_and_dispatch(street, code, "区交通运输局", "一般（3 个工作日）")

    await open_case(street, code)
    link = street.get_by_role("link", name="在 Temporal UI 中查看")
    await expect(link).to_have_attribute(
        "href", f"{stack.temporal_ui}/namespaces/default/workflows/case-{code}"
    )
    await expect(link).to_have_attribute("target", "_blank")
    async with street.context.expect_page() as opened:
        await link.click()
    ui = await opened.value
    ui.set_default_timeout(SPA)
    await ui.set_viewport_size({"width": 1400, "height": 1800})  # the SPA scrolls inside; show more

    # The workflow page: case-<code>, running, CaseWorkflow, on the timeline view.
    await expect(ui).to_have_url(re.compile(rf"/namespaces/default/workflows/case-{code}/[0-9a-f-]+/"))
    await expect(ui.get_by_role("heading", level=1)).to_contain_text(f"case-{code}", timeout=SPA)
    await expect(ui.get_by_role("status").first).to_have_text("Running")
    await expect(ui.get_by_role("link", name="CaseWorkflow")).to_be_visible()
    # Every clock is a named timer; the open ones show as bars in the timeline.
    timeline = ui.locator("main")
    await expect(timeline.get_by_text("部门办结时限", exact=False).first).to_be_visible()
    await expect(timeline.get_by_text("部门首次响应时限", exact=False).first).to_be_visible()
    await shots(ui, "temporal-timeline")

    # The event history: the summary of the start event, and a Timer Started for each clock.
    await ui.get_by_role("tab", name=re.compile(r"^Event History")).click()
    await expect(ui).to_have_url(re.compile(r"/history$"))
    history = ui.locator("main")
    await expect(history.get_by_text(code, exact=True).first).to_be_visible()
    for clock in ("社区报单时限", "街道签收时限", "街道派单时限", "部门首次响应时限", "部门办结时限"):
        await expect(history.get_by_text(f"{clock}·即将超期", exact=True).first).to_be_visible()
    await expect(history.get_by_text("Timer Started").first).to_be_visible()
    await shots(ui, "temporal-event-history")

    # User metadata: the summary, and current details naming the stage and the deadline.
    await ui.get_by_role("tab", name="User Metadata").click()
    # Summary and current details are markdown, which the UI renders in sandboxed frames.
    await expect(ui.locator("main iframe")).to_have_count(2)
    summary = ui.frame_locator("main iframe").first.locator("body")
    await expect(summary).to_have_text(code)  # never the resident's own words: they may be personal
    details = ui.frame_locator("main iframe").last.locator("body")
    await expect(details).to_contain_text("部门接单")
    await expect(details).to_contain_text("部门办结时限")
    await shots(ui, "temporal-user-metadata")
