"""The JSON API: bearer tokens, the same services and rules as the pages, errors as JSON in
Chinese, and an OpenAPI document that validates."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.utils.web import api_token, fingerprint, new_case
from web.api import PREFIX

CASE = {
    "channel": "phone",
    "reporter_name": "赵六",
    "reporter_phone": "13700001111",
    "reporter_address": "迎宾路8号",
    "community_org_id": "cm-yingbin",
    "title": "噪音扰民",
    "description": "夜间施工噪音。",
}


async def test_tokens_are_required(browser):
    api = await browser()
    missing = await api.http.get(f"{PREFIX}/me")
    assert missing.status_code == 401 and missing.json() == {
        "detail": "缺少或无效的 API 令牌，或账号已停用。"
    }
    assert missing.headers["www-authenticate"] == "Bearer"
    assert (
        await api.http.get(f"{PREFIX}/me", headers={"Authorization": "Bearer ld_nope"})
    ).status_code == 401
    # The session cookie is no key to the API.
    officer = await browser("admin")
    assert (await officer.http.get(f"{PREFIX}/me")).status_code == 401


async def test_register_read_inbox_and_decide(app, browser):
    api = await browser()
    hotline = api_token(app, "street-dongcheng")
    registered = await api.http.post(f"{PREFIX}/cases", json=CASE, headers=hotline)
    assert registered.status_code == 201, registered.text
    body = registered.json()
    code = body["code"]
    assert body["tracking_url"] == f"http://testserver/track/{body['tracking_token']}"
    assert (await api.http.get(f"/track/{body['tracking_token']}")).status_code == 200

    community = api_token(app, "community-yingbin")
    case = (await api.http.get(f"{PREFIX}/cases/{code}", headers=community)).json()
    assert case["stage"] == "report" and case["reporter"]["phone"] == "137****1111"
    assert set(case["allowed_actions"]) >= {"triage"} and case["temporal_url"].endswith(f"case-{code}")
    inbox = (await api.http.get(f"{PREFIX}/inbox", headers=community)).json()
    assert inbox["counts"]["todo"] == 1 and inbox["items"][0]["code"] == code
    assert inbox["items"][0]["task"] == "待研判" and inbox["items"][0]["phone"] == "137****1111"

    decided = await api.http.post(
        f"{PREFIX}/cases/{code}/decisions",
        json={"action": "triage", "urgency": "urgent", "category": "environment", "note": "夜间施工"},
        headers=community,
    )
    assert decided.status_code == 200 and decided.json()["urgency"] == "urgent"
    assert [e["action"] for e in decided.json()["timeline"]] == ["registered", "triage"]
    before = await fingerprint(app, code)
    refused = await api.http.post(
        f"{PREFIX}/cases/{code}/decisions", json={"action": "sign"}, headers=community
    )
    assert refused.status_code == 409 and "不能办理此操作" in refused.json()["detail"]
    invalid = await api.http.post(
        f"{PREFIX}/cases/{code}/decisions", json={"action": "triage", "urgency": "soon"}, headers=community
    )
    assert invalid.status_code == 422
    assert "紧急程度：选项无效" in invalid.json()["detail"] and invalid.json()["errors"]
    unknown = await api.http.post(
        f"{PREFIX}/cases/{code}/decisions", json={"action": "fly"}, headers=community
    )
    assert unknown.status_code == 422 and "不支持的操作" in unknown.json()["detail"]
    assert await fingerprint(app, code) == before

    contact = await api.http.post(f"{PREFIX}/cases/{code}/contact", headers=community)
    assert contact.status_code == 200 and contact.json()["phone"] == "13700001111"
    leader = api_token(app, "leader-wang")
    assert (await api.http.post(f"{PREFIX}/cases/{code}/contact", headers=leader)).status_code == 403


async def test_registering_needs_a_registrar_role_and_valid_input(app, browser):
    api = await browser()
    department = api_token(app, "dept-zhujian")
    refused = await api.http.post(f"{PREFIX}/cases", json=CASE, headers=department)
    assert refused.status_code == 403 and refused.json()["detail"] == "您的角色不能登记诉求。"
    grid = api_token(app, "grid-qinghe")
    other = await api.http.post(f"{PREFIX}/cases", json=CASE, headers=grid)
    assert other.status_code == 422 and other.json()["detail"] == "只能为本社区（村）的群众登记诉求。"
    bad = await api.http.post(f"{PREFIX}/cases", json={**CASE, "reporter_phone": "abc"}, headers=grid)
    assert bad.status_code == 422 and "联系电话：格式不正确" in bad.json()["detail"]


async def test_openapi_document_validates_and_docs_need_no_cdn(app, browser):
    await new_case(app)
    api = await browser()
    document = (await api.http.get(f"{PREFIX}/openapi.json")).json()
    validate(document)
    assert all(path.startswith(PREFIX + "/") for path in document["paths"])
    assert {
        f"{PREFIX}/cases",
        f"{PREFIX}/cases/{{code}}",
        f"{PREFIX}/cases/{{code}}/decisions",
        f"{PREFIX}/inbox",
    } <= set(document["paths"])
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    docs = await api.http.get(f"{PREFIX}/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    bundle = await api.http.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200


async def test_the_api_refuses_what_the_directory_does_not_know(app, browser, engine):
    """A dispatch to an org that does not exist, or is no department, a year-9999 deadline and text with
    terminal escapes: 409 with the workflow's sentence, and neither history nor read model changes."""
    from sqlmodel import Session

    from store.models import Case
    from tests.utils.cases import COMMUNITY, STREET
    from tests.utils.web import decide_as
    from workflows.types import Action, Category, ReportUp, SignDecision, TriageDecision, Urgency

    code, _ = await new_case(app)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.INFRASTRUCTURE)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    api = await browser()
    street = api_token(app, "street-dongcheng")
    before = await fingerprint(app, code)
    with Session(engine) as session:
        stored = session.get(Case, code)
        assert stored is not None
        stored_before = stored.model_dump()
    for body, words in (
        (
            {"department_ids": ["dp-does-not-exist"], "difficulty": "ordinary"},
            "单位「dp-does-not-exist」不存在或已停用",
        ),
        ({"department_ids": ["cm-qinghe"], "difficulty": "ordinary"}, "「cm-qinghe」不是区直部门，不能承办"),
        (
            {
                "department_ids": ["dp-zhujian"],
                "difficulty": "very_hard",
                "due_at": "9999-12-31T12:00:00+08:00",
            },
            "设定的时限不能晚于 366 天之后",
        ),
        ({"department_ids": ["dp-zhujian"], "difficulty": "ordinary", "note": "\u202e派单"}, "控制字符"),
    ):
        refused = await api.http.post(
            f"{PREFIX}/cases/{code}/decisions", json={"action": "dispatch", **body}, headers=street
        )
        assert refused.status_code == 409 and words in refused.json()["detail"], refused.text
    assert await fingerprint(app, code) == before
    with Session(engine) as session:
        stored = session.get(Case, code)
        assert stored is not None and stored.model_dump() == stored_before
