"""Who may see what: the pure decisions and the SQL filters for lists give the same answer for every
role, and only those who must call the resident see their contact in full."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import Case, CaseDepartment
from store.visibility import (
    CASES,
    CONTACT,
    CaseOrgs,
    may_register_in,
    may_see_case,
    may_see_contact,
    reach_filter,
    reaches,
    visible_case,
)
from tests.utils.readmodel import add_assignment, add_case
from workflows.types import Actor, Role

ACTORS = [
    Actor("grid-qinghe", Role.GRID_WORKER, "cm-qinghe"),
    Actor("community-qinghe", Role.COMMUNITY, "cm-qinghe"),
    Actor("community-hubin", Role.COMMUNITY, "cm-hubin"),
    Actor("street-dongcheng", Role.STREET, "st-dongcheng"),
    Actor("street-xihu", Role.STREET, "st-xihu"),
    Actor("dept-zhujian", Role.DEPARTMENT, "dp-zhujian"),
    Actor("dept-chengguan", Role.DEPARTMENT, "dp-chengguan"),
    Actor("dept-gongan", Role.DEPARTMENT, "dp-gongan"),
    Actor("leader-wang", Role.LEADER, "ld-office", street_ids=["st-dongcheng"]),
    Actor("leader-none", Role.LEADER, "ld-office"),
    Actor("supervision", Role.SUPERVISION, "sv-ducha"),
    Actor("discipline", Role.DISCIPLINE, "dc-jigongwei"),
    Actor("admin", Role.ADMIN, "hj"),
    Actor("resident", Role.RESIDENT),
]


@pytest.fixture
def cases(any_engine: Engine) -> Engine:
    e = any_engine
    add_case(e, code="HJ-2026-000001")  # 清河, not yet reported
    # 湖滨, being handled by 住建局; 城管局 was dispatched it too and returned it.
    add_case(e, code="HJ-2026-000002", street="st-xihu", community="cm-hubin", stage="handle")
    add_assignment(e, "HJ-2026-000002", "dp-chengguan", lead=False)
    add_assignment(e, "HJ-2026-000002", "dp-zhujian")
    # 清河, back with the street after 公安局 returned it; referred to the discipline commission.
    add_case(e, code="HJ-2026-000003", stage="dispatch", supervision_level=2)
    add_assignment(e, "HJ-2026-000003", "dp-gongan")
    with Session(e) as session:
        handled = session.get(Case, "HJ-2026-000002")
        assert handled is not None
        handled.department_ids = "dp-zhujian"
        session.add(handled)
        session.commit()
    return e


def _org_fields(engine: Engine) -> dict[str, CaseOrgs]:
    with Session(engine) as session:
        dispatched = session.exec(select(CaseDepartment.case_code, CaseDepartment.department_id)).all()
        return {
            c.code: CaseOrgs.of_row(c, [d for code, d in dispatched if code == c.code])
            for c in session.exec(select(Case)).all()
        }


def _sql(engine: Engine, condition: Any) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Case.code).where(condition).order_by(col(Case.code))).all())


def test_pure_and_sql_agree_for_every_role(cases: Engine) -> None:
    for actor in ACTORS:
        for table in (CASES, CONTACT):
            reach = table.get(actor.role)
            listed = _sql(cases, reach_filter(actor, reach))
            decided = {code for code, orgs in _org_fields(cases).items() if reaches(actor, reach, orgs)}
            assert listed == decided, (actor.user_id, reach)
        opened = {code for code in _org_fields(cases) if visible_case(cases, actor, code) is not None}
        assert opened == _sql(cases, reach_filter(actor, CASES.get(actor.role))), actor.user_id


def test_contact_only_for_who_must_call_the_resident(cases: Engine) -> None:
    def seen(user_id: str) -> tuple[set[str], set[str]]:
        actor = next(a for a in ACTORS if a.user_id == user_id)
        return _sql(cases, reach_filter(actor, CASES.get(actor.role))), _sql(
            cases, reach_filter(actor, CONTACT.get(actor.role))
        )

    assert seen("dept-zhujian") == ({"HJ-2026-000002"}, {"HJ-2026-000002"})
    assert seen("dept-chengguan") == ({"HJ-2026-000002"}, set())  # returned it: sees it, calls nobody
    assert seen("dept-gongan") == ({"HJ-2026-000003"}, set())  # back with the street
    assert seen("street-xihu") == ({"HJ-2026-000002"}, {"HJ-2026-000002"})
    assert seen("grid-qinghe") == ({"HJ-2026-000001", "HJ-2026-000003"},) * 2
    assert seen("leader-wang") == ({"HJ-2026-000001", "HJ-2026-000003"}, set())
    assert seen("leader-none") == (set(), set())
    # the commission reads every case (问责 needs the cases behind the ratings), calls nobody
    assert seen("discipline") == (seen("supervision")[0], set())
    assert seen("supervision")[1] == seen("admin")[1] == seen("resident")[1] == set()
    assert len(seen("supervision")[0]) == 3


def test_one_case_decided_from_its_org_fields() -> None:
    handled = CaseOrgs(
        "cm-hubin", "st-xihu", assigned=("dp-zhujian",), dispatched=("dp-zhujian", "dp-chengguan")
    )
    returned_by = Actor("dept-chengguan", Role.DEPARTMENT, "dp-chengguan")
    assert may_see_case(returned_by, handled) and not may_see_contact(returned_by, handled)
    assert may_register_in(Actor("s", Role.STREET, "st-xihu"), "cm-hubin", "st-xihu")
    assert not may_register_in(Actor("g", Role.GRID_WORKER, "cm-qinghe"), "cm-hubin", "st-xihu")
    assert not may_register_in(
        Actor("l", Role.LEADER, "ld-office", street_ids=["st-xihu"]), "cm-hubin", "st-xihu"
    )
    assert may_register_in(Actor("resident", Role.RESIDENT), "cm-hubin", "st-xihu")
