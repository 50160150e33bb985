"""Two officers on one case (issue 13): each sees that the other has it open, and one officer's
decision reaches the other's open page in one request, its next poll, with every part that changed
(status, timeline, forms) swapped in from that one response; the officer who decided gets the whole
page back in the response to the decision itself; and an officer who leaves the page is no longer
named at the other's next poll."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Request, expect

from tests.e2e.pages import decide, open_case, register, report_up, sign_in, stage, timeline, unique

pytestmark = pytest.mark.e2e
POLL_MS = 15_000


def case_requests(page: Page, code: str) -> list[Request]:
    """Every request the page sends about this case from now on (the bell in the top bar aside)."""
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if f"/cases/{code}" in r.url else None)
    return seen


async def test_two_officers_see_each_other_and_a_decision_reaches_the_other_in_one_request(
    stack, browser, shots
):
    community = await sign_in(browser, stack, "community-qinghe")
    code = await register(community, unique("清河小区楼道灯坏"), "清河社区")
    await report_up(community, code)  # the community's page stays open on the case

    street = await sign_in(browser, stack, "street-dongcheng")
    await open_case(street, code)
    await expect(street.locator("#case-presence")).to_have_text("清河社区书记（清河社区）正在查看此案件")
    # The community's page learns of the street at its next poll (its clock is run forward to it).
    await community.clock.install()
    await open_case(community, code)
    await community.clock.run_for(POLL_MS + 500)
    await expect(community.locator("#case-presence")).to_have_text("东城街道受理员（东城街道）正在查看此案件")
    await expect(community.locator("#case-presence")).not_to_contain_text("清河社区书记")
    await shots(street, "street-sees-community")

    # The street signs: its own page comes back whole in the response to the decision.
    sent = case_requests(street, code)
    await decide(street, "签收")
    await expect(stage(street)).to_have_text("街道派单")
    await expect(timeline(street).last).to_contain_text("签收")
    await street.wait_for_timeout(1500)  # the events that used to fetch each part would have fired
    assert [(r.method, r.url.split(code, 1)[1]) for r in sent] == [("POST", "/actions/sign")]

    # The community's open page: one poll brings the stage, the timeline and the forms as they are.
    polls = case_requests(community, code)
    await expect(stage(community)).to_have_text("街道签收")  # not yet
    await community.clock.run_for(POLL_MS + 500)
    await expect(stage(community)).to_have_text("街道派单")
    await expect(timeline(community).last).to_contain_text("签收")
    await community.wait_for_timeout(1000)
    assert len(polls) == 1 and polls[0].method == "GET" and "seen=" in polls[0].url, [r.url for r in polls]
    await shots(community, "community-updated-in-one-request")

    # The street leaves the case page (its pagehide beacon): the community's next poll no longer names it.
    await street.goto("/")
    await community.wait_for_timeout(1000)  # the beacon is sent as the page goes, not awaited by it
    await community.clock.run_for(POLL_MS + 500)
    await expect(community.locator("#case-presence")).to_have_text("")
    await street.context.close()
    await community.context.close()
