"""Canned replies (常用语): each org keeps its own, an admin any org's; the pickers read the officer's
own org's list; bad input is refused and changes nothing."""

from __future__ import annotations

from sqlmodel import Session, func, select

from store.officer_tools import CannedReply


def kept(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(CannedReply)).one())


async def test_an_org_keeps_its_replies_and_its_officers_pick_from_them(app, browser, engine):
    dept = await browser("dept-zhujian")
    page = await dept.get("/canned-replies")
    assert page.status_code == 200 and "区住建局" in page.text and "本单位尚未添加常用语" in page.text
    assert 'href="/canned-replies"' in page.text  # in the navigation
    added = await dept.post("/canned-replies", {"field": "response", "text": "已电话联系群众，今日派人查看"})
    assert added.status_code == 303
    await dept.post("/canned-replies", {"field": "result", "text": "已修复，经群众确认"})
    await dept.post("/canned-replies", {"field": "result", "text": "已修复，经群众确认"})  # kept once
    assert kept(engine) == 2
    options = (await dept.get("/canned-replies/options")).json()
    assert options["replies"] == {
        "response": ["已电话联系群众，今日派人查看"],
        "result": ["已修复，经群众确认"],
    }
    assert options["placeholder"] == "选用常用语…"
    # Another department's pickers and page do not show them.
    other = await browser("dept-chengguan")
    assert (await other.get("/canned-replies/options")).json()["replies"] == {"response": [], "result": []}
    assert "已电话联系群众" not in (await other.get("/canned-replies")).text
    with Session(engine) as session:
        reply = session.exec(select(CannedReply).where(CannedReply.field == "response")).one()
    assert (await other.post(f"/canned-replies/{reply.id}/delete")).status_code == 404
    assert kept(engine) == 2
    # A leader keeps none, but the pickers' request still answers (no failed request on the page).
    leader = await browser("leader-wang")
    assert (await leader.get("/canned-replies/options")).status_code == 200
    assert (await dept.post(f"/canned-replies/{reply.id}/delete")).status_code == 303
    assert kept(engine) == 1


async def test_an_admin_keeps_any_orgs_replies(app, browser, engine):
    admin = await browser("admin")
    page = await admin.get("/canned-replies?org=st-dongcheng")
    assert (
        page.status_code == 200 and "东城街道" in page.text and 'name="org" value="st-dongcheng"' in page.text
    )
    done = await admin.post(
        "/canned-replies", {"field": "result", "text": "街道已协调解决", "org": "st-dongcheng"}
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/canned-replies?org=st-dongcheng")
    street = await browser("street-dongcheng")
    assert (await street.get("/canned-replies/options")).json()["replies"]["result"] == ["街道已协调解决"]
    assert (await admin.get("/canned-replies?org=nowhere")).status_code == 404
    refused = await admin.post("/canned-replies", {"field": "result", "text": "x", "org": "nowhere"})
    assert refused.status_code == 404 and kept(engine) == 1


async def test_bad_replies_are_refused_and_nothing_is_kept(app, browser, engine):
    dept = await browser("dept-zhujian")
    for data, status, message in (
        ({"field": "response", "text": "  "}, 422, "请填写内容"),
        ({"field": "response", "text": "长" * 501}, 422, "请填写内容（不超过 500 字）"),
        ({"field": "title", "text": "不是这个用途"}, 422, "请选择用途"),
        ({"field": "response", "text": "含控制字符\x07"}, 422, "控制字符"),
    ):
        refused = await dept.post("/canned-replies", data)
        assert refused.status_code == status and message in refused.text, (data, refused.text)
        assert 'role="alert"' in refused.text
    assert kept(engine) == 0
    assert (
        await dept.post("/canned-replies", {"field": "response", "text": "x"}, csrf=False)
    ).status_code == 403
    assert kept(engine) == 0
