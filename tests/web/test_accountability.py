"""问责 through HTTP: the discipline commission's list for a hand-made March, 约谈 records (recorded,
refused with every problem named and nothing saved), 待约谈 from a leader's supervision of a real case,
the admin's thresholds, and who may do what."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

from sqlmodel import Session, func, select

from store.accountability import Interview, InterviewCase
from tests.utils.accountability import ABSENT, EXPECTED, code, rated_march
from tests.utils.cases import COMMUNITY, STREET, ZHUJIAN
from tests.utils.web import decide_as, future_date, new_case
from web.i18n.accountability_text import ACCOUNTABILITY_TEXT as A
from workdays import SHANGHAI
from workflows.types import (
    AcceptDecision,
    Action,
    Category,
    Difficulty,
    DispatchDecision,
    Escalation,
    ReportUp,
    SignDecision,
    TriageDecision,
    Urgency,
)

ROW = re.compile(r'<tr data-org="([^"]+)">(.*?)</tr>', re.S)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
TAG = re.compile(r"<[^>]+>")
RECORD_HREF = re.compile(r'href="(/accountability/interviews/new\?[^"]+)"')


def rows_of(page: str) -> list[tuple[str, list[str], str]]:
    """The list's rows: org id, the cells' text, and the row's HTML."""
    return [
        (org, [html.unescape(TAG.sub("", c)).strip() for c in CELL.findall(body)], body)
        for org, body in ROW.findall(page)
    ]


def interview_count(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Interview)).one()


GOOD = {
    "org_id": "dp-zhujian",
    "person_name": "刘伟",
    "person_post": "局长（主要负责人）",
    "held_by": "discipline",
    "held_at": "2026-03-25T15:30",
    "reason": "2026年3月群众评单较差",
    "outcome": "责令十日内整改并书面报告",
    "cases": code(1),
    "period": "2026-03",
}


async def test_the_list_shows_each_poorly_rated_department_with_its_cases(app, browser, engine):
    rated_march(engine)
    discipline = await browser("discipline")
    page = await discipline.get("/accountability?period=2026-03")
    assert page.status_code == 200, page.text
    assert '<a href="/accountability" class="on" aria-current="page">问责</a>' in page.text
    assert "2026年3月" in page.text and "本期评价不少于 3 件的部门才作评判" in page.text
    rows = rows_of(page.text)
    assert [org for org, _, _ in rows] == [e[0] for e in EXPECTED]
    names = {
        "dp-gongan": "区公安分局",
        "dp-chengguan": "区城管局",
        "dp-renshe": "区人社局",
        "dp-zhujian": "区住建局",
    }
    for (org, cells, body), (_, rated, sat, avg, dis, rate, (by_rate, by_count), cases) in zip(
        rows, EXPECTED, strict=True
    ):
        assert cells[:6] == [names[org], str(rated), str(sat), str(avg), str(dis), rate], org
        assert ("低于 80%" in cells[6]) is by_rate and ("达到 2 件" in cells[6]) is by_count, org
        assert cells[7].split() == cases, org
        for c in cases:
            assert f'href="/cases/{c}"' in body
        # 记录约谈, prefilled with the department, its 不满意 cases and the period.
        prefill = parse_qs(urlparse(html.unescape(RECORD_HREF.search(body).group(1))).query)
        assert (
            prefill["org"] == [org]
            and prefill["cases"] == [" ".join(cases)]
            and prefill["period"] == ["2026-03"]
        )
    assert not any(org in ABSENT for org, _, _ in rows)
    # Every figure's definition on hover.
    assert f'title="{A["def_rate"]}"' in page.text and f'title="{A["def_rated"]}"' in page.text
    # Another month: nobody.
    assert A["list_empty"] in (await discipline.get("/accountability?period=2026-02")).text
    # The same list as CSV.
    exported = await discipline.get("/accountability/export.csv?period=2026-03")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("部门,评价数,满意,基本满意（一般）,不满意,满意率")
    assert lines[1].startswith("区公安分局,3,0,0,3,0.0%,") and len(lines) == 5


async def test_a_talk_is_recorded_and_shows_on_the_list(app, browser, engine):
    rated_march(engine)
    discipline = await browser("discipline")
    page = await discipline.get("/accountability?period=2026-03")
    zhujian = next(body for org, _, body in rows_of(page.text) if org == "dp-zhujian")
    form = await discipline.get(html.unescape(RECORD_HREF.search(zhujian).group(1)))
    assert form.status_code == 200
    assert '<option value="dp-zhujian" selected>' in form.text and f'value="{code(1)}"' in form.text
    assert '<option value="discipline" selected>' in form.text  # held by the one recording, unless changed
    assert "2026年3月群众评单较差：满意率 50.0% 低于 80%" in form.text
    saved = await discipline.post("/accountability/interviews", GOOD)
    assert saved.status_code == 303 and saved.headers["location"].startswith(
        "/accountability/interviews?org=dp-zhujian"
    )
    listing = await discipline.get(saved.headers["location"])
    assert A["i_saved"] in listing.text and "刘伟（局长（主要负责人））" in listing.text
    assert "责令十日内整改并书面报告" in listing.text and "纪工委监督员 · 纪工委" in listing.text
    with Session(engine) as session:
        stored = session.exec(select(Interview)).one()
        assert stored.held_at == datetime(2026, 3, 25, 15, 30, tzinfo=SHANGHAI)
        assert (stored.org_id, stored.held_by_role, stored.period_key, stored.recorded_by) == (
            "dp-zhujian", "discipline", "2026-03", "discipline",
        )  # fmt: skip
        assert session.exec(select(InterviewCase.case_code)).all() == [code(1)]
    # The list shows it in 住建's row; the filters find it by org and period, and not another org's.
    page = await discipline.get("/accountability?period=2026-03")
    zhujian = next(cells for org, cells, _ in rows_of(page.text) if org == "dp-zhujian")
    assert "2026-03-25 15:30 刘伟（局长（主要负责人））" in zhujian[8]
    assert "刘伟" in (await discipline.get("/accountability/interviews?org=dp-zhujian&period=2026-03")).text
    assert "刘伟" not in (await discipline.get("/accountability/interviews?org=dp-chengguan")).text
    assert "刘伟" not in (await discipline.get("/accountability/interviews?period=2026-04")).text


async def test_bad_input_is_refused_with_every_problem_and_nothing_saved(app, browser, engine):
    rated_march(engine)
    leader = await browser("leader-wang")
    await leader.get("/accountability/interviews/new")
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    bad = {
        **GOOD,
        "person_name": " ",
        "held_at": tomorrow,
        "org_id": "dc-jigongwei",
        "cases": f"{code(1)}, NO-SUCH-1",
        "period": "2026-13",
        "outcome": "x" * 2001,
    }
    refused = await leader.post("/accountability/interviews", bad)
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    for message in (
        "请填写被约谈人姓名",
        "约谈时间不能晚于现在",
        "被约谈单位须是区直部门或街道（乡镇）",
        "未找到诉求（或不在您的督办范围内）：NO-SUCH-1",
        "所涉统计周期无效",
        "整改要求及结果不能超过 2000 个字",
    ):
        assert message in text, message
    assert "：NO-SUCH-1</li>" in refused.text  # a case of the leader's street is known
    # What was typed is kept.
    assert (
        f'value="{tomorrow}"' in refused.text
        and "2026年3月群众评单较差" in text
        and 'value="2026-13"' in refused.text
    )
    assert interview_count(engine) == 0
    # A leader names only cases of the streets linked to them; a holder must be a leader, 督查室 or 纪工委.
    other = {**GOOD, "cases": code(1), "held_by": "dept-zhujian"}
    li = await browser("leader-li")
    await li.get("/accountability/interviews/new")
    refused = await li.post("/accountability/interviews", other)
    assert refused.status_code == 422
    assert f"未找到诉求（或不在您的督办范围内）：{code(1)}" in refused.text
    assert "约谈人须是在册的区领导、督查室或纪工委人员" in refused.text
    assert interview_count(engine) == 0


async def test_a_talk_ordered_while_supervising_waits_for_its_record(app, browser, engine):
    code_, _ = await new_case(app)
    await decide_as(app, code_, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.URGENT, Category.DISPUTE))
    await decide_as(app, code_, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code_, Action.SIGN, SignDecision(STREET))
    await decide_as(
        app, code_, Action.DISPATCH, DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY)
    )
    await decide_as(app, code_, Action.ACCEPT, AcceptDecision(ZHUJIAN, "已联系群众"))
    await decide_as(app, code_, Action.ESCALATE, Escalation(ZHUJIAN, "需多部门协调"))
    leader = await browser("leader-wang")
    await leader.get("/leader")
    done = await leader.post(
        f"/cases/{code_}/actions/supervise",
        {"note": "进度缓慢，限期办结", "new_due_at": future_date(), "talk_ordered": "true"},
        htmx=True,
        target="board",
    )
    assert done.status_code == 204, done.text
    # 待约谈 on the leader's board, the 约谈 list, and (a count) the accountability list.
    board = await leader.get("/leader")
    assert (
        f'<a class="tag warn" href="/accountability/interviews/new?org=dp-zhujian&amp;cases={code_}">待约谈 · 记录约谈</a>'
        in board.text
    )
    pending = await leader.get("/accountability/interviews")
    section = pending.text.split('id="pending"', 1)[1].split("</section>", 1)[0]
    assert code_ in section and "进度缓慢，限期办结（约谈部门负责人）" in section
    assert A["pending_link"].format(n=1) in (await leader.get("/accountability")).text
    # The discipline commission follows it too; the leader of another street does not.
    assert code_ in (await (await browser("discipline")).get("/accountability/interviews")).text
    assert code_ not in (await (await browser("leader-li")).get("/accountability/interviews")).text
    # Recorded from the prefilled form: no longer waiting; the board links to the record.
    form = await leader.get(f"/accountability/interviews/new?org=dp-zhujian&cases={code_}")
    assert '<option value="leader-wang" selected>' in form.text
    held = datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    values = {**GOOD, "held_by": "leader-wang", "held_at": held, "cases": code_, "period": ""}
    saved = await leader.post("/accountability/interviews", values)
    assert saved.status_code == 303, saved.text
    pending = await leader.get("/accountability/interviews")
    assert A["pending_empty"] in pending.text
    board = await leader.get("/leader")
    assert (
        f'<a class="tag info" href="/accountability/interviews?case={code_}">约谈记录（1）</a>' in board.text
    )
    by_case = await leader.get(f"/accountability/interviews?case={code_}")
    assert "刘伟（局长（主要负责人））" in by_case.text and "王建国（副区长） · 联点区领导" in by_case.text


async def test_the_admin_sets_the_thresholds(app, browser, engine):
    rated_march(engine)
    admin = await browser("admin")
    page = await admin.get("/accountability/thresholds")
    assert page.status_code == 200 and A["thresholds_defaults"] in page.text
    refused = await admin.post(
        "/accountability/thresholds",
        {"min_ratings": "2.5", "satisfaction_below": "80", "dissatisfied_at_least": "2"},
    )
    assert refused.status_code == 422 and "「最少评价数（件）」须填写有效的数字" in refused.text
    refused = await admin.post(
        "/accountability/thresholds",
        {"min_ratings": "3", "satisfaction_below": "0", "dissatisfied_at_least": "0"},
    )
    assert refused.status_code == 422 and "至少启用一项" in refused.text
    saved = await admin.post(
        "/accountability/thresholds",
        {"min_ratings": "2", "satisfaction_below": "0", "dissatisfied_at_least": "2"},
    )
    assert saved.status_code == 200 and A["t_saved"] in saved.text and "由 admin 于" in saved.text
    listing = await admin.get("/accountability?period=2026-03")
    # Worst first: 0 % with 3 不满意, then two at 0 % with 2 (by name), then 33.3 %.
    order = [org for org, _, _ in rows_of(listing.text)]
    assert order == ["dp-gongan", "dp-chengguan", "dp-huanjing", "dp-renshe"]
    assert "满意率低于 0%（未启用）" in listing.text
    assert A["record_interview"] not in listing.text  # admins read; leaders, 督查室 and 纪工委 record


async def test_who_may_do_what(app, browser, engine):
    rated_march(engine)
    officer = await browser("dept-zhujian")
    assert 'href="/accountability"' not in (await officer.get("/cases")).text
    for url in (
        "/accountability?period=2026-03",
        "/accountability/export.csv?period=2026-03",
        "/accountability/interviews",
        "/accountability/interviews/new",
        "/accountability/thresholds",
    ):
        assert (await officer.get(url)).status_code == 403, url
    assert (await officer.post("/accountability/interviews", GOOD)).status_code == 403
    for username in ("supervision", "leader-zhao"):
        reader = await browser(username)
        assert (await reader.get("/accountability?period=2026-03")).status_code == 200, username
        assert (await reader.get("/accountability/thresholds")).status_code == 403, username
    admin = await browser("admin")
    assert (await admin.get("/accountability/interviews")).status_code == 200
    assert (await admin.get("/accountability/interviews/new")).status_code == 403
    assert (await admin.post("/accountability/interviews", GOOD)).status_code == 403
    # Without the CSRF token nothing is recorded, whoever asks.
    discipline = await browser("discipline")
    assert (await discipline.post("/accountability/interviews", GOOD, csrf=False)).status_code == 403
    assert interview_count(engine) == 0
