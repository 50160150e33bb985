"""The case page's one poll: answered from the read model while the case has not moved (no Temporal
query), with every changed part out of band in the same response once it has; the forms come back
only when the ones offered changed, so a form being typed into is never wiped for nothing; and who
else has the case open."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

import web.services.case_page as case_page
from store.models import Case
from tests.utils.cases import COMMUNITY, STREET
from tests.utils.web import decide_as, new_case
from workflows.types import (
    Action,
    Category,
    Difficulty,
    DispatchDecision,
    Reminder,
    ReportUp,
    SignDecision,
    TriageDecision,
    Urgency,
)

POLL = re.compile(r'hx-get="/cases/([^/?"]+)\?seen=(\d+)&amp;forms=([a-z_.]*)"')


def oob_parts(html: str) -> set[str]:
    return set(re.findall(r'id="([a-z-]+)"[^>]*hx-swap-oob="true"', html))


def poll_url(html: str) -> str:
    code, seen, forms = POLL.search(html).groups()
    return f"/cases/{code}?seen={seen}&forms={forms}"


async def poll(b, html: str):
    response = await b.get(poll_url(html), htmx=True, target="case-status")
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith('<section id="case-status"')  # the poll's own element
    return response


def presence_in(html: str) -> str:
    return html.split('<div id="case-presence"', 1)[1].split("</div>", 1)[0]


@pytest.fixture
def temporal_queries(monkeypatch):
    """Counts the snapshot queries the case page sends to Temporal."""
    calls: list[str] = []
    real = case_page.get_snapshot

    async def counted(client, code):  # type: ignore[no-untyped-def]
        calls.append(code)
        return await real(client, code)

    monkeypatch.setattr(case_page, "get_snapshot", counted)
    return calls


async def test_a_poll_of_a_case_that_did_not_move_reads_the_read_model_only(app, browser, temporal_queries):
    code, _ = await new_case(app)
    community = await browser("community-qinghe")
    page = await community.get(f"/cases/{code}")
    assert len(temporal_queries) == 1
    answer = await poll(community, page.text)
    assert temporal_queries == [code]  # none for the poll
    assert oob_parts(answer.text) == {"case-presence"}
    assert "社区报单时限" in answer.text and "case-actions" not in answer.text
    assert poll_url(answer.text) == poll_url(page.text)  # the page still shows the same version


async def test_a_decision_elsewhere_comes_back_in_the_next_poll_in_one_response(
    app, browser, temporal_queries
):
    code, _ = await new_case(app)
    street = await browser("street-dongcheng")
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.ENVIRONMENT)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    page = await street.get(f"/cases/{code}")
    assert "/actions/sign" in page.text
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))  # another street officer signs
    before = len(temporal_queries)

    answer = await poll(street, page.text)
    assert len(temporal_queries) == before + 1  # asked once, for everything that changed
    assert oob_parts(answer.text) == {
        "case-presence", "case-details", "case-timeline", "case-notices", "case-actions",
    }  # fmt: skip
    actions = answer.text.split('<section id="case-actions"', 1)[1]
    assert "/actions/dispatch" in actions and "/actions/sign" not in actions
    assert "此案件已由东城街道受理员于" in actions  # why the forms changed under the officer's hands
    assert "签收" in answer.text.split('<section id="case-timeline"', 1)[1]
    # The next poll knows the page is up to date again: no query, no parts.
    again = await poll(street, answer.text)
    assert oob_parts(again.text) == {"case-presence"} and len(temporal_queries) == before + 1


async def test_a_form_still_offered_is_not_wiped_when_the_case_moves(app, browser):
    code, _ = await new_case(app)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.ENVIRONMENT)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    dispatch = DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY)
    await decide_as(app, code, Action.DISPATCH, dispatch)
    department = await browser("dept-zhujian")
    page = await department.get(f"/cases/{code}")  # the 接单 form, perhaps half typed
    await decide_as(app, code, Action.REMIND, Reminder(STREET, "群众多次来电"))  # 催办: the same forms

    answer = await poll(department, page.text)
    assert "case-timeline" in oob_parts(answer.text) and "群众多次来电" in answer.text
    assert "case-actions" not in answer.text  # the form being typed into stays as it is


async def test_the_other_officers_on_the_case_show_and_never_oneself(app, browser):
    code, _ = await new_case(app)
    community, grid = await browser("community-qinghe"), await browser("grid-qinghe")
    page = await community.get(f"/cases/{code}")
    assert "正在查看此案件" not in page.text
    grid_page = await grid.get(f"/cases/{code}")
    assert "清河社区书记（清河社区）正在查看此案件" in grid_page.text
    assert "清河社区网格员" not in grid_page.text.split('id="case-presence"', 1)[1].split("</div>", 1)[0]
    answer = await poll(community, page.text)
    presence = answer.text.split('<div id="case-presence"', 1)[1].split("</div>", 1)[0]
    assert "清河社区网格员（清河社区）正在查看此案件" in presence and "清河社区书记" not in presence


async def test_an_officer_who_leaves_the_page_is_no_longer_named_at_the_next_poll(app, browser):
    """The page's pagehide beacon posts to its data-leave address (with the CSRF token in the form, as
    navigator.sendBeacon sends it); the other officer's next poll no longer names the one who left."""
    code, _ = await new_case(app)
    community, grid = await browser("community-qinghe"), await browser("grid-qinghe")
    page = await community.get(f"/cases/{code}")
    grid_page = await grid.get(f"/cases/{code}")
    leave = re.search(r'data-leave="([^"]+)"', grid_page.text).group(1)  # type: ignore[union-attr]
    assert leave == f"/cases/{code}/presence/leave"
    assert "清河社区网格员" in presence_in((await poll(community, page.text)).text)

    assert (await grid.post(leave, {}, csrf=False)).status_code == 403  # a forged beacon changes nothing
    assert "清河社区网格员" in presence_in((await poll(community, page.text)).text)
    assert (await grid.post(leave, {})).status_code == 204
    presence = (
        (await poll(community, page.text)).text.split('<div id="case-presence"', 1)[1].split("</div>", 1)[0]
    )
    assert "正在查看此案件" not in presence
    # Back on the page, the grid worker's own next beat names them again.
    await grid.get(f"/cases/{code}")
    assert "清河社区网格员" in presence_in((await poll(community, page.text)).text)


async def test_a_status_behind_the_workflow_says_so_and_polls_again_soon(app, browser, engine):
    code, _ = await new_case(app)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.ENVIRONMENT)
    )
    with Session(engine) as session:  # as if the projection of the triage had not landed yet
        row = session.get(Case, code)
        row.version -= 1
        session.add(row)
        session.commit()
    community = await browser("community-qinghe")
    page = await community.get(f"/cases/{code}")
    assert 'hx-trigger="load delay:1s, every 15s"' in page.text and "状态正在更新" in page.text
    # The quick poll that follows shows the read model as it is, and goes back to every 15 s.
    answer = await poll(community, page.text)
    assert 'hx-trigger="every 15s"' in answer.text and "状态正在更新" not in answer.text


async def test_a_poll_of_a_case_one_may_not_see_is_not_found(app, browser):
    code, _ = await new_case(app)
    community = await browser("community-qinghe")
    page = await community.get(f"/cases/{code}")
    outsider = await browser("community-hubin")
    response = await outsider.get(poll_url(page.text), htmx=True, target="case-status")
    assert response.status_code == 404
