"""Notes are internal or to the resident, chosen on the form (issue 13): the tracking page, the API and
the resident's SMS show only what an officer chose to tell the resident; an internal note on a public
step (the dispatch) shows the step without its note."""

from __future__ import annotations

from sqlmodel import Session, select

from store.models import CaseEvent
from tests.utils.web import new_case, snapshot
from tests.web.test_decisions import act

AUDIENCE = 'name="note_to_resident"'


async def test_the_officer_chooses_who_reads_each_note(app, browser, engine):
    code, token = await new_case(app)
    community = await browser("community-qinghe")
    page = await community.get(f"/cases/{code}")
    # Every form with a note asks; the safe answer (internal) is the one already chosen.
    assert page.text.count(AUDIENCE) == 2  # the triage form's two choices
    assert 'value="false" checked> 仅内部可见' in page.text

    done = await act(community, code, "triage", {"urgency": "deferrable", "category": "infrastructure",
                                                 "note": "研判：邻里纠纷引发", "note_to_resident": "false"})  # fmt: skip
    assert done.text.count(AUDIENCE) >= 2  # report_up asks too
    await act(community, code, "report_up", {"note": "已上报街道，请耐心等待", "note_to_resident": "true"})
    street = await browser("street-dongcheng")
    await act(street, code, "sign")
    # The dispatch opinion stays inside (it used to show on the tracking page).
    await act(street, code, "dispatch", {"department_ids": ["dp-zhujian"], "difficulty": "ordinary",
                                         "note": "请住建局核实产权单位"})  # fmt: skip

    resident = await browser()
    track = await resident.get(f"/track/{token}")
    assert "已上报街道，请耐心等待" in track.text  # told the resident
    assert "派单" in track.text  # the step itself is public...
    assert "请住建局核实产权单位" not in track.text  # ...its internal note is not
    assert "研判：邻里纠纷引发" not in track.text

    with Session(engine) as session:
        rows = {e.action: e for e in session.exec(select(CaseEvent).where(CaseEvent.case_code == code))}
    assert (rows["dispatch"].public, rows["dispatch"].note_public) == (True, False)
    assert (rows["report_up"].public, rows["report_up"].note_public) == (True, True)
    assert rows["triage"].public is False

    snap = await snapshot(app, code)
    dispatch = next(e for e in snap.timeline if e.action == "dispatch")
    assert dispatch.note == "请住建局核实产权单位" and not dispatch.note_public  # officers still read it


async def test_a_note_to_the_resident_makes_an_internal_step_public(app, browser):
    code, token = await new_case(app)
    community = await browser("community-qinghe")
    await act(community, code, "triage", {"urgency": "urgent", "category": "infrastructure",
                                          "note": "已电话告知群众将于今日上报", "note_to_resident": "true"})  # fmt: skip
    track = await (await browser()).get(f"/track/{token}")
    assert "已电话告知群众将于今日上报" in track.text


async def test_a_bad_audience_is_refused_and_nothing_changes(app, browser):
    code, _ = await new_case(app)
    community = await browser("community-qinghe")
    before = (await snapshot(app, code)).version
    refused = await act(community, code, "triage", {"urgency": "urgent", "category": "infrastructure",
                                                    "note": "x", "note_to_resident": "maybe"}, status=422)  # fmt: skip
    assert "这条意见（仅内部可见或告知群众）：选项无效" in refused.text
    assert (await snapshot(app, code)).version == before
