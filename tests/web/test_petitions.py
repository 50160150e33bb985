"""The petition path in the browser's terms (HTTP through the app, the real workflow behind it): the
letter on the desk to 终结, the refusals, and 检举控告 kept from the accused unit."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from store.audit import PetitionDataView
from store.petitions import Petition, PetitionDocumentRow
from store.reception import ReceptionSchedule
from tests.utils.cases import sleep_until
from tests.utils.web import api_token
from tests.web.conftest import OpenBrowser
from workdays import SHANGHAI

LETTER = {
    "channel": "letter",
    "matter_type": "claim",
    "petitioner_name": "李桂芳",
    "petitioner_phone": "13900001111",
    "petitioner_id_number": "43012119650101123X",
    "petitioner_address": "东城街道清河社区5栋",
    "title": "拆迁补偿款未按协议支付",
    "content": "2025年签订的拆迁补偿协议约定的第二期补偿款至今未支付。",
}


async def register(desk: Any, **changes: Any) -> tuple[str, str]:
    """Registers at the desk; (code, tracking token shown once)."""
    await desk.get("/petitions/new")
    response = await desk.post("/petitions", {**LETTER, **changes})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    code = re.search(r"/petitions/([A-Z]+-\d{4}-\d{6})", location).group(1)  # type: ignore[union-attr]
    page = await desk.get(location)
    assert page.status_code == 200 and code in page.text
    token = re.search(r"/track/xf/([A-Za-z0-9_-]+)", page.text)
    return code, token.group(1) if token else ""


async def act(browser: Any, code: str, action: str, status: int = 303, **fields: Any) -> Any:
    await browser.get(f"/petitions/{code}")
    response = await browser.post(f"/petitions/{code}/actions/{action}", fields)
    assert response.status_code == status, response.text
    return response


def local_now(env_now: datetime) -> str:
    return env_now.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


async def test_a_letter_from_the_desk_to_its_conclusion(
    browser: OpenBrowser, engine: Any, time_env: WorkflowEnvironment
) -> None:
    desk = await browser("xf-clerk")
    code, token = await register(desk)
    assert token, "the desk is shown the petitioner's tracking link once"
    assert "/track/xf/" not in (await desk.get(f"/petitions/{code}")).text  # once only

    await act(
        desk, code, "xf_transfer", org_id="dp-zhujian", mode="transfer", note="请依法处理", delivery="mail"
    )
    unit = await browser("dept-zhujian")
    home = await unit.get("/")  # the 六单 inbox says a petition waits, and links to it
    assert 'id="petitions-waiting"' in home.text and "另有 1 件信访事项" in home.text
    inbox = await unit.get("/petitions")
    assert code in inbox.text and "待受理（转送件）" in inbox.text
    await act(unit, code, "xf_accept", notice="请保持电话畅通", delivery="mail")
    await act(unit, code, "xf_request_extension", days="20", reason="需委托第三方评估")
    head = await browser("head-zhujian")
    assert code in (await head.get("/petitions")).text
    await act(head, code, "xf_decide_extension", approve="true", note="", delivery="mail")
    await act(
        unit,
        code,
        "xf_answer",
        outcome="reject",
        facts="经查，补偿款已拨付。",
        reasons="依据补偿协议第五条。",
        decision="不支持重复支付。",
    )
    now = await time_env.get_current_time()
    await act(desk, code, "xf_deliver", method="in_person", received_at=local_now(now))

    # The petitioner asks for 复查 on the tracking page; the district government decides.
    petitioner = await browser()
    page = await petitioner.get(f"/track/xf/{token}")
    assert page.status_code == 200 and "申请复查" in page.text and "13900001111" not in page.text
    response = await petitioner.post(f"/track/xf/{token}/request", {"reasons": "补偿标准计算有误"})
    assert response.status_code == 303, response.text
    reviewer = await browser("reviewer-district")
    assert code in (await reviewer.get("/petitions")).text
    await act(
        reviewer,
        code,
        "xf_decide_review",
        outcome="upheld",
        reasons="认定事实清楚。",
        decision="维持原处理意见。",
    )
    await act(
        reviewer, code, "xf_deliver", method="mail", received_at=local_now(await time_env.get_current_time())
    )
    response = await petitioner.post(f"/track/xf/{token}/request", {"reasons": "仍然不服"})
    assert response.status_code == 303, response.text

    # 复核 by the city, with a hearing whose time does not count.
    city = await browser("reviewer-city")
    await act(city, code, "xf_start_hearing", note="召开听证会")
    await sleep_until(time_env, await time_env.get_current_time() + timedelta(days=2))
    await act(city, code, "xf_end_hearing", summary="听取了各方意见")
    await act(
        city, code, "xf_decide_recheck", outcome="upheld", reasons="复查意见正确。", decision="维持复查意见。"
    )
    await act(
        city, code, "xf_deliver", method="in_person", received_at=local_now(await time_env.get_current_time())
    )

    with Session(engine) as session:
        row = session.get(Petition, code)
        assert row is not None and row.outcome == "concluded" and row.hearing_days == 2
        docs = session.exec(
            select(PetitionDocumentRow).where(PetitionDocumentRow.petition_code == code)
        ).all()
    kinds = [d.kind for d in sorted(docs, key=lambda d: d.issued_at)]
    assert kinds == ["transfer", "acceptance", "extension", "opinion", "review", "recheck"]
    final = await desk.get(f"/petitions/{code}")
    assert "终结" in final.text
    for d in docs:  # every document prints with its number, for the desk and the petitioner
        html = await desk.get(f"/petitions/{code}/documents/{d.document_id}")
        assert html.status_code == 200 and d.number in html.text
        pdf = await petitioner.get(f"/track/xf/{token}/documents/{d.document_id}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    recheck = next(d for d in docs if d.kind == "recheck")
    assert "不再受理" in (await petitioner.get(f"/track/xf/{token}/documents/{recheck.document_id}")).text

    # The figures the bureau is ranked on count it: handled on time (extended), 复查 and 复核 asked, 终结.
    today = (await time_env.get_current_time()).astimezone(SHANGHAI).date()
    head_of_bureau = await browser("xf-head")
    figures = await head_of_bureau.get(f"/petitions/figures?period={today - timedelta(days=40)}..{today}")
    assert figures.status_code == 200, figures.text
    assert 'data-figure="concluded">1<' in figures.text
    assert 'data-figure="increase">+' in figures.text and 'data-figure="backlog_rate">' in figures.text
    assert re.search(
        r'data-figure="timely_acceptance">100\.0% <span class="muted small">（1/1）', figures.text
    )
    assert re.search(r'data-figure="review_rate">100\.0%', figures.text)
    assert (await unit.get("/petitions/figures")).status_code == 403
    assert (await head_of_bureau.get("/petitions/figures?period=2026-13")).status_code == 422

    # The same petitioner on the same matter again: the desk is shown the concluded petition, marks it
    # as the same matter (重复信访), and answers 不再受理.
    check = await desk.post("/petitions/similar", LETTER, htmx=True, target="xf-similar")
    assert f'name="same_matter_as" value="{code}"' in check.text and "终结" in check.text
    again, _ = await register(desk, title="再次反映拆迁补偿款问题", same_matter_as=code)
    page = await desk.get(f"/petitions/{again}")
    assert f"原事项 {code} 已终结" in page.text and 'data-flag="repeat"' in page.text
    await act(
        desk,
        again,
        "xf_decline",
        ground="concluded",
        explanation="该事项已经复核终结，不再受理。",
        delivery="mail",
    )
    with Session(engine) as session:
        notice = session.exec(
            select(PetitionDocumentRow).where(PetitionDocumentRow.petition_code == again)
        ).one()
    html = await desk.get(f"/petitions/{again}/documents/{notice.document_id}")
    assert "不再受理" in html.text
    assert recheck.number in html.text and f"原信访事项（{code}）" in html.text  # the earlier decision


async def test_refusals_say_why_and_change_nothing(browser: OpenBrowser, engine: Any) -> None:
    desk = await browser("xf-clerk")
    code, _ = await register(desk)
    other_unit = await browser("dept-chengguan")
    assert (await other_unit.get(f"/petitions/{code}")).status_code == 404  # not transferred to it
    response = await other_unit.post(f"/petitions/{code}/actions/xf_accept", {"delivery": "mail"})
    assert response.status_code == 404
    # Bad input: a clear message, 422.
    response = await act(desk, code, "xf_transfer", status=422, org_id="dp-zhujian", mode="sideways")
    assert "方式" in response.text
    # The workflow refuses: its sentence, 409.
    response = await act(desk, code, "xf_transfer", status=409, org_id="xf-bureau", mode="transfer")
    assert "本部门有权处理的事项请直接受理" in response.text
    response = await act(desk, code, "xf_decline", status=409, ground="concluded", explanation="不再受理")
    assert "只有已终结事项的重复信访" in response.text
    response = await act(desk, code, "xf_transfer", status=409, org_id="cm-qinghe", mode="transfer")
    assert "不是有权处理信访事项的机关" in response.text
    with Session(engine) as session:
        row = session.get(Petition, code)
        assert row is not None and row.stage == "xf_registered" and row.version == 1
    # Bad registrations keep what was typed and file nothing.
    response = await desk.post("/petitions", {**LETTER, "petitioner_id_number": "12345"})
    assert response.status_code == 422 and "身份证号" in response.text and LETTER["title"] in response.text
    response = await desk.post("/petitions", {**LETTER, "channel": "handed_down"})
    assert response.status_code == 422 and "交办" in response.text
    response = await desk.post("/petitions", {**LETTER, "title": "bad\x1b[31m"})
    assert response.status_code == 422
    unit = await browser("dept-zhujian")
    assert (await unit.get("/petitions/new")).status_code == 403
    assert (await unit.post("/petitions", LETTER)).status_code == 403
    with Session(engine) as session:
        assert len(session.exec(select(Petition)).all()) == 1


async def test_a_petition_code_temporal_already_holds_is_skipped(browser: OpenBrowser, engine: Any) -> None:
    """The read model restored from an older backup hands out a code Temporal already holds: the
    petition takes the next code, and the earlier petition under that code is untouched."""
    from sqlalchemy import text

    desk = await browser("xf-clerk")
    first, _ = await register(desk)
    with engine.begin() as conn:  # the counter as an older backup had it
        moved = conn.execute(
            text(f"UPDATE counters SET value = value - 1 WHERE name LIKE 'case:{first.split('-')[0]}:%'")
        )
        assert moved.rowcount == 1
    second, _ = await register(desk, title="补偿款支付进度（补充）")
    assert second > first
    with Session(engine) as session:
        rows = {
            p.code: p.title
            for p in session.exec(select(Petition).where(col(Petition.code).in_([first, second])))
        }
    assert rows == {first: LETTER["title"], second: "补偿款支付进度（补充）"}


async def test_an_accusation_never_reaches_the_accused_unit(browser: OpenBrowser, engine: Any) -> None:
    desk = await browser("xf-clerk")
    code, _ = await register(
        desk, matter_type="accusation", accused_org_id="dp-chengguan", title="检举城管执法人员违规收费"
    )
    accused = await browser("dept-chengguan")
    response = await act(desk, code, "xf_transfer", status=409, org_id="dp-chengguan", mode="transfer")
    assert "不得转交被检举控告的单位" in response.text
    await act(desk, code, "xf_transfer", org_id="dp-zhujian", mode="assign", delivery="mail")
    assert (await accused.get(f"/petitions/{code}")).status_code == 404
    assert code not in (await accused.get("/petitions?tab=all")).text
    assert code not in (await accused.get("/petitions")).text
    unit = await browser("dept-zhujian")
    page = await unit.get(f"/petitions/{code}")
    assert (
        page.status_code == 200
        and "检举控告人信息保密" in page.text
        and "李桂芳" not in page.text
        and "李*" not in page.text
    )
    assert "查看完整联系方式" not in page.text
    assert (await unit.post(f"/petitions/{code}/contact")).status_code == 403
    assert (await accused.post(f"/petitions/{code}/contact")).status_code == 404
    # The desk calls the petitioner: the full number, once, and the view is on record.
    await desk.get(f"/petitions/{code}")
    shown = await desk.post(f"/petitions/{code}/contact")
    assert shown.status_code == 200 and "13900001111" in shown.text
    again = await desk.get(f"/petitions/{code}")
    assert "13900001111" not in again.text and "联系方式查看记录：区信访局登记受理员" in again.text
    with Session(engine) as session:
        views = session.exec(select(PetitionDataView).where(PetitionDataView.petition_code == code)).all()
    assert [(v.user_id, v.via) for v in views] == [("xf-clerk", "web")]

    officials, _ = await register(desk, matter_type="accusation", about_officials="1", title="检举某局干部")
    response = await act(desk, officials, "xf_transfer", status=409, org_id="dp-zhujian", mode="transfer")
    assert "纪检监察机关" in response.text
    await act(desk, officials, "xf_transfer", org_id="dc-jigongwei", mode="transfer", delivery="mail")
    discipline = await browser("discipline")
    page = await discipline.get(f"/petitions/{officials}")
    assert page.status_code == 200 and "李桂芳" in page.text


async def test_the_api_registers_decides_and_keeps_an_accusation_confidential(
    app: Any, browser: OpenBrowser
) -> None:
    api = await browser()
    desk = api_token(app, "xf-clerk")
    body = {**LETTER, "matter_type": "accusation", "accused_org_id": "dp-chengguan", "title": "检举违规收费"}
    registered = await api.http.post("/api/v1/petitions", json=body, headers=desk)
    assert registered.status_code == 201, registered.text
    code = registered.json()["code"]
    refused = await api.http.post(
        f"/api/v1/petitions/{code}/decisions",
        json={"action": "xf_transfer", "org_id": "dp-chengguan", "mode": "transfer"},
        headers=desk,
    )
    assert refused.status_code == 409 and "被检举控告的单位" in refused.json()["detail"]
    moved = await api.http.post(
        f"/api/v1/petitions/{code}/decisions",
        json={"action": "xf_transfer", "org_id": "dp-zhujian", "mode": "transfer"},
        headers=desk,
    )
    assert moved.status_code == 200 and moved.json()["stage"] == "xf_unit_accept"
    assert moved.json()["petitioner_name"] == "李桂芳"  # the bureau sees who accuses
    assert moved.json()["documents"][0]["number"]
    accused = await api.http.get(f"/api/v1/petitions/{code}", headers=api_token(app, "dept-chengguan"))
    assert accused.status_code == 404
    unit = (await api.http.get(f"/api/v1/petitions/{code}", headers=api_token(app, "dept-zhujian"))).json()
    assert unit["petitioner_name"] == "（检举控告人信息保密）"
    bad = await api.http.post(f"/api/v1/petitions/{code}/decisions", json={"action": "xf_fly"}, headers=desk)
    assert bad.status_code == 422
    not_desk = await api.http.post("/api/v1/petitions", json=LETTER, headers=api_token(app, "dept-zhujian"))
    assert not_desk.status_code == 403


async def test_the_demo_district_has_petitions_at_every_step(app: Any, engine: Any) -> None:
    from demo_petitions import PETITIONS, seed_demo_petitions

    state = app.state
    assert await seed_demo_petitions(state.settings, state.temporal_client, engine) == len(PETITIONS)
    assert await seed_demo_petitions(state.settings, state.temporal_client, engine) == 0  # once
    with Session(engine) as session:
        stages = sorted(p.stage for p in session.exec(select(Petition)))
    assert stages == sorted(
        [
            "xf_registered",
            "xf_unit_accept",
            "xf_handling",
            "xf_review_window",
            "xf_unit_accept",
            "xf_unit_accept",
        ]
    )
    with Session(engine) as session:  # and the reception days the portal shows
        assert len(session.exec(select(ReceptionSchedule)).all()) == 3
