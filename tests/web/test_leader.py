"""The leader view: overdue, escalated and supervised work across a leader's streets."""

from __future__ import annotations

from sqlmodel import Session

from store.models import Case
from tests.utils.cases import ADMIN, COMMUNITY, OTHER_COMMUNITY, OTHER_STREET, STREET
from tests.utils.web import decide_as, fingerprint, future_date, new_case, overdue_drill_case, snapshot
from workflows.types import Action, Category, Escalation, ReportUp, SignDecision, TriageDecision, Urgency


async def test_overdue_case_reaches_its_leader_with_the_form_one_click_away(app, browser, time_env):
    code = await overdue_drill_case(app, time_env, handling=True)  # handling past its limit: the leader's
    leader = await browser("leader-wang")
    board = await leader.get("/leader")
    assert board.status_code == 200 and code in board.text
    assert '<div class="stat over"><b>1</b>超期' in board.text
    assert '<span class="tag warn">超期待督办</span>' in board.text and "已督办</span>" not in board.text
    assert '<h2>区住建局 <span class="count">1</span>' in board.text  # grouped by department
    assert f'hx-post="/cases/{code}/actions/supervise"' in board.text and 'hx-target="#board"' in board.text
    by_street = await leader.get("/leader?group=street", htmx=True, target="board")
    assert by_street.text.lstrip().startswith('<section id="board"') and "东城街道" in by_street.text
    # The home inbox of the leader lists it under 督办 too.
    assert code in (await leader.get("/?tab=supervised")).text
    # Another street's leader never sees it.
    other = await browser("leader-li")
    assert code not in (await other.get("/leader")).text
    # Supervising straight from the board: a toast, and the board refreshes itself.
    done = await leader.post(
        f"/cases/{code}/actions/supervise",
        {"note": "现场督办，限期整改", "new_due_at": future_date(), "talk_ordered": "true"},
        htmx=True,
        target="board",
    )
    assert (
        done.status_code == 204
        and "case-changed" in done.headers["HX-Trigger"]
        and "toast" in done.headers["HX-Trigger"]
    )
    snap = await snapshot(app, code)
    assert snap.supervised and not snap.overdue
    board = await leader.get("/leader")
    assert code in board.text and '<div class="stat"><b>1</b>已督办' in board.text
    assert '<div class="stat over"><b>0</b>超期' in board.text
    # Marked as supervised, with the talk ordered; no longer "waiting for supervision".
    assert (
        '<span class="tag info">已督办</span>' in board.text
        and '<span class="tag warn">要求约谈</span>' in board.text
    )
    assert "超期待督办" not in board.text


async def test_a_refused_supervision_on_the_board_shows_in_its_form(app, browser, time_env):
    code = await overdue_drill_case(app, time_env, handling=True)
    leader = await browser("leader-wang")
    before = await fingerprint(app, code)
    refused = await leader.post(
        f"/cases/{code}/actions/supervise",
        {"note": "", "new_due_at": future_date()},
        htmx=True,
        target="board",
    )
    assert refused.status_code == 409 and refused.headers["HX-Retarget"] == "find .form-error"
    assert "请填写督办意见" in refused.text
    assert await fingerprint(app, code) == before


async def test_supervision_office_sees_every_street_and_discipline_only_level_two(app, browser, engine):
    here, _ = await new_case(app)
    there, _ = await new_case(app, ADMIN, community_org_id="cm-hubin")
    for code, community, street in ((here, COMMUNITY, STREET),):
        await decide_as(app, code, Action.TRIAGE, TriageDecision(community, Urgency.URGENT, Category.DISPUTE))
        await decide_as(app, code, Action.REPORT_UP, ReportUp(community))
        await decide_as(app, code, Action.SIGN, SignDecision(street))
        await decide_as(app, code, Action.ESCALATE, Escalation(street, "需协调"))
    await decide_as(
        app, there, Action.TRIAGE, TriageDecision(OTHER_COMMUNITY, Urgency.URGENT, Category.DISPUTE)
    )
    await decide_as(app, there, Action.REPORT_UP, ReportUp(OTHER_COMMUNITY))
    await decide_as(app, there, Action.SIGN, SignDecision(OTHER_STREET))
    await decide_as(app, there, Action.ESCALATE, Escalation(OTHER_STREET, "需协调"))
    supervision = await browser("supervision")
    board = await supervision.get("/leader?group=street")
    assert (
        here in board.text and there in board.text and "东城街道" in board.text and "西湖街道" in board.text
    )
    assert '<div class="stat warn"><b>2</b>申请协调' in board.text
    discipline = await browser("discipline")
    assert here not in (await discipline.get("/leader")).text
    with Session(engine) as s:  # as the projection writes it once a leader's own deadline has passed
        row = s.get(Case, here)
        row.supervision_level = 2
        s.add(row)
        s.commit()
    board = await discipline.get("/leader")
    assert here in board.text and there not in board.text and "<b>1</b>移交纪工委" in board.text


async def test_cases_waiting_for_the_leaders_review_are_counted_and_listed(app, browser):
    from tests.web.test_dashboard import rated_case
    from workflows.types import RatingValue, Stage

    code = await rated_case(app, value=RatingValue.DISSATISFIED)
    assert (await snapshot(app, code)).stage == Stage.REVIEW
    leader = await browser("leader-wang")
    board = await leader.get("/leader")
    assert '<a class="stat warn" id="stat-review" href="#review"><b>1</b>待复查</a>' in board.text
    review = board.text.split('<section class="group" id="review">', 1)[1].split("</section>", 1)[0]
    assert f'href="/cases/{code}"' in review and "领导复查" in review
    # The supervision office follows every street; another street's leader never sees it.
    assert f'href="/cases/{code}"' in (await (await browser("supervision")).get("/leader")).text
    other = await (await browser("leader-li")).get("/leader")
    assert "<b>0</b>待复查" in other.text and code not in other.text and "没有待复查的诉求" in other.text
    # The discipline commission's board is level 2 only: no 待复查 there.
    assert 'id="stat-review"' not in (await (await browser("discipline")).get("/leader")).text
