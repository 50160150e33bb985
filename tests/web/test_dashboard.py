"""The dashboard, rankings and monthly report: figures of cases driven through real decisions match
the data layer (store.metrics, store.charts, store.rankings), and who may see which figures."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

from markupsafe import escape
from sqlmodel import Session, select

from store.charts import stage_funnel
from store.metric_defs import DEFINITIONS
from store.metrics import org_metrics
from store.models import Case
from store.periods import Period, local_date
from store.rankings import rankings
from store.scopes import Scope
from tests.utils.cases import CHENGGUAN, COMMUNITY, OTHER_COMMUNITY, RESIDENT, STREET, ZHUJIAN
from tests.utils.web import decide_as, new_case
from workflows.types import (
    AcceptDecision,
    Action,
    Category,
    Difficulty,
    DispatchDecision,
    RatingDecision,
    RatingValue,
    ReportUp,
    ResultSubmission,
    SignDecision,
    TriageDecision,
    Urgency,
)

OFFICERS = {"dp-zhujian": ZHUJIAN, "dp-chengguan": CHENGGUAN}


async def rated_case(app, departments=("dp-zhujian",), value=RatingValue.SATISFIED, **changes) -> str:  # type: ignore[no-untyped-def]
    """A case of 清河 (东城街道) walked through the six orders by real decisions, then rated."""
    code, _ = await new_case(app, **changes)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.LIVELIHOOD)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY, "需部门办理"))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    lead = departments[0]
    await decide_as(
        app, code, Action.DISPATCH, DispatchDecision(STREET, list(departments), Difficulty.ORDINARY, lead)
    )
    for d in departments:
        await decide_as(app, code, Action.ACCEPT, AcceptDecision(OFFICERS[d], "已电话联系群众"))
    for d in sorted(departments, key=lambda d: d == lead):  # the lead unit completes it, last
        await decide_as(app, code, Action.SUBMIT_RESULT, ResultSubmission(OFFICERS[d], "已办结"))
    await decide_as(app, code, Action.RATE, RatingDecision(RESIDENT, value, "办得好", solved=True))
    return code


async def triaged_case(app, community=OTHER_COMMUNITY, community_id="cm-hubin") -> str:  # type: ignore[no-untyped-def]
    """A 湖滨 (西湖街道) case, triaged, waiting to be reported."""
    from tests.utils.cases import ADMIN

    code, _ = await new_case(app, ADMIN, community_org_id=community_id, reporter_phone="13900009999")
    await decide_as(app, code, Action.TRIAGE, TriageDecision(community, Urgency.URGENT, Category.ENVIRONMENT))
    return code


def covering_period(engine) -> Period:  # type: ignore[no-untyped-def]
    """A custom period holding every case's receipt and completion, and the whole day after.

    The time-skipping server's clock may run ahead of the wall clock (other tests skip time), so
    the test reads the moments the workflow recorded rather than assuming today.
    """
    with Session(engine) as session:
        cases = session.exec(select(Case)).all()
    moments = [m for c in cases for m in (c.received_at, c.completed_at, c.closed_at) if m is not None]
    return Period.custom(min(map(local_date, moments)), max(map(local_date, moments)) + timedelta(days=1))


def card_value(page: str, key: str) -> str:
    found = re.search(rf'id="metric-{key}">.*?<div class="metric-value">([^<]*)</div>', page, re.S)
    assert found, key
    return found.group(1)


def chart_option(page: str, chart_id: str) -> dict:
    found = re.search(rf'id="{chart_id}">.*?data-chart="([^"]*)"', page, re.S)
    assert found, chart_id
    return json.loads(html.unescape(found.group(1)))


async def test_dashboard_figures_match_the_data_layer(app, browser, engine):
    await rated_case(app)
    await rated_case(app, value=RatingValue.AVERAGE, reporter_phone="13812341234")  # a repeat request
    await triaged_case(app)
    period = covering_period(engine)
    supervision = await browser("supervision")
    page = await supervision.get(f"/dashboard?period={period.key}&scope=hj")
    assert page.status_code == 200, page.text
    district = org_metrics(engine, period, Scope.district("hj"))
    assert district.received == 3 and district.repeat_requests == 1
    for key in DEFINITIONS:
        assert card_value(page.text, key) == district.display(key), key
    # Definitions on hover, the composite's formula, the change since the period before (no data then).
    assert f'title="{escape(DEFINITIONS["satisfaction"].definition)}"' in page.text
    assert "三率加权得分 = 100 ×（0.3 × 响应率 + 0.3 × 解决率 + 0.4 × 满意率）" in page.text
    assert "满意 1 · 基本满意 1 · 不满意 0" in page.text and "上期无数据" in page.text
    # Each chart's option and its table come from the same ChartData.
    funnel = stage_funnel(engine, period, Scope.district("hj"))
    option = chart_option(page.text, "chart-funnel")
    assert option["xAxis"]["data"] == funnel.labels
    assert [s["data"] for s in option["series"]] == [s.values for s in funnel.series]
    assert '<th scope="row">评单</th><td class="num">2</td>' in page.text
    assert {"chart-intake", "chart-on-time", "chart-overdue", "chart-satisfaction"} <= set(
        re.findall(r'id="(chart-[a-z-]+)"', page.text)
    )
    # A street's own figures, as its leader sees them by default; a fragment for htmx.
    leader = await browser("leader-wang")
    street = org_metrics(engine, period, Scope.street("st-dongcheng"))
    mine = await leader.get(f"/dashboard?period={period.key}", htmx=True, target="figures")
    assert mine.text.lstrip().startswith('<section id="figures"') and "<html" not in mine.text
    assert card_value(mine.text, "received") == "2" == street.display("received")
    assert card_value(mine.text, "composite") == street.display("composite")
    # A department's: 签收 is not its to measure.
    dept = await browser("dept-zhujian")
    own = await dept.get(f"/dashboard?period={period.key}")
    department = org_metrics(engine, period, Scope.department("dp-zhujian"))
    assert card_value(own.text, "responded") == department.display("responded")
    assert card_value(own.text, "signed_on_time") == "不适用"


async def test_period_picker_and_bad_periods(app, browser):
    supervision = await browser("supervision")
    month = await supervision.get("/dashboard?kind=month&day=2026-03-17&scope=st-xihu")
    assert month.status_code == 200 and "西湖街道 · 2026年3月" in month.text
    assert 'href="/dashboard?period=2026-02&amp;scope=st-xihu"' in month.text  # ‹ 上期
    assert 'href="/dashboard?period=2026-04&amp;scope=st-xihu"' in month.text  # 下期 ›
    custom = await supervision.get("/dashboard?kind=custom&start=2026-03-01&end=2026-03-15")
    assert custom.status_code == 200 and "2026年3月1日—2026年3月15日" in custom.text
    assert 'href="/dashboard?period=2026-02-14..2026-02-28&amp;scope=hj"' in custom.text
    quarter = await supervision.get("/dashboard?period=2026-Q1")
    assert quarter.status_code == 200 and "2026年第1季度" in quarter.text
    for bad in ("period=2026-13", "kind=custom&start=2026-03-05&end=2026-03-01", "period=soon"):
        refused = await supervision.get(f"/dashboard?{bad}")
        assert refused.status_code == 422 and "统计周期" in refused.text, bad


async def test_who_sees_which_figures(app, browser):
    expectations = {
        # user: (scopes offered, a scope refused)
        "leader-wang": ({"st-dongcheng", "cm-qinghe", "cm-yingbin", "cm-jinxiu"}, "st-xihu"),
        "dept-zhujian": ({"dp-zhujian"}, "dp-chengguan"),
        "street-xihu": ({"st-xihu", "cm-hubin", "cm-wenhua"}, "hj"),
        "grid-qinghe": ({"cm-qinghe"}, "cm-yingbin"),
    }
    for username, (offered, refused) in expectations.items():
        b = await browser(username)
        page = await b.get("/dashboard")
        assert page.status_code == 200, username
        assert set(re.findall(r'<option value="((?:st|cm|dp|hj)[a-z-]*)"', page.text)) == offered, username
        no = await b.get(f"/dashboard?scope={refused}")
        assert no.status_code == 403 and "无权查看该单位的统计数据" in no.text, username
        assert (await b.get(f"/dashboard/report?scope={refused}")).status_code == 403
        assert (await b.get(f"/ledger?scope={refused}")).status_code == 403
        assert (await b.get("/dashboard?scope=nowhere")).status_code == 403
    for username in ("supervision", "admin", "discipline"):
        page = await (await browser(username)).get("/dashboard")
        assert page.status_code == 200 and "和静区 · " in page.text and 'value="dp-gongan"' in page.text
    # The notice board: leaders, the supervision office, the discipline commission, admins.
    for username, status in (
        ("leader-wang", 200),
        ("supervision", 200),
        ("dept-zhujian", 403),
        ("street-xihu", 403),
    ):
        b = await browser(username)
        board = await b.get("/dashboard/rankings")
        assert board.status_code == status, username
        assert ('href="/dashboard/rankings"' in board.text) == (status == 200), username  # the nav link
    assert "排名仅向区领导、督查室、纪工委和系统管理员开放" in board.text


async def test_rankings_board_with_ties_and_moves(app, browser, engine):
    await rated_case(app, departments=("dp-zhujian", "dp-chengguan"))
    period = covering_period(engine)
    leader = await browser("leader-wang")
    board = await leader.get(f"/dashboard/rankings?period={period.key}&by=completed_on_time")
    assert board.status_code == 200
    expected = rankings(engine, period, "department", "completed_on_time")
    rows = re.findall(
        r'<tr class="(unranked)?" data-org="([a-z-]+)">\s*<td class="rank-no">([^<]*)', board.text
    )
    assert [(org, rank.strip()) for _, org, rank in rows] == [
        (r.org_id, str(r.rank) if r.rank else "—") for r in expected
    ]
    # Both departments completed it on time: a tie at 1, both new on the board (no data before).
    assert [r.rank for r in expected[:2]] == [1, 1] and {r.org_id for r in expected[:2]} == {
        "dp-zhujian",
        "dp-chengguan",
    }
    assert board.text.count('<span class="tag info">并列</span>') == 2
    assert board.text.count('<span class="move move-new">新</span>') == 2
    streets = await leader.get(
        f"/dashboard/rankings?period={period.key}&group=street", htmx=True, target="figures"
    )
    assert streets.text.lstrip().startswith('<section id="figures"') and "东城街道" in streets.text
    bad = await leader.get("/dashboard/rankings?by=nonsense")
    assert bad.status_code == 422


async def test_monthly_report_prints_the_figures_rankings_and_tables(app, browser, engine):
    await rated_case(app)
    period = covering_period(engine)
    supervision = await browser("supervision")
    report = await supervision.get(f"/dashboard/report?period={period.key}")
    assert report.status_code == 200
    text = report.text
    assert "和静区诉求办理情况通报" in text and 'class="page page-report"' in text and "data-print" in text
    district = org_metrics(engine, period, Scope.district("hj"))
    found = re.search(r'id="report-satisfaction">.*?<td class="num">([^<]*)</td>', text, re.S)
    assert found and found.group(1) == district.display("satisfaction")
    assert "部门排名" in text and "街道排名" in text and "指标定义" in text
    assert "/static/vendor/echarts/echarts.min.js" not in text  # tables, not canvases, on paper
    # The default is this month (so far); a department's report is its own, without the district's board.
    dept = await (await browser("dept-zhujian")).get("/dashboard/report")
    assert dept.status_code == 200 and "区住建局诉求办理情况通报" in dept.text and "部门排名" not in dept.text


async def test_the_report_defaults_to_this_month_and_never_shows_todays_snapshot_as_a_past_month(
    app, browser, engine
):
    from web.services.dashboard_params import this_month

    await rated_case(app)
    supervision = await browser("supervision")
    report = await supervision.get("/dashboard/report")
    month = this_month()
    assert report.status_code == 200 and f"（{month.label}）" in report.text
    row = re.search(r'<tr class="trend-none" id="report-overdue_now">(.*?)</tr>', report.text, re.S)
    assert row and "当前超期（截至今日）" in row.group(1) and "不与上期比较" in row.group(1)
    assert "当前超期（截至今日）" in report.text.split('id="report-chart-overdue"', 1)[1]
    # Last month: no "now" figure printed as that month's, neither in the figures nor the tables.
    past = await supervision.get(f"/dashboard/report?period={month.previous().key}")
    row = re.search(r'<tr class="trend-none" id="report-overdue_now">(.*?)</tr>', past.text, re.S)
    assert row and '<td class="num">—</td>' in row.group(1) and "往期不适用" in row.group(1)
    assert "截至今日" not in past.text
    overdue_table = past.text.split('id="report-chart-overdue"', 1)[1].split("</table>", 1)[0]
    assert "当前超期" not in overdue_table and "本期曾超期" in overdue_table
    ranks = past.text.split("部门排名", 1)[1].split("</table>", 1)[0]
    assert "当前超期" not in ranks
