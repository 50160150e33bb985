"""Petitioners as people, in the browser's terms (HTTP through the app, the real workflow behind it):
the id number checked at the desk, 初信初访 and 重复信访, similar open petitions, 并案, group petitions
with their representatives, the petitioner's file, and the figures in 件, 批 and 人次."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from store.audit import PetitionDataView
from store.petitioners import PetitionerRecord
from store.petitions import Petition, PetitionEvent
from tests.utils.web import api_token
from tests.web.conftest import OpenBrowser
from tests.web.test_petitions import LETTER, register
from workflows.petition.ids import petition_workflow_id
from workflows.petition.workflow import PetitionWorkflow

ID_NUMBER = "43012119650101123X"  # 李桂芳's (LETTER's): a valid check character
OTHER = {  # another resident of the same community, on the same lift
    **LETTER,
    "petitioner_name": "张秀兰",
    "petitioner_phone": "13900003333",
    "petitioner_id_number": "430121198104120044",
    "petitioner_address": "东城街道清河社区7栋",
    "title": "清河社区7栋电梯加装补贴未发放",
    "content": "清河社区7栋加装电梯的政府补贴至今未发放，多次询问街道无果。",
}
LIFT = {**OTHER, "petitioner_name": "赵大明", "petitioner_phone": "13900004444", "petitioner_id_number": ""}


def count(engine: Any) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Petition)).all())


async def check(desk: Any, values: dict[str, Any]) -> str:
    """The htmx check beside the registration form: its fragment."""
    response = await desk.post("/petitions/similar", values, htmx=True, target="xf-similar")
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith('<fieldset id="xf-similar"'), "a fragment, not the page"
    return response.text


async def test_a_bad_id_number_is_refused_with_its_reason_and_nothing_is_registered(
    app: Any, browser: OpenBrowser, engine: Any
) -> None:
    desk = await browser("xf-clerk")
    await desk.get("/petitions/new")
    for number, reason in (
        ("430121196501011234", "校验码（第18位）与前17位不符"),  # the last digit should be X
        ("430121196502301234", "第7至14位不是有效的出生日期"),  # 30 February
        ("4301211965010112", "身份证号应为18位"),
    ):
        response = await desk.post("/petitions", {**LETTER, "petitioner_id_number": number})
        assert response.status_code == 422 and reason in response.text, number
        assert f'value="{number}"' in response.text and LETTER["title"] in response.text  # kept as typed
    # The check beside the form says so at once.
    assert "校验码（第18位）与前17位不符" in await check(
        desk, {**LETTER, "petitioner_id_number": ID_NUMBER[:-1] + "1"}
    )
    api = await browser()
    refused = await api.http.post(
        "/api/v1/petitions",
        json={**LETTER, "petitioner_id_number": "430121196501011234"},
        headers=api_token(app, "xf-clerk"),
    )
    assert refused.status_code == 422 and "校验码（第18位）与前17位不符" in refused.json()["detail"]
    assert count(engine) == 0


async def test_the_full_id_number_goes_nowhere_but_its_masked_form_is_shown(
    app: Any, browser: OpenBrowser, engine: Any
) -> None:
    desk = await browser("xf-clerk")
    code, _ = await register(desk, petitioner_id_number=ID_NUMBER.lower())
    page = await desk.get(f"/petitions/{code}")
    assert "430121********123X" in page.text and ID_NUMBER not in page.text
    with Session(engine) as session:
        row = session.get(Petition, code)
        assert row is not None and row.petitioner_id_masked == "430121********123X"
        person = session.get(PetitionerRecord, row.petitioner_key)
        assert person is not None and person.id_masked == "430121********123X" and person.petitions == 1
    dump = "\n".join(engine.raw_connection().driver_connection.iterdump())
    assert ID_NUMBER not in dump and ID_NUMBER.lower() not in dump  # no table holds it
    # Nor does the workflow: it was given the masked form only (and its search attributes never a name).
    handle = app.state.temporal_client.get_workflow_handle(petition_workflow_id(code))
    snapshot = await handle.query(PetitionWorkflow.snapshot)
    assert snapshot.registration.petitioner.id_number == ""
    assert snapshot.registration.petitioner.id_masked == "430121********123X"
    # A unit handling it sees who the petitioner is (their id masked); of an accuser, nothing.
    accusation = {
        **LETTER,
        "matter_type": "accusation",
        "accused_org_id": "dp-chengguan",
        "title": "检举违规收费",
    }
    secret, _ = await register(desk, **accusation)
    unit = await browser("dept-zhujian")
    for petition in (code, secret):
        await desk.get(f"/petitions/{petition}")
        moved = await desk.post(
            f"/petitions/{petition}/actions/xf_transfer",
            {"org_id": "dp-zhujian", "mode": "transfer", "delivery": "mail"},
        )
        assert moved.status_code == 303, moved.text
    assert "430121********123X" in (await unit.get(f"/petitions/{code}")).text
    hidden = (await unit.get(f"/petitions/{secret}")).text
    assert "430121********123X" not in hidden and "（检举控告人信息保密）" in hidden


async def test_first_time_then_a_repeat_marked_at_the_desk(browser: OpenBrowser, engine: Any) -> None:
    desk = await browser("xf-clerk")
    await desk.get("/petitions/new")
    assert "没有查到该信访人以往的信访事项" in await check(desk, LETTER)
    response = await desk.post("/petitions", LETTER)
    first = re.search(r"/petitions/([A-Z]+-\d{4}-\d{6})", response.headers["location"]).group(1)  # type: ignore[union-attr]
    page = await desk.get(response.headers["location"])
    assert f"已登记信访事项 {first}（初信初访）" in page.text and 'data-flag="first_time"' in page.text

    # The same person (recognised by the id number, whatever name is typed) on the same matter.
    fragment = await check(desk, {**LETTER, "petitioner_name": "李桂芳（代）", "title": "补偿款仍未支付"})
    assert f'name="same_matter_as" value="{first}"' in fragment and "登记待受理" in fragment
    response = await desk.post("/petitions", {**LETTER, "title": "补偿款仍未支付", "same_matter_as": first})
    assert response.status_code == 303, response.text
    again = re.search(r"/petitions/([A-Z]+-\d{4}-\d{6})", response.headers["location"]).group(1)  # type: ignore[union-attr]
    page = await desk.get(response.headers["location"])
    assert f"已登记信访事项 {again}（重复信访，原事项 {first}）" in page.text
    assert 'data-flag="repeat"' in page.text and f"重复信访：与 {first} 为同一事项" in page.text
    assert f'href="/petitions/{first}"' in page.text  # the earlier petition, linked
    with Session(engine) as session:
        row = session.get(Petition, again)
        assert row is not None and row.repeat_of == first and not row.first_time
    # 不再受理 is only for a repeat of a concluded matter: this one is still open.
    await desk.get(f"/petitions/{again}")
    refused = await desk.post(
        f"/petitions/{again}/actions/xf_decline",
        {"ground": "concluded", "explanation": "不再受理", "delivery": "mail"},
    )
    assert refused.status_code == 409 and "只有已终结事项的重复信访" in refused.text

    # Someone else's petition is not this petitioner's earlier matter.
    other, _ = await register(desk, **OTHER)
    response = await desk.post("/petitions", {**LETTER, "same_matter_as": other})
    assert response.status_code == 422 and "不是该信访人的信访事项" in response.text
    assert count(engine) == 3


async def test_similar_open_petitions_are_suggested_at_registration(browser: OpenBrowser) -> None:
    desk = await browser("xf-clerk")
    lift, _ = await register(desk, **OTHER)
    # Another resident of 清河社区 on the same lift: suggested, with how alike the texts are.
    fragment = await check(
        desk, {**LIFT, "title": "7栋电梯加装补贴一直没发", "content": "清河社区7栋加装电梯的补贴至今未发放。"}
    )
    assert (
        lift in fragment and "同一地点，内容相似" in fragment and "登记后可在信访事项页面并案办理" in fragment
    )
    assert f'name="same_matter_as" value="{lift}"' not in fragment  # not this petitioner's: no 重复信访
    # The same words from another community, or another matter in 清河: not suggested.
    elsewhere = await check(desk, {**LIFT, "petitioner_address": "西城街道柳林社区2栋"})
    assert lift not in elsewhere and "没有相似的在办信访事项" in elsewhere
    unrelated = await check(desk, {**LIFT, "title": "噪音扰民", "content": "夜间施工噪音严重影响休息。"})
    assert lift not in unrelated
    assert (await desk.post("/petitions/similar", LIFT, csrf=False)).status_code == 403  # CSRF-checked
    assert (await (await browser("dept-zhujian")).post("/petitions/similar", LIFT)).status_code == 403
    # Without htmx the same address answers the whole form, with what was typed.
    full = await desk.post("/petitions/similar", LIFT)
    assert (
        full.status_code == 200 and "<form" in full.text and lift in full.text and LIFT["title"] in full.text
    )


async def test_a_merge_through_the_pages(app: Any, browser: OpenBrowser, engine: Any) -> None:
    desk = await browser("xf-clerk")
    target, _ = await register(desk, **OTHER)
    merged, _ = await register(desk, **{**LIFT, "title": "7栋电梯补贴未发放"})
    page = await desk.get(f"/petitions/{merged}")
    assert f'data-merge="{target}"' in page.text  # suggested, with a merge button

    # Refused: into itself, into nothing, into a closed petition (the read model says so).
    for into, message in ((merged, "不能并入它自己"), ("XF-2026-999999", "没有信访事项 XF-2026-999999")):
        response = await desk.post(
            f"/petitions/{merged}/actions/xf_merge", {"into": into, "reason": "同一事项"}
        )
        assert response.status_code == 409 and message in response.text
    closed, _ = await register(desk, **{**LIFT, "title": "另一件", "petitioner_phone": "13900005555"})
    await desk.get(f"/petitions/{closed}")
    await desk.post(f"/petitions/{closed}/actions/xf_withdraw", {"reason": "撤回"})
    response = await desk.post(
        f"/petitions/{merged}/actions/xf_merge", {"into": closed, "reason": "同一事项"}
    )
    assert response.status_code == 409 and f"信访事项 {closed} 已结束" in response.text

    await desk.get(f"/petitions/{merged}")
    response = await desk.post(
        f"/petitions/{merged}/actions/xf_merge", {"into": target, "reason": "反映同一事项，并案办理"}
    )
    assert response.status_code == 303, response.text
    page = await desk.get(f"/petitions/{merged}")
    assert f"已并入 {target}" in page.text and f'href="/petitions/{target}"' in page.text
    assert "已并案（合并办理）" in page.text and 'data-action="xf_merge"' not in page.text
    there = await desk.get(f"/petitions/{target}")
    assert 'id="xf-merged-here"' in there.text and f'href="/petitions/{merged}"' in there.text
    with Session(engine) as session:
        row = session.get(Petition, merged)
        assert row is not None and row.outcome == "merged" and row.merged_into == target
        assert row.due_at is None and row.closed_at is not None
        timelines = {
            code: [
                e.action
                for e in session.exec(select(PetitionEvent).where(PetitionEvent.petition_code == code))
            ]
            for code in (merged, target)
        }
    assert timelines == {merged: ["registered", "xf_merge"], target: ["registered"]}  # both kept
    # The JSON API says the same, and checks the same.
    api = await browser()
    desk_api = api_token(app, "xf-clerk")
    assert (await api.http.get(f"/api/v1/petitions/{merged}", headers=desk_api)).json()[
        "merged_into"
    ] == target
    refused = await api.http.post(
        f"/api/v1/petitions/{target}/decisions",
        json={"action": "xf_merge", "into": merged, "reason": "同一事项"},
        headers=desk_api,
    )
    assert refused.status_code == 409 and f"信访事项 {merged} 已结束" in refused.json()["detail"]


async def test_a_group_petition_with_its_representatives(app: Any, browser: OpenBrowser, engine: Any) -> None:
    desk = await browser("xf-clerk")
    await desk.get("/petitions/new")
    group = {**LETTER, "channel": "visit", "people_count": "12"}
    response = await desk.post("/petitions", group)
    assert response.status_code == 422 and "请登记推选的代表" in response.text
    six = [f"代表{n}" for n in range(1, 7)]
    response = await desk.post("/petitions", {**group, "representatives": six})
    assert response.status_code == 422 and "代表不超过5人" in response.text
    assert count(engine) == 0
    code, _ = await register(desk, **group, representatives=["王建国", "", "刘秀英"])
    page = await desk.get(f"/petitions/{code}")
    assert "王建国、刘秀英" in page.text and "集体访" in page.text
    with Session(engine) as session:
        row = session.get(Petition, code)
        assert row is not None and row.people_count == 12 and row.representatives == "王建国\n刘秀英"
    api = await browser()
    refused = await api.http.post(
        "/api/v1/petitions", json={**group, "representatives": six}, headers=api_token(app, "xf-clerk")
    )
    assert refused.status_code == 422 and "代表不超过5人" in refused.json()["detail"]
    read = await api.http.get(f"/api/v1/petitions/{code}", headers=api_token(app, "xf-clerk"))
    assert read.json()["representatives"] == ["王建国", "刘秀英"] and read.json()["people_count"] == 12

    # The figures count it: 1 件, 1 批, 12 人次, 初信初访.
    head = await browser("xf-head")
    figures = (await head.get("/petitions/figures")).text
    for figure, value in (
        ("pieces", 1),
        ("batches", 1),
        ("person_times", 12),
        ("first_time", 1),
        ("repeats", 0),
    ):
        assert f'data-figure="{figure}">{value}<' in figures, figure
    assert 'title="本期收到的集体访（5人以上）批次' in figures  # each figure's definition on hover


async def test_the_petitioners_file_lists_their_petitions_and_is_logged(
    browser: OpenBrowser, engine: Any
) -> None:
    desk = await browser("xf-clerk")
    first, _ = await register(desk)
    second, _ = await register(desk, title="补偿款仍未支付", same_matter_as=first)
    await register(desk, **OTHER)
    with Session(engine) as session:
        key = session.get(Petition, first).petitioner_key  # type: ignore[union-attr]
        person = session.get(PetitionerRecord, key)
        assert person is not None and person.petitions == 2 and person.name == "李桂芳"
    page = await desk.get(f"/petitions/{first}")
    assert f'href="/petitions/petitioners/{key}"' in page.text and f'href="/petitions/{second}"' in page.text
    response = await desk.get(f"/petitions/petitioners/{key}")
    assert response.status_code == 200 and "李桂芳" in response.text and "13900001111" in response.text
    assert f'data-code="{first}"' in response.text and f'data-code="{second}"' in response.text
    assert "登记待受理" in response.text and OTHER["title"] not in response.text
    with Session(engine) as session:
        views = session.exec(select(PetitionDataView).where(PetitionDataView.via == "petitioner")).all()
    assert sorted(v.petition_code for v in views) == sorted([first, second])
    assert (await (await browser("dept-zhujian")).get(f"/petitions/petitioners/{key}")).status_code == 403
    assert (await desk.get("/petitions/petitioners/nobody")).status_code == 404
