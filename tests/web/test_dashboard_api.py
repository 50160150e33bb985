"""The metrics API: the same figures and the same access rules as the dashboard, errors as JSON."""

from __future__ import annotations

from store.metric_defs import DEFINITIONS
from store.metrics import org_metrics
from store.rankings import rankings
from store.scopes import Scope
from tests.utils.web import api_token
from tests.web.test_dashboard import covering_period, rated_case
from web.api import PREFIX


async def test_metrics_api_follows_the_dashboard_rules(app, browser, engine):
    await rated_case(app)
    period = covering_period(engine)
    api = await browser()
    leader = api_token(app, "leader-wang")
    mine = await api.http.get(f"{PREFIX}/metrics", params={"period": period.key}, headers=leader)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["scope_org_id"] == "st-dongcheng" and body["scope_kind"] == "street"
    assert body["period"]["key"] == period.key and body["previous_period"]["key"] == period.previous().key
    street = org_metrics(engine, period, Scope.street("st-dongcheng"))
    figures = {f["key"]: f for f in body["figures"]}
    assert list(figures) == list(DEFINITIONS)
    for key, f in figures.items():
        assert (f["value"], f["display"]) == (street.value(key), street.display(key)), key
    assert (figures["completed_on_time"]["numerator"], figures["completed_on_time"]["denominator"]) == (1, 1)
    assert figures["received"]["previous"] == 0 and body["ratings"]["satisfied"] == 1
    assert body["composite_formula"].startswith("三率加权得分 = 100 ×")

    refused = await api.http.get(f"{PREFIX}/metrics", params={"scope": "st-xihu"}, headers=leader)
    assert refused.status_code == 403 and refused.json() == {
        "detail": "无权查看该单位的统计数据 (you may not see this org's figures)"
    }
    bad = await api.http.get(f"{PREFIX}/metrics", params={"period": "2026-13"}, headers=leader)
    assert bad.status_code == 422 and "统计周期无效" in bad.json()["detail"]
    assert (await api.http.get(f"{PREFIX}/metrics")).status_code == 401

    dept = api_token(app, "dept-zhujian")
    own = (await api.http.get(f"{PREFIX}/metrics", params={"period": period.key}, headers=dept)).json()
    assert own["scope_org_id"] == "dp-zhujian"
    assert (await api.http.get(f"{PREFIX}/metrics", params={"scope": "hj"}, headers=dept)).status_code == 403
    assert (await api.http.get(f"{PREFIX}/metrics/rankings", headers=dept)).status_code == 403

    supervision = api_token(app, "supervision")
    board = await api.http.get(
        f"{PREFIX}/metrics/rankings", params={"period": period.key, "group": "street"}, headers=supervision
    )
    assert board.status_code == 200
    expected = rankings(engine, period, "street", "composite")
    assert [(r["org_id"], r["rank"], r["change"]) for r in board.json()["rows"]] == [
        (r.org_id, r.rank, r.change_label) for r in expected
    ]
    district = await api.http.get(f"{PREFIX}/metrics", params={"scope": "hj"}, headers=supervision)
    assert district.status_code == 200 and district.json()["scope_name"] == "和静区"
    # The API's OpenAPI document lists the new routes.
    paths = (await api.http.get(f"{PREFIX}/openapi.json")).json()["paths"]
    assert f"{PREFIX}/metrics" in paths and f"{PREFIX}/metrics/rankings" in paths
