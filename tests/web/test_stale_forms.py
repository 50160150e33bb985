"""Two officers on one case: the second one's form, made stale by the first one's decision, is refused
with who did what and when, and the actions come back as they are now (the page refreshes itself)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from store.directory import DEMO_PASSWORD
from store.models import User
from tests.utils.cases import COMMUNITY
from tests.utils.directory import _hash
from tests.utils.web import decide_as, forms_on, new_case
from workflows.types import Action, Category, ReportUp, TriageDecision, Urgency


def _second_street_officer(engine) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        session.add(
            User(
                id="street-dongcheng-2", username="street-dongcheng-2", display_name="东城街道值班员",
                role="street", org_id="st-dongcheng", password_hash=_hash(DEMO_PASSWORD),
                created_at=datetime.now(UTC),
            )
        )  # fmt: skip
        session.commit()


async def test_the_second_officer_is_told_who_signed_and_sees_the_case_as_it_is(app, browser, engine):
    _second_street_officer(engine)
    code, _ = await new_case(app)
    await decide_as(
        app, code, Action.TRIAGE, TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE)
    )
    await decide_as(app, code, Action.REPORT_UP, ReportUp(COMMUNITY))
    first, second = await browser("street-dongcheng"), await browser("street-dongcheng-2")
    page = await second.get(f"/cases/{code}")  # the second officer's page shows the sign form
    assert "sign" in forms_on(page.text)
    seen = page.text.split('name="seen_version" value="', 1)[1].split('"', 1)[0]

    await first.get(f"/cases/{code}")
    signed = await first.post(f"/cases/{code}/actions/sign", {"note": ""}, htmx=True, target="case-actions")
    assert signed.status_code == 200

    stale = await second.post(
        f"/cases/{code}/actions/sign", {"note": "", "seen_version": seen}, htmx=True, target="case-actions"
    )
    assert stale.status_code == 409
    assert "此案件已由东城街道受理员于" in stale.text and "签收，页面已更新为当前状态" in stale.text
    # The rest of the page comes back as it is now, in the same response.
    assert (
        'id="case-status" class="card"' in stale.text
        and 'id="case-timeline" class="card" hx-swap-oob="true"' in stale.text
    )
    assert "签收" in stale.text.split('id="case-timeline"', 1)[1]
    assert "dispatch" in forms_on(stale.text) and "sign" not in forms_on(stale.text)

    # A refusal that is not about a stale form reads as before.
    refused = await second.post(
        f"/cases/{code}/actions/dispatch", {"difficulty": "ordinary"}, htmx=True, target="case-actions"
    )
    assert refused.status_code == 409 and "请至少选择一个承办部门" in refused.text
