"""Notifications as people meet them: a resident who files on the portal gets an SMS (the outbox in
development) with a link that opens their case; the community officer's bell counts the new task; the
case page's delivery log says what was sent to whom; the resident opts out of SMS on their tracking
page. The dispatcher runs as the Temporal Schedule would start it, behind a real worker."""

from __future__ import annotations

import re
import uuid

from sqlmodel import Session, select

from store.models import User
from store.notifications import RESIDENT, Notification
from store.notify_contacts import outbox, prefs_for
from tests.utils.cases import CHENGGUAN, COMMUNITY, STREET, ZHUJIAN
from tests.utils.web import CODE, decide_as, new_case
from tests.utils.web import PORTAL_FORM as FORM
from workflows.notify.dispatch import NotificationDispatchWorkflow
from workflows.notify.types import DispatchReport, DispatchRequest
from workflows.types import (
    AcceptDecision,
    Action,
    Category,
    Difficulty,
    DispatchDecision,
    ReportUp,
    ResultSubmission,
    SignDecision,
    TriageDecision,
    Urgency,
)

LINK = re.compile(r"http://localhost:8000(/track/[A-Za-z0-9_-]+)")


async def dispatch(app, time_env) -> DispatchReport:  # type: ignore[no-untyped-def]
    """One run of the dispatcher, as the schedule `liudan-notifications` starts it. Time stands still
    meanwhile: the cases' clocks must not run out while the test waits for it."""
    client = app.state.temporal_client
    with time_env.auto_time_skipping_disabled():
        return await client.execute_workflow(
            NotificationDispatchWorkflow.run,
            DispatchRequest(),
            id=f"notifications-{uuid.uuid4()}",
            task_queue=app.state.settings.task_queue,
        )


def notices(engine, code: str) -> list[Notification]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(Notification.subject_code == code)))


async def test_a_resident_is_told_by_sms_and_the_officer_by_the_bell(app, browser, engine, time_env):
    resident = await browser()
    await resident.get("/portal")
    filed = await resident.post("/portal", FORM)
    assert filed.status_code == 303
    code = CODE.search((await resident.get(filed.headers["location"])).text).group(0)

    report = await dispatch(app, time_env)
    assert report.delivered >= 1 and report.failed == []
    [sms] = outbox(engine, "13912345678")
    assert code in sms.body and "已登记" in sms.body
    # The SMS's own link opens the resident's case.
    link = LINK.search(sms.body).group(1)
    page = await resident.get(link)
    assert page.status_code == 200 and code in page.text
    assert (await dispatch(app, time_env)).delivered == 0  # sent once, never again

    officer = await browser("community-hubin")
    bell = await officer.get("/notifications/bell", headers={"HX-Request": "true"})
    assert 'class="badge">1<' in bell.text
    listing = await officer.get("/notifications")
    assert "新待办" in listing.text and code in listing.text and f'href="/cases/{code}"' in listing.text
    read = await officer.post(
        "/notifications/read", {}, headers={"HX-Request": "true", "HX-Target": "notice-list"}
    )
    assert read.status_code == 200 and "全部标为已读" not in read.text
    bell = await officer.get("/notifications/bell", headers={"HX-Request": "true"})
    assert "badge" not in bell.text

    log = await officer.get(f"/cases/{code}/notices")
    assert log.status_code == 200
    row = log.text.split("受理告知", 1)[1].split("</tr>", 1)[0]
    assert "群众" in row and "短信" in row and "已发送" in row
    assert "13912345678" not in log.text  # the log names the resident, never their number
    stranger = await browser("community-qinghe")
    assert (await stranger.get(f"/cases/{code}/notices")).status_code == 404


async def test_each_step_reaches_the_resident_and_the_departments(app, engine, time_env):
    code, _ = await new_case(app)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.INFRASTRUCTURE)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    departments = ["dp-zhujian", "dp-chengguan"]
    await decide_as(
        app,
        code,
        Action.DISPATCH,
        DispatchDecision(STREET, departments, Difficulty.ORDINARY, lead_department_id="dp-zhujian"),
    )
    await decide_as(app, code, Action.ACCEPT, AcceptDecision(ZHUJIAN, "我局今日派人查看"))
    await decide_as(app, code, Action.ACCEPT, AcceptDecision(CHENGGUAN, "已知悉"))
    await decide_as(app, code, Action.SUBMIT_RESULT, ResultSubmission(CHENGGUAN, "协办完成"))
    await decide_as(app, code, Action.SUBMIT_RESULT, ResultSubmission(ZHUJIAN, "路灯已修复"))
    found = notices(engine, code)
    to_resident = sorted(n.event for n in found if n.recipient == RESIDENT)
    # 受理告知, each department's acceptance, and the result with the invitation to rate.
    assert to_resident == ["accepted", "accepted", "received", "result"]
    tasks = {(n.recipient, n.values()["task"]) for n in found if n.event == "new_task"}
    assert {("street-dongcheng", "签收"), ("dept-zhujian", "接单"), ("dept-chengguan", "接单")} <= tasks
    await dispatch(app, time_env)
    texts = [m.body for m in outbox(engine, "13812341234")]
    assert any("区住建局" in t and "我局今日派人查看" in t for t in texts)
    assert any("已办结" in t and "/track/" in t for t in texts)


async def test_the_resident_opts_out_of_sms_on_the_tracking_page(app, browser, engine, time_env):
    code, token = await new_case(app)
    resident = await browser()
    page = await resident.get(f"/track/{token}")
    assert "不再接收短信通知" in page.text
    bad = await resident.post(f"/track/{token}/notices", {"sms_opt_out": "1", "email": "not-an-address"})
    assert bad.status_code == 422 and "邮箱格式不正确" in bad.text
    assert prefs_for(engine, "13812341234") is None  # a refused form saves nothing
    saved = await resident.post(f"/track/{token}/notices", {"sms_opt_out": "1", "email": ""})
    assert saved.status_code == 200 and "已保存您的通知设置" in saved.text
    prefs = prefs_for(engine, "138 1234 1234")
    assert prefs is not None and prefs.sms_opt_out
    report = await dispatch(app, time_env)
    assert report.skipped >= 1
    assert outbox(engine, "13812341234") == []
    [sms] = [n for n in notices(engine, code) if n.channel == "sms"]
    assert (sms.status, sms.last_error) == ("skipped", "已退订短信通知")


async def test_an_officer_sets_their_own_phone_and_email_for_notices(app, browser, engine):
    officer = await browser("dept-zhujian")
    page = await officer.get("/notifications")
    assert "我的通知方式" in page.text
    bad = await officer.post("/notifications/contact", {"phone": "12345", "email": "a@b.cn"})
    assert bad.status_code == 422 and "手机号码格式不正确" in bad.text
    bad = await officer.post("/notifications/contact", {"phone": "", "email": "no-at-sign"})
    assert bad.status_code == 422 and "邮箱格式不正确" in bad.text
    with Session(engine) as session:
        user = session.get(User, "dept-zhujian")
        assert user is not None and (user.phone, user.email) == ("", "")  # refused: nothing saved
    saved = await officer.post(
        "/notifications/contact", {"phone": "137 0000 3333", "email": "zj@example.gov.cn"}
    )
    assert saved.status_code == 200 and "已保存" in saved.text
    with Session(engine) as session:
        user = session.get(User, "dept-zhujian")
        assert user is not None and (user.phone, user.email) == ("13700003333", "zj@example.gov.cn")


async def test_an_admin_creates_an_officer_with_an_email(app, browser, engine):
    admin = await browser("admin")
    await admin.get("/admin/users")
    form = {
        "username": "dept-new", "display_name": "新承办员", "role": "department", "org_id": "dp-zhujian",
        "password": "a-long-password-1", "phone": "", "email": "bad",
    }  # fmt: skip
    refused = await admin.post("/admin/users", form)
    assert refused.status_code == 422 and "邮箱" in refused.text
    created = await admin.post("/admin/users", {**form, "email": "new@example.gov.cn"})
    assert created.status_code in (200, 303)
    with Session(engine) as session:
        user = session.get(User, "dept-new")
        assert user is not None and user.email == "new@example.gov.cn"
