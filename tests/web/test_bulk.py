"""Bulk 签收 / 接单 from the inbox: each case through the single decision's own service call, a
result per case, and bad input refused before anything is sent."""

from __future__ import annotations

from tests.utils.cases import ADMIN, COMMUNITY, OTHER_COMMUNITY, STREET
from tests.utils.web import decide_as, fingerprint, new_case, snapshot
from web.services.bulk import MAX_CASES
from workflows.types import (
    Action,
    Category,
    Difficulty,
    DispatchDecision,
    ReportUp,
    SignDecision,
    Stage,
    TriageDecision,
    Urgency,
)


async def reported(app, community=COMMUNITY, **changes) -> str:  # type: ignore[no-untyped-def]
    """A case reported up to its street, waiting to be signed for (签收)."""
    code, _ = await new_case(app, ADMIN if changes else None, **changes)
    await decide_as(app, code, Action.TRIAGE, TriageDecision(community, Urgency.URGENT, Category.DISPUTE))
    await decide_as(app, code, Action.REPORT_UP, ReportUp(community))
    return code


async def dispatched(app) -> str:  # type: ignore[no-untyped-def]
    code = await reported(app)
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    await decide_as(app, code, Action.DISPATCH, DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY))
    return code


async def test_a_street_signs_for_several_reports_and_reads_what_became_of_each(app, browser):
    first, second, signed = await reported(app), await reported(app), await reported(app)
    await decide_as(app, signed, Action.SIGN, SignDecision(STREET))  # signed already, on its page
    elsewhere, _ = await new_case(app, ADMIN, community_org_id="cm-hubin")  # 西湖街道's
    street = await browser("street-dongcheng")
    inbox = await street.get("/")
    for code in (first, second):
        assert f'name="codes" value="{code}" form="bulk-form"' in inbox.text
    assert f'name="codes" value="{signed}"' not in inbox.text  # waiting for 派单, not 签收
    assert 'id="bulk-form"' in inbox.text and "批量签收" in inbox.text
    response = await street.post(
        "/inbox/bulk",
        {"action": "sign", "codes": [first, second, signed, elsewhere, "HJ-2026-999999"], "note": "已签收"},
        htmx=True,
        target="bulk-result",
    )
    assert response.status_code == 200 and "inbox-changed" in response.headers["HX-Trigger"]
    assert response.text.lstrip().startswith('<div id="bulk-result"')
    assert "签收：成功 2 件，未办理 3 件" in response.text
    assert f'<a class="mono" href="/cases/{first}">{first}</a> 已签收' in response.text
    assert "未办理：案件当前处于「街道派单」阶段，不能办理此操作" in response.text  # the workflow's words
    assert response.text.count("没有这件诉求，或您无权办理") == 2  # another street's, and none at all
    for code in (first, second):
        assert (await snapshot(app, code)).stage == Stage.DISPATCH
    assert (await snapshot(app, elsewhere)).stage == Stage.REPORT
    # Without htmx: the result page, with the way back to the inbox.
    third = await reported(app)
    plain = await street.post("/inbox/bulk", {"action": "sign", "codes": [third]})
    assert plain.status_code == 200 and "签收：成功 1 件" in plain.text and 'href="/"' in plain.text


async def test_a_department_accepts_several_with_one_response(app, browser):
    first, second = await dispatched(app), await dispatched(app)
    dept = await browser("dept-zhujian")
    inbox = await dept.get("/")
    assert f'name="codes" value="{first}" form="bulk-form"' in inbox.text and "批量接单" in inbox.text
    assert '<textarea name="response"' in inbox.text  # the canned-reply picker attaches to it
    done = await dept.post(
        "/inbox/bulk", {"action": "accept", "codes": [first, second], "response": "已电话联系群众"}
    )
    assert done.status_code == 200 and "接单：成功 2 件，未办理 0 件" in done.text
    for code in (first, second):
        snap = await snapshot(app, code)
        assert snap.stage == Stage.HANDLE and snap.assignments[0].response == "已电话联系群众"


async def test_bad_bulk_requests_are_refused_and_send_nothing(app, browser):
    code = await dispatched(app)
    before = await fingerprint(app, code)
    dept = await browser("dept-zhujian")
    cases = [
        ({"action": "accept", "codes": [code], "response": "  "}, "请填写当日首次响应内容"),
        ({"action": "accept", "response": "已联系"}, "请先勾选要办理的诉求"),
        ({"action": "sign", "codes": [code]}, "您的角色不能批量办理此操作"),
        ({"action": "dispatch", "codes": [code]}, "您的角色不能批量办理此操作"),
        ({"action": "nonsense", "codes": [code]}, "选项无效"),
        (
            {"action": "accept", "codes": [f"C{i}" for i in range(MAX_CASES + 1)], "response": "x"},
            "一次最多办理",
        ),
    ]
    for data, message in cases:
        refused = await dept.post("/inbox/bulk", data, htmx=True, target="bulk-result")
        assert refused.status_code == 422 and message in refused.text, (data, refused.text)
        assert "HX-Trigger" not in refused.headers
    assert await fingerprint(app, code) == before
    # A role with no bulk action sees no boxes and is refused too.
    community = await browser("community-qinghe")
    assert 'id="bulk-form"' not in (await community.get("/")).text
    other = await reported(app, OTHER_COMMUNITY, community_org_id="cm-hubin")
    refused = await community.post("/inbox/bulk", {"action": "sign", "codes": [other]})
    assert refused.status_code == 422 and "您的角色不能批量办理此操作" in refused.text
    # Without the CSRF token nothing is even read.
    street = await browser("street-dongcheng")
    assert (
        await street.post("/inbox/bulk", {"action": "sign", "codes": [other]}, csrf=False)
    ).status_code == 403
