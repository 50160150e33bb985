"""The inbox: each role's work, tabs with counts, filters, paging, claims, self-refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from store.models import InboxItem
from tests.utils.cases import COMMUNITY, STREET
from tests.utils.web import decide_as, new_case
from web.services import directory_admin
from workflows.types import Action, Category, Escalation, ReportUp, SignDecision, TriageDecision, Urgency


def tab_count(html: str, tab: str) -> int:
    marker = f'data-tab="{tab}"'
    start = html.index(marker)
    count = html.index('class="count', start)
    return int(html[html.index(">", count) + 1 : html.index("</span>", count)])


async def test_each_org_sees_its_own_work_as_the_case_moves(app, browser):
    code, _ = await new_case(app)
    community, street = await browser("community-qinghe"), await browser("street-dongcheng")
    home = await community.get("/")
    assert code in home.text and "待研判" in home.text
    assert "138****1234" in home.text and "13812341234" not in home.text  # masked in lists
    assert 'hx-trigger="every 15s, inbox-changed from:body"' in home.text
    assert code not in (await street.get("/")).text
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.INFRASTRUCTURE)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    # The street's inbox refreshing itself (htmx polling) shows the new report without a reload.
    fragment = await street.get("/", htmx=True, target="inbox")
    assert fragment.text.lstrip().startswith('<section id="inbox"') and "<html" not in fragment.text
    assert code in fragment.text and "待签收" in fragment.text
    assert code not in (await community.get("/")).text
    done = await community.get("/?tab=done")
    assert code in done.text  # handled recently
    other = await browser("community-hubin")
    assert code not in (await other.get("/")).text and code not in (await other.get("/?tab=done")).text


async def test_tabs_count_due_soon_overdue_and_supervised(app, browser, engine):
    codes = [(await new_case(app, title=f"事项{i}"))[0] for i in range(4)]
    now = datetime.now(UTC)
    with Session(engine) as s:
        items = {i.case_code: i for i in s.exec(select(InboxItem)).all()}
        items[codes[0]].warn_at, items[codes[0]].due_at = now - timedelta(hours=1), now + timedelta(hours=5)
        items[codes[1]].warn_at, items[codes[1]].due_at = now - timedelta(days=2), now - timedelta(days=1)
        for item in items.values():
            s.add(item)
        s.commit()
    await decide_as(app, codes[2], Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.DISPUTE))
    await decide_as(app, codes[2], Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, codes[2], Action.SIGN, SignDecision(STREET))
    await decide_as(app, codes[2], Action.ESCALATE, Escalation(STREET, "需领导协调"))
    community = await browser("community-qinghe")
    home = await community.get("/")
    assert (tab_count(home.text, "todo"), tab_count(home.text, "soon"), tab_count(home.text, "overdue")) == (
        3,
        1,
        1,
    )
    soon = await community.get("/?tab=soon")
    assert codes[0] in soon.text and "sla-warn" in soon.text
    overdue = await community.get("/?tab=overdue")
    assert codes[1] in overdue.text and "超期 1 天" in overdue.text and "sla-over" in overdue.text
    leader = await browser("leader-wang")
    supervised = await leader.get("/?tab=supervised")
    assert (
        codes[2] in supervised.text
        and tab_count(supervised.text, "supervised") == 1
        and "待督办" in supervised.text
    )


async def test_filters_and_paging(app, browser):
    first, _ = await new_case(app, title="垃圾清运不及时", reporter_name="李四", category="environment")
    for i in range(21):
        await new_case(app, title=f"路面破损{i}")
    community = await browser("community-qinghe")
    page1 = await community.get("/")
    assert "第 1 / 2 页，共 22 条" in page1.text
    page2 = await community.get("/?page=2")
    assert "第 2 / 2 页" in page2.text and page2.text.count('class="item ') == 2
    for query in (f"text={first}", "text=李四", "text=垃圾", "category=environment"):
        found = await community.get(f"/?{query}")
        assert first in found.text and found.text.count('class="item ') == 1, query
    assert first not in (await community.get("/?urgency=urgent")).text
    assert first in (await community.get("/?stage=report")).text
    bad = await community.get("/?stage=nowhere")
    assert bad.status_code == 422 and "阶段：选项无效" in bad.text


async def test_claim_inside_the_org(app, browser, engine):
    code, _ = await new_case(app)
    directory_admin.create_user(
        engine,
        directory_admin.NewUser(
            username="community-qinghe2",
            display_name="清河社区副书记",
            role="community",
            org_id="cm-qinghe",
            password="another-password",
        ),
    )
    first = await browser("community-qinghe")
    second = await browser()
    assert (await second.login("community-qinghe2", "another-password")).status_code == 303
    await first.get("/")
    claimed = await first.post(f"/inbox/{code}/claim", htmx=True, target="")
    assert claimed.status_code == 204 and "inbox-changed" in claimed.headers["HX-Trigger"]
    assert (
        "认领人： 清河社区书记" in (await second.get("/")).text
        or "清河社区书记" in (await second.get("/")).text
    )
    refused = await second.post(f"/inbox/{code}/claim", htmx=True)
    assert refused.status_code == 409 and "toast" in refused.headers["HX-Trigger"]
    assert code in (await first.get("/?mine=1")).text
    assert code not in (await second.get("/?mine=1")).text
    assert (await first.post(f"/inbox/{code}/release")).status_code == 303
    assert code not in (await first.get("/?mine=1")).text
    # A case that is not in the org's inbox cannot be claimed.
    street = await browser("street-dongcheng")
    assert (await street.post(f"/inbox/{code}/claim")).status_code == 409


async def test_grid_worker_and_admin_homes(app, browser):
    code, _ = await new_case(app)
    grid = await browser("grid-qinghe")
    home = await grid.get("/")
    assert code in home.text and "认领" not in home.text.split('id="inbox"')[1]
    admin = await browser("admin")
    response = await admin.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/cases"
    assert code in (await admin.get("/cases")).text
