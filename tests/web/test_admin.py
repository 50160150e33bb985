"""Admin pages: users, orgs, leader ↔ street links, API tokens, and the holiday calendar."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from store.directory import leader_streets
from store.models import CalendarYear, Case, Org, User
from tests.utils.cases import ADMIN, COMMUNITY, STREET
from tests.utils.web import decide_as, legacy_case, new_case
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

SECRET = re.compile(r'<p class="secret mono">([^<]+)</p>')


async def test_create_user_and_sign_in(browser, engine):
    admin = await browser("admin")
    page = await admin.get("/admin/users")
    assert "community-qinghe" in page.text and "新建用户" in page.text
    form = {
        "username": "grid-qinghe2",
        "display_name": "清河社区网格员二",
        "role": "grid_worker",
        "org_id": "cm-qinghe",
    }
    weak = await admin.post("/admin/users", {**form, "password": "short"})
    assert weak.status_code == 422 and "密码" in weak.text
    mismatch = await admin.post("/admin/users", {**form, "org_id": "dp-zhujian", "password": "long-enough-1"})
    assert mismatch.status_code == 422 and "角色与所属单位类型不一致" in mismatch.text
    taken = await admin.post("/admin/users", {**form, "username": "admin", "password": "long-enough-1"})
    assert taken.status_code == 422 and "用户名已被使用" in taken.text
    created = await admin.post("/admin/users", {**form, "password": "long-enough-1"})
    assert created.status_code == 303 and created.headers["location"] == "/admin/users/grid-qinghe2"
    with Session(engine) as s:
        assert s.get(User, "grid-qinghe2").role == "grid_worker"
        assert s.exec(select(User).where(User.username == "admin")).one().display_name == "系统管理员"
    newcomer = await browser()
    assert (await newcomer.login("grid-qinghe2", "long-enough-1")).status_code == 303


async def test_reset_password_unlock_and_leader_streets(app, browser, engine):
    admin = await browser("admin")
    await admin.get("/admin/users/dept-zhujian")
    reset = await admin.post("/admin/users/dept-zhujian/password")
    password = SECRET.search(reset.text).group(1)
    assert reset.headers["cache-control"] == "no-store"
    officer = await browser()
    assert (await officer.login("dept-zhujian")).status_code == 401  # the old password is gone
    # One address is throttled before it can lock the account; failures from two addresses lock it.
    for _ in range(app.state.settings.login_max_failures - 2):
        await officer.post("/login", {"username": "dept-zhujian", "password": "wrong"})
    elsewhere = await browser()
    await elsewhere.get("/login")
    assert (
        await elsewhere.post("/login", {"username": "dept-zhujian", "password": "wrong"})
    ).status_code == 401
    right = {"username": "dept-zhujian", "password": password}
    assert (await officer.post("/login", right)).status_code == 429
    assert (
        await elsewhere.post("/login", right)
    ).status_code == 401  # locked: the same answer as a wrong one
    assert "解除锁定" in (await admin.get("/admin/users/dept-zhujian")).text
    assert (await admin.post("/admin/users/dept-zhujian/unlock")).status_code == 303
    assert (await officer.login("dept-zhujian", password)).status_code == 303

    await admin.get("/admin/users/leader-li")
    linked = await admin.post("/admin/users/leader-li/streets", {"street_ids": ["st-xihu", "st-nanshan"]})
    assert linked.status_code == 303
    with Session(engine) as s:
        assert sorted(leader_streets(s, "leader-li")) == ["st-nanshan", "st-xihu"]
    not_a_leader = await admin.post("/admin/users/dept-zhujian/streets", {"street_ids": ["st-xihu"]})
    assert not_a_leader.status_code == 422 and "只有区领导可以设置联点街道" in not_a_leader.text
    assert (await admin.post("/admin/users/nobody/unlock")).status_code == 404
    yourself = await admin.post("/admin/users/admin/active", {"active": "false"})
    assert yourself.status_code == 422 and "不能停用自己的账号" in yourself.text


async def test_issue_and_revoke_an_api_token(browser):
    admin = await browser("admin")
    await admin.get("/admin/users/street-dongcheng")
    issued = await admin.post("/admin/users/street-dongcheng/token")
    token = SECRET.search(issued.text).group(1)
    api = await browser()
    me = await api.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["role"] == "street"
    assert (await admin.post("/admin/users/street-dongcheng/token/revoke")).status_code == 303
    assert (await api.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_orgs_create_and_deactivate(browser, engine):
    admin = await browser("admin")
    page = await admin.get("/admin/orgs")
    assert "清河社区" in page.text
    bad_parent = await admin.post(
        "/admin/orgs", {"id": "cm-xinyuan", "name": "新苑社区", "kind": "community"}
    )
    assert bad_parent.status_code == 422 and "上级单位不正确" in bad_parent.text
    bad_id = await admin.post("/admin/orgs", {"id": "Bad Id", "name": "x", "kind": "department"})
    assert bad_id.status_code == 422 and "编码：格式不正确" in bad_id.text
    created = await admin.post(
        "/admin/orgs", {"id": "cm-xinyuan", "name": "新苑社区", "kind": "community", "parent_id": "st-xihu"}
    )
    assert created.status_code == 303
    resident = await browser()
    assert "新苑社区" in (await resident.get("/portal")).text
    assert (await admin.post("/admin/orgs/cm-xinyuan/active", {"active": "false"})).status_code == 303
    assert "新苑社区" not in (await resident.get("/portal")).text
    with Session(engine) as s:
        assert s.get(Org, "cm-xinyuan").active is False
    assert (await admin.post("/admin/orgs/hj/active", {"active": "false"})).status_code == 422


async def test_a_12345_centre_becomes_a_petition_desk(browser, engine):
    """An admin adds a second intake desk (a 12345 centre) and its clerk, who registers petitions
    there; a petition role in an org of the wrong kind is refused."""
    admin = await browser("admin")
    created = await admin.post(
        "/admin/orgs",
        {"id": "xf-12345", "name": "区12345热线中心", "kind": "petition_bureau", "parent_id": "hj"},
    )
    assert created.status_code == 303, created.text
    form = {"username": "clerk-12345", "display_name": "热线中心登记员", "role": "petition_clerk"}
    wrong = await admin.post("/admin/users", {**form, "org_id": "dp-zhujian", "password": "long-enough-1"})
    assert wrong.status_code == 422 and "角色与所属单位类型不一致" in wrong.text
    made = await admin.post("/admin/users", {**form, "org_id": "xf-12345", "password": "long-enough-1"})
    assert made.status_code == 303
    clerk = await browser()
    assert (await clerk.login("clerk-12345", "long-enough-1")).status_code == 303
    await clerk.get("/petitions/new")
    from tests.web.test_petitions import LETTER

    registered = await clerk.post("/petitions", {**LETTER, "channel": "phone"})
    assert registered.status_code == 303, registered.text
    with Session(engine) as s:
        from store.petitions import Petition

        assert s.exec(select(Petition)).one().bureau_org_id == "xf-12345"


async def test_loading_next_years_calendar_recomputes_provisional_deadlines(app, browser, engine):
    # 《信访工作条例》 cases run 60 days: dispatched now, the deadline lands in a year whose official
    # schedule is not yet in the calendar package, so it is provisional until the year is loaded.
    code = await legacy_case(app, "xinfang-2022")
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.PETITION)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    await decide_as(app, code, Action.DISPATCH, DispatchDecision(STREET, ["dp-renshe"], Difficulty.ORDINARY))
    with Session(engine) as s:
        case = s.get(Case, code)
    assert case.provisional, (
        "expected a provisional deadline (is the next year's calendar already published?)"
    )
    year = case.due_at.year
    admin = await browser("admin")
    page = await admin.get(f"/cases/{code}")
    assert "临时时限" in page.text and "recompute_deadlines" in page.text
    calendar = await admin.get("/admin/calendar")
    assert calendar.status_code == 200 and str(year) in calendar.text
    bad = await admin.post(
        "/admin/calendar", {"year": str(year), "schedule": f"{year}-01-05 班 周二不是周末"}
    )
    assert bad.status_code == 422 and "安排格式有误，未导入" in bad.text
    with Session(engine) as s:
        assert s.exec(select(CalendarYear)).all() == []
    schedule = f"{year}-01-01 休 元旦\n{year}-02-06..{year}-02-12 休 春节\n{year}-02-14 班\n"
    loaded = await admin.post("/admin/calendar", {"year": str(year), "schedule": schedule})
    assert (
        loaded.status_code == 200 and f"已导入 {year} 年安排" in loaded.text and "重算了 1 件" in loaded.text
    )
    with Session(engine) as s:
        assert not s.get(Case, code).provisional
    assert "临时时限" not in (await admin.get(f"/cases/{code}", htmx=True, target="case-status")).text
    # An admin may also recompute one case from its page (nothing provisional is left to change).
    again = await admin.post(f"/cases/{code}/actions/recompute_deadlines", htmx=True, target="case-actions")
    assert again.status_code == 200 and "已提交：重算临时时限" in again.text


async def test_admin_searches_every_case_with_filters(app, browser):
    here, _ = await new_case(app, ADMIN, title="东城的事")
    there, _ = await new_case(app, ADMIN, title="西湖的事", community_org_id="cm-hubin", category="dispute")
    admin = await browser("admin")
    everything = await admin.get("/cases")
    assert here in everything.text and there in everything.text and "共 2 件" in everything.text
    xihu = await admin.get("/cases?street=st-xihu", htmx=True, target="case-list")
    assert xihu.text.lstrip().startswith('<section id="case-list"')
    assert there in xihu.text and here not in xihu.text
    assert here not in (await admin.get("/cases?category=dispute")).text
    assert there in (await admin.get("/cases?text=西湖&open_only=1")).text
    assert "共 0 件" in (await admin.get("/cases?overdue=1")).text
