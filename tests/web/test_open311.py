"""Open311 GeoReport v2, driven as a GeoReport client drives it: discover the services, read one's
definition, POST a request with an admin-issued key, read it back in JSON and XML; bad keys and
bad input get the spec's error document and file nothing; admins issue and revoke keys."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from sqlmodel import Session, func, select

from store.models import Case, InboxItem
from store.open311 import Open311ApiKey, Open311Request
from tests.utils.cases import ADMIN, RESIDENT, STREET
from tests.utils.web import decide_as, snapshot
from web.ratelimit import SlidingWindowLimiter
from web.services.open311_keys import issue_key
from workdays import SHANGHAI
from workflows.types import Action, Category, Channel, Role, SignDecision, Stage, Withdrawal

V2 = "/open311/v2"
REQUEST = {
    "jurisdiction_id": "hj.liudan.local",
    "service_code": "streetlight",
    "attribute[community]": "cm-qinghe",
    "lat": "30.274085",
    "long": "120.155070",
    "address_string": "清河小区南门",
    "first_name": "秀兰",
    "last_name": "张",
    "phone": "13812341234",
    "email": "zhang@example.com",
    "description": "南门外三盏路灯坏了两周，晚上出行不安全。",
}
SECRET = re.compile(r"o311_[A-Za-z0-9_-]{20,}")


def new_key(app, name: str = "随手拍 App") -> str:
    return issue_key(app.state.engine, ADMIN, name).key


def counts(engine) -> tuple[int, int]:
    """Cases and Open311 records: what a refused request must leave as it was."""
    with Session(engine) as session:
        cases = session.exec(select(func.count()).select_from(Case)).one()
        requests = session.exec(select(func.count()).select_from(Open311Request)).one()
    return cases, requests


async def post(b, key: str | None, fmt: str = "json", headers=None, **changes):
    data = {**REQUEST, **changes}
    if key is not None:
        data["api_key"] = key
    data = {k: v for k, v in data.items() if v is not None}
    return await b.http.post(f"{V2}/requests.{fmt}", data=data, headers=headers or {})


def xml(response) -> ElementTree.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml")
    return ElementTree.fromstring(response.content)


def refused(response, status: int) -> list[str]:
    """The spec's JSON error document, every code the HTTP status; its descriptions."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body and all(e["code"] == status for e in body)
    return [e["description"] for e in body]


async def test_services_and_a_definition_in_json_and_xml(app, browser):
    client = await browser()
    services = await client.http.get(f"{V2}/services.json")
    assert services.status_code == 200
    assert services.headers["content-type"] == "application/json; charset=utf-8"
    listed = {s["service_code"]: s for s in services.json()}
    assert {"streetlight", "garbage", "dispute", "other"} <= set(listed)
    lamp = listed["streetlight"]
    assert lamp["service_name"] == "路灯不亮" and lamp["group"] == "基础建设"
    assert lamp["metadata"] is True and lamp["type"] == "realtime" and "路灯" in lamp["keywords"]

    root = xml(await client.http.get(f"{V2}/services.xml", params={"jurisdiction_id": "hj.liudan.local"}))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == list(listed)
    assert root.find("service/metadata").text == "true"  # type: ignore[union-attr]

    definition = (await client.http.get(f"{V2}/services/garbage.json")).json()
    assert definition["service_code"] == "garbage"
    (community,) = definition["attributes"]
    assert community["code"] == "community" and community["required"] is True
    assert community["datatype"] == "singlevaluelist" and community["variable"] is True
    assert {"key": "cm-qinghe", "name": "东城街道 清河社区"} in community["values"]
    root = xml(await client.http.get(f"{V2}/services/garbage.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "garbage"
    keys = [v.findtext("key") for v in root.findall("attributes/attribute/values/value")]
    assert "cm-hubin" in keys and root.findtext("attributes/attribute/required") == "true"

    assert "service_code=pothole" in refused(await client.http.get(f"{V2}/services/pothole.json"), 404)[0]
    wrong = await client.http.get(f"{V2}/services.xml", params={"jurisdiction_id": "sfgov.org"})
    assert wrong.status_code == 404 and xml(wrong).findtext("error/code") == "404"
    assert "sfgov.org" in xml(wrong).findtext("error/description")  # type: ignore[operator]
    refused(await client.http.get(f"{V2}/services.html"), 404)
    refused(await client.http.get(f"{V2}/discovery.json"), 404)


async def test_a_posted_request_becomes_a_case_in_the_communitys_inbox(app, browser, engine):
    key = new_key(app)
    client = await browser()
    filed = await post(client, key)
    assert filed.status_code == 201, filed.text
    (answer,) = filed.json()
    code = answer["service_request_id"]
    assert answer["service_notice"] and answer["account_id"] is None and "token" not in answer

    with Session(engine) as session:
        case = session.get(Case, code)
        assert case is not None and case.stage == Stage.REPORT and case.community_org_id == "cm-qinghe"
        assert case.category == Category.INFRASTRUCTURE and case.channel == Channel.WEB_PORTAL
        assert case.title.startswith("路灯不亮：南门外") and case.reporter_name == "张秀兰"
        assert case.location == "清河小区南门（经纬度 30.274085, 120.15507）"
        key_row = session.exec(select(Open311ApiKey)).one()
        assert case.registered_by == f"open311:{key_row.id}" and key_row.last_used_at is not None
        inbox = session.exec(select(InboxItem).where(InboxItem.case_code == code)).all()
    assert [(i.org_id, i.task) for i in inbox] == [("cm-qinghe", "triage")]
    snap = await snapshot(app, code)  # the workflow itself holds it, registered by the client
    assert (
        snap.registration.reporter.phone == "13812341234"
        and snap.registration.registered_by.role == Role.RESIDENT
    )
    assert snap.registration.registered_by.display_name == "随手拍 App"

    read = await client.http.get(f"{V2}/requests/{code}.json", params={"jurisdiction_id": "hj.liudan.local"})
    assert read.status_code == 200
    (request,) = read.json()
    assert request["service_request_id"] == code and request["status"] == "open"
    assert request["service_code"] == "streetlight" and request["service_name"] == "路灯不亮"
    assert request["status_notes"] == "社区正在核实" and request["agency_responsible"] == "清河社区"
    assert request["lat"] == 30.274085 and request["long"] == 120.15507
    assert request["address"] == case.location and request["description"] == REQUEST["description"]
    assert request["requested_datetime"].endswith("+08:00") and request["expected_datetime"]
    assert request["media_url"] is None
    for private in ("13812341234", "张秀兰", "秀兰", "zhang@example.com", "138****1234"):
        assert private not in read.text

    root = xml(await client.http.get(f"{V2}/requests/{code}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == code and root.findtext("request/status") == "open"
    assert root.findtext("request/lat") == "30.274085" and root.findtext("request/media_url") == ""

    refused(await client.http.get(f"{V2}/requests/T000000-2026-999999.json"), 404)


async def test_the_xml_answer_escapes_what_the_client_wrote(app, browser):
    key = new_key(app)
    client = await browser()
    words = '路灯<script>alert("x")</script> & 井盖 ]]> 也坏了'
    filed = await post(
        client, key, "xml", description=words, media_url="https://img.example.com/a.jpg?x=1&y=2"
    )
    assert filed.status_code == 201, filed.text
    code = xml(filed).findtext("request/service_request_id")
    request = xml(await client.http.get(f"{V2}/requests/{code}.xml")).find("request")
    assert request is not None
    assert request.findtext("description", "").startswith(words)
    assert request.findtext("media_url") == "https://img.example.com/a.jpg?x=1&y=2"


async def test_a_missing_unknown_or_revoked_key_is_refused(app, browser, engine):
    client = await browser()
    assert "缺少 api_key" in refused(await post(client, None), 403)[0]
    assert refused(await post(client, "o311_not-a-key"), 403) == ["api_key 无效。"]
    key = new_key(app)
    assert (await post(client, key)).status_code == 201
    with Session(engine) as session:
        key_id = session.exec(select(Open311ApiKey.id)).one()
    from web.services.open311_keys import revoke

    revoke(engine, ADMIN, key_id)
    before = counts(engine)
    revoked = await post(client, key, "xml")
    assert revoked.status_code == 403
    assert xml(revoked).findtext("error/description") == "该 api_key 已被系统管理员停用。"
    assert counts(engine) == before


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"service_code": None}, 400, "缺少 service_code"),
        ({"service_code": "pothole"}, 404, "service_code=pothole"),
        ({"jurisdiction_id": "sfgov.org"}, 404, "jurisdiction_id=sfgov.org"),
        ({"phone": "12345"}, 400, "联系电话：格式不正确（phone）"),
        ({"phone": ""}, 400, "联系电话（phone）"),
        ({"first_name": None, "last_name": None}, 400, "诉求人姓名"),
        ({"attribute[community]": None}, 400, "attribute[community]"),
        ({"attribute[community]": "cm-nowhere"}, 400, "cm-nowhere"),
        ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
        ({"lat": None, "long": None, "address_string": None}, 400, "请提供问题位置"),
        ({"lat": None, "long": None, "address_string": None, "address_id": "545483"}, 400, "address_id"),
        ({"long": None}, 400, "lat 与 long 须同时提供"),
        ({"lat": "91"}, 400, "WGS84"),
        ({"lat": "nan"}, 400, "WGS84"),
        ({"description": "  "}, 400, "description"),
        ({"description": "灯" * 4001}, 400, "（description）"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
async def test_bad_input_is_refused_and_files_nothing(app, browser, engine, changes, status, says):
    key = new_key(app)
    client = await browser()
    before = counts(engine)
    descriptions = refused(await post(client, key, **changes), status)
    assert any(says in d for d in descriptions), descriptions
    assert counts(engine) == before == (0, 0)


async def test_every_problem_is_named_at_once(app, browser, engine):
    key = new_key(app)
    client = await browser()
    response = await post(client, key, "xml", phone="12345", description="", **{"attribute[community]": ""})
    assert response.status_code == 400
    errors = xml(response).findall("error")
    assert all(e.findtext("code") == "400" for e in errors)
    assert [e.findtext("description") for e in errors] == [
        "请用 attribute[community] 指明问题所在的村（社区），可选值见该服务的定义。",
        "请描述诉求内容（description）。",
        "联系电话：格式不正确（phone）",
    ]
    assert counts(engine) == (0, 0)


async def test_a_retry_with_the_same_idempotency_key_files_once(app, browser, engine):
    key = new_key(app)
    client = await browser()
    first = await post(client, key, headers={"Idempotency-Key": "app-retry-1"})
    again = await post(client, key, headers={"Idempotency-Key": "app-retry-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    other = await post(client, key, headers={"Idempotency-Key": "app-retry-1"}, description="另一件事")
    assert other.status_code == 400 and counts(engine) == (1, 1)


async def test_the_rate_limit_counts_per_key(app, browser, engine):
    app.state.limiters["open311"] = SlidingWindowLimiter(1, 3600)
    key, other_key = new_key(app), new_key(app, "12345 小程序")
    client = await browser()
    assert (await post(client, key)).status_code == 201
    assert "过于频繁" in refused(await post(client, key), 429)[0]
    assert (await post(client, other_key)).status_code == 201
    assert counts(engine) == (2, 2)


async def test_requests_by_status_service_ids_and_dates(app, browser, engine):
    key = new_key(app)
    client = await browser()
    lamp = (await post(client, key)).json()[0]["service_request_id"]
    bins = (await post(client, key, service_code="garbage", **{"attribute[community]": "cm-hubin"})).json()
    bins = bins[0]["service_request_id"]
    await decide_as(app, bins, Action.WITHDRAW, Withdrawal(RESIDENT, "已经清运了"))

    window: dict[str, str] = {}  # filled below: a window around the requests' own time

    async def found(**params) -> list[str]:
        if not {"start_date", "end_date"} & set(params):
            params = {**window, **params}
        response = await client.http.get(f"{V2}/requests.json", params=params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    # The default window is the last 90 days of the wall clock; the cases were received on the test
    # server's clock, which earlier tests may have run ahead: expect exactly those inside the window.
    with Session(engine) as session:
        received = {c: session.get(Case, c).received_at for c in (bins, lamp)}  # type: ignore[union-attr]
    wall = datetime.now(UTC)
    assert await found() == [c for c in (bins, lamp) if wall - timedelta(days=90) <= received[c] <= wall]
    window["start_date"] = (received[lamp] - timedelta(days=1)).isoformat()
    assert await found() == [bins, lamp]  # newest first
    assert await found(status="open") == [lamp] and await found(status="closed") == [bins]
    assert await found(status="open,closed") == [bins, lamp]
    assert await found(service_code="garbage") == [bins]
    assert await found(service_code=["garbage", "streetlight"]) == [bins, lamp]
    assert await found(service_request_id=f"{lamp},T000000-2026-000001") == [lamp]
    # The requests' own time (the test server's clock may have run ahead of the wall clock).
    with Session(engine) as session:
        filed = session.get(Case, lamp)
        assert filed is not None
        now = filed.received_at.astimezone(SHANGHAI)
    assert await found(start_date=(now + timedelta(hours=1)).isoformat()) == []
    assert await found(end_date=(now - timedelta(days=1)).isoformat()) == []
    today = now.date().isoformat()
    assert await found(start_date=today, end_date=(now + timedelta(days=1)).isoformat()) == [bins, lamp]

    closed = (await client.http.get(f"{V2}/requests/{bins}.json")).json()[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "已结案（群众撤回）"
    assert closed["expected_datetime"] is None and closed["updated_datetime"] >= closed["requested_datetime"]
    assert closed["agency_responsible"] == "湖滨社区"
    root = xml(await client.http.get(f"{V2}/requests.xml", params={"status": "closed", **window}))
    assert [r.findtext("status") for r in root.findall("request")] == ["closed"]

    span = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    assert "90 天" in refused(await client.http.get(f"{V2}/requests.json", params=span), 400)[0]
    assert (
        "start_date"
        in refused(await client.http.get(f"{V2}/requests.json", params={"start_date": "昨天"}), 400)[0]
    )
    refused(await client.http.get(f"{V2}/requests.json", params={"status": "pending"}), 400)
    refused(await client.http.get(f"{V2}/requests.json", params={"service_code": "pothole"}), 400)
    refused(await client.http.get(f"{V2}/requests.json", params={"jurisdiction_id": "sfgov.org"}), 404)


async def test_an_officer_acting_on_the_case_changes_what_open311_shows(app, browser):
    key = new_key(app)
    client = await browser()
    code = (await post(client, key)).json()[0]["service_request_id"]
    from tests.utils.cases import COMMUNITY
    from workflows.types import ReportUp, TriageDecision, Urgency

    await decide_as(app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.ENVIRONMENT))
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    request = (await client.http.get(f"{V2}/requests/{code}.json")).json()[0]
    # The community re-categorised it; the client still sees the service it asked for.
    assert request["service_code"] == "streetlight" and request["status"] == "open"
    assert request["status_notes"] == "街道正在协调派单" and request["agency_responsible"] == "东城街道"


async def test_admins_issue_and_revoke_keys_on_their_page(app, browser, engine):
    officer = await browser("community-qinghe")
    assert (await officer.get("/admin/api-keys")).status_code == 403
    assert (await officer.post("/admin/api-keys", {"name": "偷偷签发"})).status_code == 403

    admin = await browser("admin")
    page = await admin.get("/admin/api-keys")
    assert page.status_code == 200 and "尚未签发密钥" in page.text and "hj.liudan.local" in page.text
    assert (await admin.post("/admin/api-keys", {"name": "无令牌"}, csrf=False)).status_code == 403
    assert (await admin.post("/admin/api-keys", {"name": "  "})).status_code == 422
    issued = await admin.post("/admin/api-keys", {"name": "随手拍 App"})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    key = SECRET.search(issued.text).group(0)  # type: ignore[union-attr]
    with Session(engine) as session:
        row = session.exec(select(Open311ApiKey)).one()
    assert row.key_hash != key and key not in row.key_hash and row.created_by == "admin"

    client = await browser()
    assert (await post(client, key)).status_code == 201
    listed = await admin.get("/admin/api-keys")
    assert key not in listed.text and row.hint in listed.text and "未使用" not in listed.text

    revoked = await admin.post(f"/admin/api-keys/{row.id}/revoke")
    assert revoked.status_code == 200 and "已停用密钥：随手拍 App" in revoked.text
    assert "已停用（" in revoked.text
    assert (await admin.post(f"/admin/api-keys/{row.id}/revoke")).status_code == 404
    assert (await post(client, key)).status_code == 403
    assert counts(engine) == (1, 1)


async def test_the_other_service_leaves_the_category_to_the_community(app, browser, engine):
    client = await browser()
    filed = await post(client, new_key(app), service_code="other", lat=None, long=None)
    code = filed.json()[0]["service_request_id"]
    with Session(engine) as session:
        case = session.get(Case, code)
    assert case is not None and case.category is None and case.location == "清河小区南门"
    assert case.title.startswith("其他诉求：")
    request = (await client.http.get(f"{V2}/requests/{code}.json")).json()[0]
    assert request["lat"] is None and request["service_name"] == "其他诉求"
