"""The resident's tracking page: the six orders as a stepper, the expected completion date (预计办结)
the case recorded, the resident's own words and photos, a link to copy and scan, and thanks after
the rating."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from store.case_records import CaseDeadline
from tests.utils.cases import COMMUNITY, STREET, ZHUJIAN
from tests.utils.web import decide_as, new_case
from tests.web.test_portal import PNG, TRACK, submit, success_page
from web.timeutil import local_date
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

STEP = re.compile(
    r'<li class="step step-(\w+)"[^>]*>\s*<span class="step-dot"[^>]*>[^<]*</span>\s*<span class="step-name">([^<]+)</span>'
)


def steps(html: str) -> list[tuple[str, str]]:
    return [(name, state) for state, name in STEP.findall(html)]


async def test_the_stepper_expected_date_and_link_follow_the_case(app, browser, engine):
    code, token = await new_case(app, description="南门外三盏路灯坏了两周。")
    resident = await browser()
    page = await resident.get(f"/track/{token}")
    assert page.status_code == 200
    assert steps(page.text) == [
        ("点单", "done"), ("报单", "current"), ("跟单/派单", "todo"), ("接单/办理", "todo"), ("评单", "todo"),
    ]  # fmt: skip
    assert 'aria-current="step"' in page.text
    assert "南门外三盏路灯坏了两周。" in page.text  # the resident's own words
    assert "预计办结" in page.text and "职能部门接单后显示" in page.text
    # The link, to copy (the button shows once script can copy) and as an SVG QR code.
    link = f"http://localhost:8000/track/{token}"
    assert f'value="{link}" readonly' in page.text and 'data-copy="#track-url"' in page.text
    assert re.search(
        r'<svg xmlns="http://www.w3.org/2000/svg" width="\d+" height="\d+" class="qr"><title>扫码在手机上打开本页</title><path',
        page.text,
    )
    assert "style=" not in page.text.split('class="qr"', 1)[1].split("</svg>", 1)[0]  # the CSP allows it
    assert 'id="notice-choices"' in page.text  # the notice choices stay

    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.INFRASTRUCTURE)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    await decide_as(app, code, Action.DISPATCH, DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY))
    await decide_as(app, code, Action.ACCEPT, AcceptDecision(ZHUJIAN, "今日派人查看"))
    with Session(engine) as session:
        clock = session.exec(
            select(CaseDeadline).where(CaseDeadline.case_code == code, CaseDeadline.kind == "completion")
        ).one()
    page = await resident.get(f"/track/{token}")
    assert dict(steps(page.text))["跟单/派单"] == "done" and dict(steps(page.text))["接单/办理"] == "current"
    expected = re.search(r'<dd id="track-expected">(.*?)</dd>', page.text, re.S)
    assert expected and local_date(clock.due_at) in expected.group(1)
    assert ("暂定" in expected.group(1)) == clock.provisional

    # Thanks after the rating; a bare ?rated=1 before it shows nothing.
    await decide_as(app, code, Action.SUBMIT_RESULT, ResultSubmission(ZHUJIAN, "路灯已修复"))
    early = await resident.get(f"/track/{token}?rated=1")
    assert "感谢您的评价" not in early.text and dict(steps(early.text))["评单"] == "current"
    rated = await resident.post(f"/track/{token}/rate", {"solved": "true", "value": "satisfied"})
    assert rated.status_code == 303 and rated.headers["location"] == f"/track/{token}?rated=1"
    page = await resident.get(rated.headers["location"])
    assert 'id="track-thanks" role="status"' in page.text and "感谢您的评价！" in page.text
    assert all(state == "done" for _, state in steps(page.text)) and len(steps(page.text)) == 5
    assert "预计办结" not in page.text and "您的评价" in page.text


async def test_the_residents_photos_are_shown_under_the_link(app, browser):
    resident = await browser()
    filed = await success_page(resident, await submit(resident, photos=[("a.png", PNG, "image/png")]))
    token = TRACK.search(filed.text).group(1).rsplit("/", 1)[1]  # type: ignore[union-attr]
    page = await resident.get(f"/track/{token}")
    photos = re.findall(rf'<img src="(/track/{token}/photos/[^"]+)"', page.text)
    assert len(photos) == 1 and "您上传的照片" in page.text
    assert (await resident.get(photos[0])).status_code == 200


async def test_an_unknown_link_is_still_not_found(app, browser):
    resident = await browser()
    assert (await resident.get("/track/nope")).status_code == 404
    assert (await resident.get("/track/nope?rated=1")).status_code == 404
