"""The inbox's "done recently" tab (已办) on SQLite and PostgreSQL: the cases an org (a leader: the
person) acted on in the last 30 days that are no longer its work, each once, whatever the number of
its events, in the badge and in the list alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.inbox import InboxFilters, inbox_page, tab_counts
from store.models import InboxItem
from tests.utils.readmodel import add_assignment, add_case, add_event
from workflows.types import Actor, Role

NOW = datetime(2026, 3, 31, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
STREET = Actor("street-dongcheng", Role.STREET, "st-dongcheng")
DEPARTMENT = Actor("dept-zhujian", Role.DEPARTMENT, "dp-zhujian")
LEADER = Actor("user-ld-office", Role.LEADER, "ld-office", street_ids=["st-dongcheng"])
GRID = Actor("grid-qinghe", Role.GRID_WORKER, "cm-qinghe")


def _pending(engine: Engine, code: str, org_id: str, role: str) -> None:
    with Session(engine) as session:
        session.add(InboxItem(case_code=code, org_id=org_id, role=role, task="sign", title="t", stage="sign"))
        session.commit()


@pytest.fixture
def district(any_engine: Engine) -> dict[str, str]:
    e = any_engine
    codes: dict[str, str] = {}
    # Signed and dispatched by the street this month (three events of its own): done, counted once.
    codes["dispatched"] = add_case(e, stage="handle")
    for action, at in (
        ("sign", "2026-03-20 09:00"),
        ("dispatch", "2026-03-20 10:00"),
        ("remind", "2026-03-25 10:00"),
    ):
        add_event(e, codes["dispatched"], action, at, org_id="st-dongcheng", role="street")
    add_assignment(
        e, codes["dispatched"], "dp-zhujian", dispatched="2026-03-20 10:00", accepted="2026-03-21 10:00"
    )
    add_event(e, codes["dispatched"], "accept", "2026-03-21 10:00", org_id="dp-zhujian", role="department")
    # Returned to the street: acted on, but its work again, so not done.
    codes["returned"] = add_case(e, stage="dispatch")
    add_event(e, codes["returned"], "dispatch", "2026-03-18 10:00", org_id="st-dongcheng", role="street")
    _pending(e, codes["returned"], "st-dongcheng", "street")
    # Acted on in February only: too long ago.
    codes["old"] = add_case(e, stage="closed", closed="2026-02-20 10:00")
    add_event(e, codes["old"], "dispatch", "2026-02-10 10:00", org_id="st-dongcheng", role="street")
    # Another street's case (the events say st-dongcheng, as after a transfer): not visible to it.
    codes["elsewhere"] = add_case(e, street="st-xihu", community="cm-hubin", stage="handle")
    add_event(e, codes["elsewhere"], "sign", "2026-03-22 10:00", org_id="st-dongcheng", role="street")
    # Supervised by the linked leader, and closed this month in 清河.
    codes["supervised"] = add_case(e, stage="closed", closed="2026-03-28 10:00")
    add_event(e, codes["supervised"], "supervise", "2026-03-26 10:00", org_id="ld-office", role="leader")
    add_event(e, codes["supervised"], "supervise", "2026-03-27 10:00", org_id="ld-office", role="leader")
    return codes


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        (STREET, {"dispatched"}),
        (DEPARTMENT, {"dispatched"}),
        (LEADER, {"supervised"}),
        (GRID, {"supervised"}),  # a grid worker's: the community's cases closed in the last 30 days
    ],
    ids=["street", "department", "leader", "grid"],
)
def test_done_lists_each_case_once_and_counts_what_it_lists(
    any_engine: Engine, district: dict[str, str], actor: Actor, expected: set[str]
) -> None:
    f = InboxFilters(tab="done")
    page = inbox_page(any_engine, actor, f, now=NOW)
    listed = [r.case.code for r in page.rows]
    assert sorted(listed) == sorted(district[k] for k in expected)
    assert page.total == len(listed) == tab_counts(any_engine, actor, InboxFilters(), NOW)["done"]


def test_done_takes_the_filters(any_engine: Engine, district: dict[str, str]) -> None:
    assert tab_counts(any_engine, STREET, InboxFilters(stage="handle"), NOW)["done"] == 1
    assert tab_counts(any_engine, STREET, InboxFilters(stage="closed"), NOW)["done"] == 0
    assert inbox_page(any_engine, STREET, InboxFilters(tab="done", stage="closed"), now=NOW).rows == []
