"""局长信箱 as its people use it: a resident writes on the portal, the deputy proposes, the director
assigns it with a deadline, the unit answers, the writer reads the answer and rates it on their link,
and the mailbox's figures count it; officers outside it see nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tests.web.conftest import OpenBrowser
from workdays import SHANGHAI

LETTER = {
    "name": "周建华",
    "phone": "13807310001",
    "subject": "小区夜间施工扰民",
    "content": "工地每晚施工到凌晨两点。",
}


async def test_a_letter_from_the_writer_to_the_answer_and_its_rating(
    browser: OpenBrowser, engine: Any
) -> None:
    writer = await browser()
    await writer.get("/portal/mailbox")
    bad = await writer.post("/portal/mailbox", {**LETTER, "phone": "12"})
    assert bad.status_code == 422 and LETTER["subject"] in bad.text
    sent = await writer.post("/portal/mailbox", LETTER)
    assert sent.status_code == 303
    link = sent.headers["location"].split("?")[0]
    page = await writer.get(link)
    assert "副局长审阅" in page.text
    code = re.search(r"XX-\d{4}-\d{6}", page.text).group(0)  # type: ignore[union-attr]

    deputy = await browser("xf-deputy")
    assert code in (await deputy.get("/mailbox")).text
    await deputy.get(f"/mailbox/{code}")
    empty = await deputy.post(
        f"/mailbox/{code}/actions/mb_propose", {"org_id": "dp-huanjing", "opinion": " "}
    )
    assert empty.status_code == 409 and "请填写拟办意见" in empty.text
    proposed = await deputy.post(
        f"/mailbox/{code}/actions/mb_propose", {"org_id": "dp-huanjing", "opinion": "交环保分局核查"}
    )
    assert proposed.status_code == 303

    director = await browser("xf-head")
    await director.get(f"/mailbox/{code}")
    due = (datetime.now(SHANGHAI) + timedelta(days=5)).date().isoformat()
    far = (datetime.now(SHANGHAI) + timedelta(days=45)).date().isoformat()
    too_far = await director.post(
        f"/mailbox/{code}/actions/mb_approve", {"org_id": "dp-huanjing", "due_at": far}
    )
    assert too_far.status_code == 409 and "不能晚于 30 天之后" in too_far.text
    approved = await director.post(
        f"/mailbox/{code}/actions/mb_approve",
        {"org_id": "dp-huanjing", "due_at": due, "instruction": "五日内答复"},
    )
    assert approved.status_code == 303

    outsider = await browser("dept-zhujian")
    assert (await outsider.get(f"/mailbox/{code}")).status_code == 404
    assert code not in (await outsider.get("/mailbox")).text
    unit = await browser("dept-huanjing")
    assert code in (await unit.get("/mailbox")).text
    await unit.get(f"/mailbox/{code}")
    answered = await unit.post(f"/mailbox/{code}/actions/mb_reply", {"answer": "已责令施工单位夜间停工"})
    assert answered.status_code == 303

    page = await writer.get(link)
    assert "已责令施工单位夜间停工" in page.text and "您对答复是否满意" in page.text
    refused = await writer.post(f"{link}/rate", {"value": "dissatisfied"})
    assert refused.status_code == 409  # 不满意 needs a reason
    rated = await writer.post(f"{link}/rate", {"value": "satisfied"})
    assert rated.status_code == 303
    assert "您的评价：满意" in (await writer.get(link)).text

    # Workflow times are the test server's, which earlier tests may have skipped ahead: a wide period.
    today = datetime.now(SHANGHAI).date()
    figures = await director.get(f"/mailbox?period={today - timedelta(days=1)}..{today + timedelta(days=60)}")
    assert 'data-figure="received">1<' in figures.text
    assert (
        'data-figure="on_time">100.0%（1/1）<' in figures.text
        and 'data-figure="satisfied">100.0%（1/1）<' in figures.text
    )


async def test_a_letter_code_temporal_already_holds_is_skipped(browser: OpenBrowser, engine: Any) -> None:
    """The read model restored from an older backup hands out a code Temporal already holds: the
    letter takes the next code instead of failing (cases and petitions recover the same way)."""
    from sqlalchemy import text

    writer = await browser()
    await writer.get("/portal/mailbox")
    first = await writer.post("/portal/mailbox", LETTER)
    assert first.status_code == 303
    first_code = re.search(r"XX-\d{4}-\d{6}", (await writer.get(first.headers["location"])).text).group(0)  # type: ignore[union-attr]
    with engine.begin() as conn:  # the counter as an older backup had it
        moved = conn.execute(text("UPDATE counters SET value = value - 1 WHERE name LIKE 'case:XX:%'"))
        assert moved.rowcount == 1
    again = await writer.post("/portal/mailbox", {**LETTER, "subject": "施工扰民（补充）"})
    assert again.status_code == 303, again.text
    second_code = re.search(r"XX-\d{4}-\d{6}", (await writer.get(again.headers["location"])).text).group(0)  # type: ignore[union-attr]
    assert second_code != first_code and second_code > first_code
