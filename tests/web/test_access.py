"""Each officer sees only their own org's work: another org's case is "not found", in the pages
and in the API, for every role."""

from __future__ import annotations

import pytest

from tests.utils.cases import COMMUNITY, STREET
from tests.utils.web import api_token, decide_as, new_case
from workflows.types import (
    Action,
    Category,
    Difficulty,
    DispatchDecision,
    ReportUp,
    SignDecision,
    TriageDecision,
    Urgency,
)

# A case of 清河社区 (东城街道), dispatched to 区住建局.
INSIDERS = [
    "community-qinghe",
    "grid-qinghe",
    "street-dongcheng",
    "dept-zhujian",
    "leader-wang",
    "supervision",
    "admin",
]
OUTSIDERS = ["community-hubin", "grid-hubin", "street-xihu", "dept-gongan", "leader-li"]


@pytest.fixture
async def dispatched(app) -> str:
    code, _ = await new_case(app)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.INFRASTRUCTURE)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    await decide_as(app, code, Action.DISPATCH, DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY))
    return code


async def test_other_orgs_cases_are_not_found_in_the_pages(app, browser, dispatched):
    code = dispatched
    for username in OUTSIDERS:
        b = await browser(username)
        assert (await b.get(f"/cases/{code}")).status_code == 404, username
        assert (await b.get(f"/cases/{code}", htmx=True, target="case-status")).status_code == 404
        assert (await b.post(f"/cases/{code}/actions/supervise", {"note": "x"})).status_code == 404, username
        assert (await b.post(f"/cases/{code}/contact")).status_code == 404, username
        assert (await b.get(f"/cases/{code}/attachments/x.png")).status_code == 404
        assert f'href="/cases/{code}"' not in (await b.get(f"/cases?text={code}")).text, username
    for username in INSIDERS:
        b = await browser(username)
        page = await b.get(f"/cases/{code}")
        assert page.status_code == 200 and code in page.text, username
        assert f'href="/cases/{code}"' in (await b.get(f"/cases?text={code}")).text, username


async def test_other_orgs_cases_are_not_found_in_the_api(app, browser, dispatched):
    code = dispatched
    for username in OUTSIDERS:
        headers = api_token(app, username)
        b = await browser()
        read = await b.http.get(f"/api/v1/cases/{code}", headers=headers)
        assert read.status_code == 404 and read.json()["detail"] == "案件不存在，或不在您的权限范围内。", (
            username
        )
        act = await b.http.post(
            f"/api/v1/cases/{code}/decisions", json={"action": "accept", "response": "x"}, headers=headers
        )
        assert act.status_code == 404, username
        assert (await b.http.post(f"/api/v1/cases/{code}/contact", headers=headers)).status_code == 404
    for username in INSIDERS:
        b = await browser()
        read = await b.http.get(f"/api/v1/cases/{code}", headers=api_token(app, username))
        assert read.status_code == 200 and read.json()["code"] == code, username


async def test_role_pages_are_forbidden_to_other_roles(browser):
    community = await browser("community-qinghe")
    for url in ("/leader", "/admin/users", "/admin/orgs", "/admin/calendar"):
        response = await community.get(url)
        assert response.status_code == 403 and "无权访问" in response.text, url
    department = await browser("dept-zhujian")
    assert (await department.get("/cases/new")).status_code == 403
    assert (await department.post("/admin/users", {"username": "x"})).status_code == 403
