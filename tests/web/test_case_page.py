"""The case page: exactly the allowed forms for each role, the resident's contact details on
demand (logged), attachments, and the Temporal UI link."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from store.audit import PersonalDataView
from tests.utils.cases import COMMUNITY, STREET, ZHUJIAN
from tests.utils.web import CODE, actor_of, decide_as, forms_on, new_case, snapshot
from tests.web.test_access import INSIDERS, OUTSIDERS
from web.services.cases import RegistrationRefused
from workflows.policies import offered_policies
from workflows.rules import allowed_actions
from workflows.types import (
    AcceptDecision,
    Action,
    Category,
    Difficulty,
    DispatchDecision,
    Escalation,
    ReportUp,
    SignDecision,
    TriageDecision,
    Urgency,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32


async def test_each_role_gets_exactly_the_allowed_forms(app, browser):
    code, _ = await new_case(app)
    users = {u: await browser(u) for u in INSIDERS + OUTSIDERS[:1]}
    steps = [
        (Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.INFRASTRUCTURE)),
        (Action.REPORT_UP, ReportUp(COMMUNITY)),
        (Action.SIGN, SignDecision(STREET)),
        (Action.ESCALATE, Escalation(STREET, "需协调")),
        (Action.DISPATCH, DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY)),
        (Action.ACCEPT, AcceptDecision(ZHUJIAN, "已联系")),
    ]
    for action, payload in [(None, None), *steps]:
        if action is not None:
            await decide_as(app, code, action, payload)
        snap = await snapshot(app, code)
        for username, b in users.items():
            page = await b.get(f"/cases/{code}")
            if page.status_code == 404:
                continue
            expected = {a.value for a in allowed_actions(snap, actor_of(app, username))}
            assert forms_on(page.text) == expected, (snap.stage, username)


async def test_full_contact_only_for_those_who_call_the_resident_and_every_view_logged(app, browser, engine):
    code, _ = await new_case(app)
    community = await browser("community-qinghe")
    page = await community.get(f"/cases/{code}")
    assert "138****1234" in page.text and "13812341234" not in page.text
    assert "清河小区****" in page.text and "显示完整联系方式" in page.text
    shown = await community.post(f"/cases/{code}/contact", htmx=True, target="case-contact")
    assert shown.status_code == 200 and shown.text.lstrip().startswith('<section id="case-contact"')
    assert "13812341234" in shown.text and "清河小区3栋2单元501" in shown.text
    # The timeline, which now shows the view, comes back in the same response (out of band).
    assert "HX-Trigger" not in shown.headers
    timeline = shown.text.split('<section id="case-timeline" class="card" hx-swap-oob="true">', 1)[1]
    assert "查看群众联系方式" in timeline and "清河社区书记" in timeline
    assert "13812341234" not in (await community.get(f"/cases/{code}")).text  # masked again on reload
    for username in ("leader-wang", "supervision", "admin", "dept-zhujian"):
        b = await browser(username)
        page = await b.get(f"/cases/{code}")
        if page.status_code == 404:  # the department is not assigned yet
            continue
        assert "显示完整联系方式" not in page.text, username
        refused = await b.post(f"/cases/{code}/contact")
        assert refused.status_code == 403 and "13812341234" not in refused.text, username
    with Session(engine) as s:
        views = s.exec(select(PersonalDataView)).all()
    assert [(v.user_id, v.case_code) for v in views] == [("community-qinghe", code)]


async def test_attachments_are_served_to_those_who_may_see_the_case(app, browser, tmp_path):
    from web.uploads import Photo, store_photos

    [key] = store_photos(app.state.settings.data_dir, [Photo("png", PNG)])
    code, _ = await new_case(app, attachments=[key])
    grid = await browser("grid-qinghe")
    page = await grid.get(f"/cases/{code}")
    assert f"/cases/{code}/attachments/{key}" in page.text
    photo = await grid.get(f"/cases/{code}/attachments/{key}")
    assert photo.status_code == 200 and photo.content == PNG and photo.headers["content-type"] == "image/png"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert (await grid.get(f"/cases/{code}/attachments/..%2F..%2Fread.db")).status_code == 404
    other_key = store_photos(app.state.settings.data_dir, [Photo("png", PNG)])[0]
    assert (await grid.get(f"/cases/{code}/attachments/{other_key}")).status_code == 404  # not this case's


async def test_temporal_ui_link_and_unknown_case(app, browser):
    code, _ = await new_case(app)
    admin = await browser("admin")
    page = await admin.get(f"/cases/{code}")
    assert f'href="http://temporal-ui.test/namespaces/default/workflows/case-{code}"' in page.text
    assert "在 Temporal UI 中查看" in page.text
    missing = await admin.get("/cases/HJ-1999-000001")
    assert missing.status_code == 404 and "案件不存在" in missing.text


async def test_the_lead_unit_reads_first(app, browser):
    code, _ = await new_case(app)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.INFRASTRUCTURE)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    dispatch = DispatchDecision(
        STREET, ["dp-chengguan", "dp-zhujian"], Difficulty.ORDINARY, lead_department_id="dp-zhujian"
    )
    await decide_as(app, code, Action.DISPATCH, dispatch)
    page = await (await browser("street-dongcheng")).get(f"/cases/{code}")
    assert "<dd>区住建局、区城管局</dd>" in page.text
    departments = page.text.split("承办部门</h2>")[1]
    assert departments.index("区住建局") < departments.index("区城管局")
    assert departments.count('<span class="tag info">牵头</span>') == 1


async def test_difficulties_show_the_limits_of_the_cases_own_policy(app, browser):
    street = await browser("street-dongcheng")
    for policy_id, ordinary, very_hard in (
        ("liudan", "一般（3 个工作日）", "特别难（提请分管区领导定时限）"),
        ("drill", "一般（20 秒）", "特别难（提请分管区领导定时限）"),
    ):
        code, _ = await new_case(app, policy_id=policy_id)
        triage = TriageDecision(COMMUNITY, Urgency.URGENT, Category.INFRASTRUCTURE)
        await decide_as(app, code, Action.TRIAGE, triage)
        await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
        await decide_as(app, code, Action.SIGN, SignDecision(STREET))
        form = await street.get(f"/cases/{code}")
        assert ordinary in form.text and very_hard in form.text, policy_id
        dispatch = DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY)
        await decide_as(app, code, Action.DISPATCH, dispatch)
        page = await street.get(f"/cases/{code}")
        assert f"<dd>{ordinary}</dd>" in page.text, policy_id
        assert '<span class="tag info">牵头</span>' not in page.text  # one department leads nothing


async def test_an_officer_registers_a_drill_under_the_drill_policy(app, browser):
    grid = await browser("grid-hubin")
    form = await grid.get("/cases/new")
    assert '<option value="drill">演练（秒级时限）</option>' in form.text
    assert '<option value="liudan" selected>六单工作法</option>' in form.text  # the default
    request = {
        "channel": "phone",
        "reporter_name": "李建华",
        "reporter_phone": "13900001111",
        "community_org_id": "cm-hubin",
        "title": "演练：油烟扰民",
        "description": "演练用",
    }
    refused = await grid.post("/cases", {**request, "policy_id": "fast"})
    assert refused.status_code == 422 and "未知的时限政策" in refused.text
    # Petitions go to the petition bureau now: the old 六单 petition policy is not offered.
    assert "xinfang-2022" not in form.text
    refused = await grid.post("/cases", {**request, "policy_id": "xinfang-2022"})
    assert refused.status_code == 422 and "信访事项请到信访部门登记" in refused.text
    registered = await grid.post("/cases", {**request, "policy_id": "drill"})
    assert registered.status_code == 303, registered.text
    registered = await grid.get(registered.headers["location"])
    snap = await snapshot(app, CODE.search(registered.text).group(0))
    assert snap.registration.policy_id == "drill" and snap.policy.completion_ordinary.amount == 20


async def test_outside_dev_and_drill_mode_no_drill_is_offered_or_accepted(app):
    """A drill's seconds-long clocks on a real request would escalate it within minutes. (Production
    cookies are Secure, so this is checked below the browser: the service and the offered list.)"""
    settings = app.state.settings
    production = settings.model_copy(update={"liudan_env": "production", "drill_mode": False})
    assert [p.id for p in offered_policies(production.drills_allowed)] == ["liudan"]
    app.state.settings = production
    try:
        with pytest.raises(RegistrationRefused):
            await new_case(app, policy_id="drill")
        code, _ = await new_case(app)  # the method's own clocks are always offered
        assert (await snapshot(app, code)).policy.id == "liudan"
    finally:
        app.state.settings = settings
    drill_mode = settings.model_copy(update={"liudan_env": "production", "drill_mode": True})
    assert [p.id for p in offered_policies(drill_mode.drills_allowed)] == ["liudan", "drill"]
