"""积案 / 包案 as the people who run it use it: the bureau's head designates a petition from its page,
names the owning leader and team; the leader reports from their own list; the supervision office reads
the ledger; the ledger filters, exports and counts; refusals say why."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from store.backlogs import Backlog
from tests.web.conftest import OpenBrowser
from tests.web.test_petitions import act, register
from workdays import SHANGHAI


async def test_designate_own_report_resolve_and_count(browser: OpenBrowser, engine: Any) -> None:
    desk = await browser("xf-clerk")
    code, _ = await register(desk, title="征地补偿多年未决")
    await act(desk, code, "xf_transfer", org_id="dp-zhujian", mode="transfer", delivery="mail")
    head = await browser("xf-head")
    page = await head.get(f"/petitions/{code}")
    assert 'data-action="designate"' in page.text
    assert (await desk.post(f"/petitions/{code}/backlog", {"reason": "decided"})).status_code == 403
    designated = await head.post(f"/petitions/{code}/backlog", {"reason": "repeat", "note": "三年内反映9次"})
    assert designated.status_code == 303 and designated.headers["location"] == f"/backlogs/{code}"
    again = await head.post(f"/petitions/{code}/backlog", {"reason": "repeat"})
    assert again.status_code == 409 and "已认定为积案" in again.text
    assert f'href="/backlogs/{code}"' in (await head.get(f"/petitions/{code}")).text

    await head.get(f"/backlogs/{code}")
    none = await head.post(f"/backlogs/{code}/actions/jz_assign", {"note": "x"})
    assert none.status_code == 409 and "请至少指定一名包案领导" in none.text
    stranger = await head.post(f"/backlogs/{code}/actions/jz_assign", {"leader_ids": "dept-zhujian"})
    assert stranger.status_code == 409 and "不是在职的区领导" in stranger.text
    owned = await head.post(
        f"/backlogs/{code}/actions/jz_assign",
        {"leader_ids": "leader-wang", "team_org_ids": ["dp-zhujian", "st-dongcheng"], "note": "一个月内化解"},
    )
    assert owned.status_code == 303, owned.text

    leader = await browser("leader-wang")
    mine = await leader.get("/backlogs")
    assert code in mine.text
    assert code not in (await (await browser("leader-li")).get("/backlogs")).text  # not theirs
    page = await leader.get(f"/backlogs/{code}")
    assert 'data-action="jz_report"' in page.text and 'data-action="jz_assign"' not in page.text
    bad = await leader.post(
        f"/backlogs/{code}/actions/jz_report", {"progress": "已约谈", "duties_done": "flying"}
    )
    assert bad.status_code == 422
    reported = await leader.post(
        f"/backlogs/{code}/actions/jz_report",
        {"progress": "已约见信访人，核实补偿标准", "duties_done": ["facts", "education"]},
    )
    assert reported.status_code == 303
    page = await leader.get(reported.headers["location"])
    assert "已报告进展" in page.text and "已约见信访人" in page.text

    supervision = await browser("supervision")
    ledger = await supervision.get("/backlogs?reason=repeat")
    assert code in ledger.text and "重复信访" in ledger.text
    assert code not in (await supervision.get("/backlogs?reason=overdue")).text
    exported = await supervision.get("/backlogs?format=csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][0] == "编号" and [r[0] for r in rows[1:]] == [code] and rows[1][4] == "王建国（副区长）"

    resolved = await leader.post(
        f"/backlogs/{code}/actions/jz_resolve", {"outcome": "settled", "evidence": "补偿已到位，签订协议"}
    )
    assert resolved.status_code == 303
    with Session(engine) as session:
        row = session.get(Backlog, code)
        assert row is not None and (row.stage, row.outcome, row.reports) == ("jz_closed", "settled", 1)
    # Figures for the period around now: one added and resolved, none left: a rate of 100 %.
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    period = f"{today - timedelta(days=1)}..{today + timedelta(days=60)}"  # the test server may run ahead
    figures = await supervision.get(f"/backlogs?period={period}")
    for name, value in (("added", "1"), ("resolved", "1"), ("stock_at_end", "0"), ("rate", "100.0%")):
        assert f'data-figure="{name}">{value}<' in figures.text, name
    # and per handling unit: the unit it was transferred to
    assert re.search(
        r'data-org="dp-zhujian"><td>区住建局</td><td>0</td><td>1</td><td>1</td><td>0</td><td>100.0%',
        figures.text,
    )
    assert (await (await browser("community-qinghe")).get("/backlogs")).status_code == 403
