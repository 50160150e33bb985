"""The resident portal: submit without an account, a private tracking link, rating, withdrawal,
and the abuse limits (photo type, size and count, rate limit, no enumeration)."""

from __future__ import annotations

import re

from sqlmodel import Session, func, select

from store.models import Case
from tests.utils.cases import CHENGGUAN, COMMUNITY, ZHUJIAN
from tests.utils.web import CODE, decide_as, new_case, shared_case, snapshot
from tests.utils.web import PORTAL_FORM as FORM
from web.ratelimit import SlidingWindowLimiter
from workflows.types import (
    AcceptDecision,
    Action,
    Category,
    Channel,
    Outcome,
    ReportUp,
    ResultSubmission,
    Stage,
    TriageDecision,
    Urgency,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 100
TRACK = re.compile(r"http://testserver(/track/[A-Za-z0-9_-]+)")


def cases(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Case)).one()


def stored_files(app) -> list:
    return sorted((app.state.settings.data_dir / "uploads").iterdir())


async def submit(b, data=None, photos=()):
    """Opens a fresh form and sends it: the POST's response (a redirect when it was filed)."""
    page = await b.get("/portal")
    assert page.status_code == 200
    files = [("photos", (name, content, kind)) for name, content, kind in photos] or None
    return await b.post("/portal", {**FORM, **(data or {})}, files=files)


async def success_page(b, response):
    """The page a filed form redirects to (post/redirect/get)."""
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/portal/submitted/")
    page = await b.get(response.headers["location"])
    assert page.status_code == 200
    return page


async def test_a_resident_submits_and_follows_the_request(app, browser, engine):
    resident = await browser()
    form = await resident.get("/portal")
    assert "湖滨社区" in form.text and "登录" not in form.text.split("</header>")[1][:200]
    response = await submit(resident, photos=[("a.png", PNG, "image/png"), ("b.jpg", JPEG, "image/jpeg")])
    done = await success_page(resident, response)
    assert done.headers["cache-control"] == "no-store"
    code = CODE.search(done.text).group(0)
    link = TRACK.search(done.text).group(1)
    assert len(stored_files(app)) == 2
    snap = await snapshot(app, code)
    assert snap.registration.channel == Channel.WEB_PORTAL and len(snap.registration.attachments) == 2
    assert snap.registration.street_org_id == "st-xihu"

    page = await resident.get(link)
    assert page.status_code == 200 and code in page.text and "社区正在核实" in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    photo = await resident.get(f"{link}/photos/{snap.registration.attachments[0]}")
    assert photo.status_code == 200 and photo.content == PNG
    # Internal work never shows: not the triage note, not officers' names.
    hubin = COMMUNITY.__class__("community-hubin", COMMUNITY.role, "cm-hubin", "湖滨社区书记")
    await decide_as(
        app,
        code,
        Action.TRIAGE,
        TriageDecision(hubin, Urgency.URGENT, Category.ENVIRONMENT, "内部研判：物业失职"),
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(hubin, "请街道督促物业"))
    page = await resident.get(link)
    assert "已上报街道" in page.text and "湖滨社区" in page.text
    assert "内部研判" not in page.text and "湖滨社区书记" not in page.text and "分类研判" not in page.text
    assert "撤回诉求" in page.text and "请您评价" not in page.text


async def test_a_resident_who_does_not_know_the_category_leaves_it_to_the_community(app, browser):
    resident = await browser()
    form = await resident.get("/portal")
    assert '<option value="">不清楚，由工作人员判断</option>' in form.text
    done = await success_page(resident, await submit(resident, {"category": ""}))
    snap = await snapshot(app, CODE.search(done.text).group(0))
    assert snap.registration.category is None and snap.category is None


async def test_rating_once_the_result_is_in(app, browser):
    code, token = await shared_case(app, accepted=False)
    resident = await browser()
    page = await resident.get(f"/track/{token}")
    assert "撤回诉求" in page.text  # not accepted by any department yet
    await decide_as(app, code, Action.ACCEPT, AcceptDecision(ZHUJIAN, "我局今日派人查看"))
    await decide_as(app, code, Action.ACCEPT, AcceptDecision(CHENGGUAN, "已知悉"))
    page = await resident.get(f"/track/{token}")
    assert "我局今日派人查看" in page.text and "撤回诉求" not in page.text
    refused = await resident.post(f"/track/{token}/withdraw", {"reason": "不用了"})
    assert refused.status_code == 409 and "不能办理此操作" in refused.text
    await decide_as(app, code, Action.SUBMIT_RESULT, ResultSubmission(CHENGGUAN, "协办完成"))
    await decide_as(app, code, Action.SUBMIT_RESULT, ResultSubmission(ZHUJIAN, "路灯已修复"))
    page = await resident.get(f"/track/{token}")
    assert "请您评价" in page.text and "路灯已修复" in page.text
    bad = await resident.post(f"/track/{token}/rate", {"value": "great"})
    assert bad.status_code == 422 and "评价：选项无效" in bad.text
    missing_reason = await resident.post(
        f"/track/{token}/rate", {"solved": "false", "value": "dissatisfied", "comment": ""}
    )
    assert missing_reason.status_code == 409 and "不满意的原因" in missing_reason.text
    assert 'value="dissatisfied" required checked' in missing_reason.text  # the choice is kept
    rated = await resident.post(
        f"/track/{token}/rate", {"solved": "true", "value": "satisfied", "comment": "很及时"}
    )
    assert rated.status_code == 303
    snap = await snapshot(app, code)
    assert snap.stage == Stage.CLOSED and snap.outcome == Outcome.RESOLVED
    page = await resident.get(f"/track/{token}")
    assert "已结案" in page.text and "请您评价" not in page.text
    assert "评价：满意" in page.text and "很及时" in page.text  # the entry names the rating


async def test_withdraw_before_acceptance(app, browser):
    code, token = await new_case(app)
    resident = await browser()
    await resident.get(f"/track/{token}")
    assert (await resident.post(f"/track/{token}/withdraw", {"reason": "已自行解决"})).status_code == 303
    assert (await snapshot(app, code)).outcome == Outcome.WITHDRAWN


async def test_bad_uploads_are_refused_and_leave_nothing_behind(app, browser, engine):
    resident = await browser()
    too_big = b"\xff\xd8\xff" + b"\x00" * app.state.settings.upload_max_bytes
    for photos, words in (
        ([("a.png", PNG, "image/png")] * 4, "最多上传 3 张照片"),
        ([("a.jpg", too_big, "image/jpeg")], "第 1 张照片超过 5 MB"),
        (
            [("a.png", PNG, "image/png"), ("evil.jpg", b"<script>alert(1)</script>", "image/jpeg")],
            "第 2 张照片不是",
        ),
        ([("doc.webp", b"RIFF\x00\x00\x00\x00WAVE", "image/webp")], "不是 JPEG、PNG 或 WebP"),
    ):
        response = await submit(resident, photos=photos)
        assert response.status_code == 422 and words in response.text, words
        assert FORM["description"] in response.text  # what the resident typed is kept
    assert cases(engine) == 0 and stored_files(app) == []
    ok = await submit(resident, photos=[("c.webp", WEBP, "image/webp")])
    assert ok.status_code == 303 and cases(engine) == 1 and len(stored_files(app)) == 1


async def test_bad_fields_are_refused_and_change_nothing(app, browser, engine):
    resident = await browser()
    for data, words in (
        ({"reporter_phone": "12345"}, "联系电话：格式不正确"),
        ({"title": ""}, "诉求标题：必须填写"),
        ({"community_org_id": "st-xihu"}, "所选社区（村）不存在或已停用"),
        ({"category": "aliens"}, "诉求类别：选项无效"),
        ({"title": "路灯\x1b[31m坏了"}, "内容含有不允许的控制字符"),
        ({"description": "南门\u202e外路灯\x00"}, "内容含有不允许的控制字符"),
    ):
        response = await submit(resident, data)
        assert response.status_code == 422 and words in response.text, words
    assert cases(engine) == 0


async def test_portal_is_rate_limited_per_address(app, browser, engine):
    app.state.limiters["portal"] = SlidingWindowLimiter(2, 3600)
    resident = await browser(addr="192.0.2.7")
    assert (await submit(resident)).status_code == 303
    assert (await submit(resident, {"reporter_phone": "1"})).status_code == 422  # refused tries count too
    limited = await submit(resident)
    assert limited.status_code == 429 and "操作过于频繁" in limited.text
    assert cases(engine) == 1
    neighbour = await browser(addr="192.0.2.8")
    assert (await submit(neighbour)).status_code == 303


async def test_tracking_links_cannot_be_guessed_or_enumerated(app, browser):
    code, token = await new_case(app)
    app.state.limiters["track_miss"] = SlidingWindowLimiter(3, 3600)
    prober = await browser(addr="198.51.100.9")
    by_code = await prober.get(f"/track/{code}")
    random = await prober.get("/track/" + "A" * 43)
    assert by_code.status_code == random.status_code == 404
    assert "链接无效或已失效" in by_code.text and code not in by_code.text
    assert (await prober.get("/track/" + "x" * 500)).status_code == 404
    # Three misses from this address: even a right link is refused for a while.
    assert (await prober.get(f"/track/{token}")).status_code == 429
    resident = await browser(addr="198.51.100.10")
    assert (await resident.get(f"/track/{token}")).status_code == 200


async def test_oversized_request_bodies_are_refused_before_parsing(app, browser):
    resident = await browser()
    await resident.get("/portal")
    limit = app.state.settings.upload_max_bytes * 3 + 1024 * 1024
    response = await resident.http.post(
        "/portal", content=b"x" * (limit + 1), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
