"""跟单: a street follows every case it dispatched until it is rated — each department's state and
clock — and presses (催办) a department, which hears of it in the app and finds it in the timeline."""

from __future__ import annotations

from sqlmodel import Session, select

from store.notifications import Notification
from tests.utils.cases import COMMUNITY, STREET, ZHUJIAN
from tests.utils.web import decide_as, new_case
from workflows.types import (
    AcceptDecision,
    Action,
    Category,
    Difficulty,
    DispatchDecision,
    ReportUp,
    SignDecision,
    TriageDecision,
    Urgency,
)


async def _dispatched(app, departments=("dp-zhujian", "dp-chengguan")) -> str:  # type: ignore[no-untyped-def]
    code, _ = await new_case(app)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    dispatch = DispatchDecision(
        STREET, list(departments), Difficulty.ORDINARY, lead_department_id=departments[0]
    )
    await decide_as(app, code, Action.DISPATCH, dispatch)
    return code


async def test_the_street_follows_its_dispatched_cases_and_presses_a_department(app, browser, engine):
    code = await _dispatched(app)
    not_dispatched, _ = await new_case(app)
    await decide_as(app, code, Action.ACCEPT, AcceptDecision(ZHUJIAN, "已联系群众"))
    street = await browser("street-dongcheng")
    page = await street.get("/follow")
    assert page.status_code == 200 and code in page.text and not_dispatched not in page.text
    row = page.text.split(f'id="follow-{code}"', 1)[1].split("</tr>", 1)[0]
    assert "区住建局" in row and "牵头" in row and "办理中" in row and "部门办结时限" in row
    assert "区城管局" in row and "待接单" in row

    pressed = await street.post(
        f"/follow/{code}/remind",
        {"note": "请今日内上门"},
        headers={"HX-Request": "true", "HX-Target": "follow-list"},
    )
    assert pressed.status_code == 200 and f"已催办 {code}" in pressed.text and "已催办 1 次" in pressed.text
    with Session(engine) as session:
        told = session.exec(
            select(Notification).where(Notification.subject_code == code, Notification.event == "supervised")
        ).all()
    assert {n.recipient for n in told if n.channel == "inapp"} >= {"dept-zhujian", "dept-chengguan"}

    department = await browser("dept-zhujian")
    assert (await department.get("/follow")).status_code == 403  # the street's list
    other = await browser("street-xihu")
    assert code not in (await other.get("/follow")).text
    refused = await other.post(f"/follow/{code}/remind", {"note": "越权"})
    assert refused.status_code == 404  # not their case: as if it did not exist
