"""A lead unit that accepted while a co-department has not: it sees whom it waits for and that
department's clock, not a request for the leader's coordination."""

from __future__ import annotations

from tests.utils.cases import ZHUJIAN
from tests.utils.web import decide_as, forms_on, shared_case
from workflows.types import (
    AcceptDecision,
    Action,
)


async def test_the_lead_unit_waits_for_the_co_department(app, browser):
    code, _ = await shared_case(app, accepted=False)
    lead = await browser("dept-zhujian")
    before = await lead.get(f"/cases/{code}")
    assert "escalate" in forms_on(before.text) and "等待" not in before.text  # its own 接单 first
    await decide_as(app, code, Action.ACCEPT, AcceptDecision(ZHUJIAN, "已联系群众"))
    page = await lead.get(f"/cases/{code}")
    assert "本部门已接单，等待区城管局接单（部门首次响应时限 " in page.text
    assert "escalate" not in forms_on(page.text)
    co = await browser("dept-chengguan")
    assert "等待" not in (await co.get(f"/cases/{code}")).text  # the one waited for sees its 接单 form
