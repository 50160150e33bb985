"""The petition office's monthly report against hand-computed values, on SQLite and PostgreSQL: 信访增量
against the same month a year before, 越级访量, the 积案 stock and 化解率, the receptions (批/人次/律师)
and appointments, and the director's mailbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from store.backlogs import Backlog
from store.letters import Letter
from store.petitions import Petition
from store.reception import Appointment, ReceptionRecord
from web.services.office_report import office_report
from workdays import SHANGHAI

START = datetime(2026, 3, 1, tzinfo=SHANGHAI)
END = datetime(2026, 4, 1, tzinfo=SHANGHAI)


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 10, tzinfo=SHANGHAI)


def petition(code: str, received: datetime, channel: str = "letter") -> Petition:
    return Petition(
        code=code, workflow_id=f"petition-{code}", title="t", channel=channel, matter_type="claim", policy_id="p",
        stage="xf_registered", bureau_org_id="xf-bureau", petitioner_name="n", petitioner_phone="1", received_at=received,
    )  # fmt: skip


def backlog(
    code: str, designated: datetime, closed: datetime | None = None, outcome: str | None = None
) -> Backlog:
    return Backlog(
        code=code, workflow_id=f"backlog-{code}", title="t", reason="repeat", bureau_org_id="xf-bureau",
        stage="jz_closed" if closed else "jz_in_charge", designated_at=designated, closed_at=closed, outcome=outcome,
    )  # fmt: skip


def test_the_monthly_report(any_engine: Any) -> None:
    with Session(any_engine) as s:
        # 4 petitions in March 2026 (one handed down), 2 in March 2025, 1 in February 2026.
        s.add_all([petition(f"XF-2026-00000{i}", at(3, 2 + i)) for i in range(1, 4)])
        s.add(petition("XF-2026-000004", at(3, 20), channel="handed_down"))
        s.add_all([petition(f"XF-2025-00000{i}", at(3, 5 + i, 2025)) for i in range(1, 3)])
        s.add(petition("XF-2026-000009", at(2, 10)))
        s.flush()
        # 积案: two open at the start (one resolved in March, one still open), one added and closed
        # unresolved in March, one added and still open: 化解率 1 / (2 + 2) = 25 %.
        s.add_all([
            backlog("XF-2026-000009", at(2, 11), at(3, 15), "settled"),
            backlog("XF-2025-000001", at(2, 1), None),
            backlog("XF-2026-000001", at(3, 5), at(3, 25), "unresolved"),
            backlog("XF-2026-000002", at(3, 6), None),
        ])  # fmt: skip
        s.add_all([
            ReceptionRecord(leader_id="leader-wang", received_at=at(3, 5), batches=2, people=7, lawyer_present=True,
                            outcome="answered", recorded_by="leader-wang"),
            ReceptionRecord(leader_id="leader-li", received_at=at(3, 12), batches=1, people=1, outcome="registered",
                            linked_code="XF-2026-000003", recorded_by="leader-li"),
            ReceptionRecord(leader_id="leader-li", received_at=at(4, 2), batches=5, people=5, outcome="answered",
                            recorded_by="leader-li"),
        ])  # fmt: skip
        s.add_all([
            Appointment(code=f"YF-2026-00000{i}", schedule_id=1, leader_id="leader-wang", slot_at=at(3, 5 + i),
                        level="county", place="p", name="n", phone="1", status=status, booked_at=at(3, 1))
            for i, status in enumerate(("attended", "missed", "cancelled", "attended"))
        ])  # fmt: skip
        s.add_all([
            Letter(code="XX-2026-000001", mailbox_org_id="xf-bureau", name="n", phone="1", subject="s", stage="mb_closed",
                   received_at=at(3, 1), answered_at=at(3, 6), answered_on_time=True, closed_at=at(3, 8), rating="satisfied"),
            Letter(code="XX-2026-000002", mailbox_org_id="xf-bureau", name="n", phone="1", subject="s", stage="mb_closed",
                   received_at=at(3, 2), answered_at=at(3, 20), answered_on_time=False, closed_at=at(3, 22), rating="basic"),
            Letter(code="XX-2026-000003", mailbox_org_id="xf-bureau", name="n", phone="1", subject="s",
                   stage="mb_review", received_at=at(3, 30)),
        ])  # fmt: skip
        s.commit()

    r = office_report(any_engine, START, END)
    assert (r.received, r.received_last_year, r.increase, r.increase_rate) == (4, 2, 2, 1.0)
    assert r.over_level == 1
    b = r.backlog
    assert (b.stock_at_start, b.added, b.resolved, b.closed_unresolved, b.stock_at_end) == (2, 2, 1, 1, 2)
    assert b.rate == 0.25
    rc = r.reception
    assert (rc.batches, rc.people, rc.lawyer_batches, rc.answered) == (3, 8, 2, 2)
    assert rc.appointments == {"attended": 2, "missed": 1, "cancelled": 1}
    m = r.mailbox
    assert (m.received, m.answered, m.on_time, m.rated, m.satisfied, m.basic) == (3, 2, 1, 2, 1, 1)
