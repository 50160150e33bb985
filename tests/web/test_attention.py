"""A projection the read model refuses wedges nothing: the decision still answers, the case is listed
for admins with the database's reason, and once the cause is fixed an admin's click has the case write
itself again (and leave the list). The refusal is a real one: a trigger in the read model's database
rejects the department's row, as a constraint would."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from store.case_records import CaseAttention
from tests.utils.cases import COMMUNITY, STREET
from tests.utils.web import decide_as, new_case
from workflows.types import (
    Action,
    Category,
    Difficulty,
    DispatchDecision,
    ReportUp,
    SignDecision,
    TriageDecision,
    Urgency,
)

REFUSE_GONGAN = """
CREATE TRIGGER refuse_gongan BEFORE INSERT ON case_departments
WHEN NEW.department_id = 'dp-gongan'
BEGIN SELECT RAISE(ABORT, 'department refused by the read model'); END
"""


async def test_a_refused_projection_is_listed_and_repaired(app, browser, engine):
    code, _ = await new_case(app)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    await decide_as(app, code, Action.SIGN, SignDecision(STREET))
    with engine.begin() as conn:
        conn.execute(text(REFUSE_GONGAN))

    result = await decide_as(
        app, code, Action.DISPATCH, DispatchDecision(STREET, ["dp-gongan"], Difficulty.ORDINARY)
    )
    assert (result.stage.value, result.projected) == ("accept", False)  # answered, not wedged
    with Session(engine) as session:
        listed = session.get(CaseAttention, code)
        assert listed is not None and "department refused by the read model" in listed.problem

    admin = await browser("admin")
    page = await admin.get("/admin/attention")
    assert code in page.text and "department refused by the read model" in page.text
    officer = await browser("street-dongcheng")
    assert (await officer.get("/admin/attention")).status_code == 403

    still = await admin.post(f"/admin/attention/{code}/reproject")
    assert still.status_code == 303 and "refused" in still.headers["location"]
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_gongan"))
    done = await admin.post(f"/admin/attention/{code}/reproject")
    assert done.status_code == 303 and "written" in done.headers["location"]
    with Session(engine) as session:
        assert session.get(CaseAttention, code) is None
    assert code not in (await admin.get("/admin/attention")).text
    dept = await browser("dept-gongan")
    assert code in (await dept.get("/")).text  # the department's inbox has it now


REFUSE_TRANSFER_TO_GONGAN = """
CREATE TRIGGER refuse_gongan_petitions BEFORE UPDATE ON petitions
WHEN NEW.handling_org_id = 'dp-gongan'
BEGIN SELECT RAISE(ABORT, 'petition refused by the read model'); END
"""


async def test_a_refused_petition_projection_is_listed_and_repaired(app, browser, engine):
    """Petitions stand on the same engine: listed for admins with the reason, rewritten on a click."""
    from tests.web.test_petitions import act, register

    desk = await browser("xf-clerk")
    code, _ = await register(desk)
    with engine.begin() as conn:
        conn.execute(text(REFUSE_TRANSFER_TO_GONGAN))
    await act(desk, code, "xf_transfer", org_id="dp-gongan", mode="transfer", delivery="mail")
    with Session(engine) as session:
        listed = session.get(CaseAttention, code)
        assert listed is not None and "petition refused by the read model" in listed.problem
    admin = await browser("admin")
    assert code in (await admin.get("/admin/attention")).text
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_gongan_petitions"))
    done = await admin.post(f"/admin/attention/{code}/reproject")
    assert done.status_code == 303 and "written" in done.headers["location"]
    with Session(engine) as session:
        assert session.get(CaseAttention, code) is None
    assert code in (await (await browser("dept-gongan")).get("/petitions")).text
