"""Leaders' reception days and appointments as their users work them: an admin defines a schedule,
the portal shows its coming sessions, a resident books (a full slot refused), sees and cancels their
booking, the leader's day shows the appointment, the 包案 and the month's figures, and the leader
records the reception and a walk-in."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from store.reception import Appointment, AppointmentSeat, ReceptionRecord
from tests.web.conftest import OpenBrowser

SCHEDULE = {
    "title": "局长接待日",
    "leader_id": "leader-wang",
    "level": "county",
    "place": "区信访局一楼接待大厅",
    "recurrence": "daily",
    "start": "09:00",
    "end": "10:00",
    "slot_minutes": "30",
    "capacity": "1",
    "lawyer_on_duty": "1",
}
SLOT = re.compile(r'<option value="([^"]+)">(\d\d:\d\d)（余 (\d+) 个）</option>')


async def _last_slot(resident: Any) -> tuple[str, str]:
    """The furthest free slot on the portal (a month out: far from any time the test server skipped)."""
    page = await resident.get("/portal/reception")
    assert page.status_code == 200 and "局长接待日" in page.text and "律师值班" in page.text
    schedule_id = re.findall(r'name="schedule_id" value="(\d+)"', page.text)[-1]
    free = [value for value, _, n in SLOT.findall(page.text) if int(n) > 0]
    return schedule_id, free[-1]


async def test_schedule_book_cancel_receive(browser: OpenBrowser, engine: Any) -> None:
    admin = await browser("admin")
    await admin.get("/admin/reception")
    bad = await admin.post("/admin/reception", {**SCHEDULE, "end": "08:00"})
    assert bad.status_code == 422 and "结束时间须晚于开始时间" in bad.text
    not_leader = await admin.post("/admin/reception", {**SCHEDULE, "leader_id": "dept-zhujian"})
    assert not_leader.status_code == 422 and "接访人须为在职的区领导" in not_leader.text
    assert (await admin.post("/admin/reception", SCHEDULE)).status_code == 303

    resident = await browser()
    schedule_id, slot = await _last_slot(resident)
    booking = {
        "schedule_id": schedule_id,
        "slot_at": slot,
        "name": "李桂芳",
        "phone": "13900001111",
        "matter": "拆迁补偿",
    }
    booked = await resident.post("/portal/reception/book", booking)
    assert booked.status_code == 303, booked.text
    mine = await resident.get(booked.headers["location"])
    assert mine.status_code == 200 and "已预约" in mine.text and "预约成功" in mine.text
    # The slot held one seat: the next resident is told it is full, and nothing is booked.
    other = await browser()
    await other.get("/portal/reception")
    full = await other.post("/portal/reception/book", {**booking, "name": "王强", "phone": "13900002222"})
    assert full.status_code == 409 and "该时段已约满" in full.text
    made_up = await other.post("/portal/reception/book", {**booking, "slot_at": "2026-12-31T03:17:00+00:00"})
    assert made_up.status_code == 409 and "没有这个接访时段" in made_up.text
    with Session(engine) as session:
        assert len(session.exec(select(Appointment)).all()) == 1

    # Cancelled, the seat is free again and the second resident books it.
    token = booked.headers["location"].split("/")[3].split("?")[0]
    cancelled = await resident.post(f"/track/yf/{token}/cancel", {"reason": "时间冲突"})
    assert cancelled.status_code == 303
    assert "已取消" in (await resident.get(f"/track/yf/{token}")).text
    again = await other.post("/portal/reception/book", {**booking, "name": "王强", "phone": "13900002222"})
    assert again.status_code == 303, again.text
    with Session(engine) as session:
        seats = session.exec(select(AppointmentSeat)).all()
        assert [(s.seat, s.released) for s in seats] == [(1, False)]
        code = session.exec(select(Appointment).where(Appointment.name == "王强")).one().code

    leader = await browser("leader-wang")
    day = await leader.get("/leader/day")
    assert day.status_code == 200 and code in day.text and "王强" in day.text and "局长接待日" in day.text
    refused = await (await browser("leader-li")).post(
        f"/appointments/{code}/actions/ap_attend", {"outcome": "answered"}
    )
    assert refused.status_code == 404  # another leader's appointment
    attended = await leader.post(
        f"/appointments/{code}/actions/ap_attend",
        {"outcome": "answered", "people": "2", "lawyer_present": "1"},
    )
    assert attended.status_code == 303, attended.text
    walk_in = await leader.post("/leader/receptions", {"batches": "1", "people": "4", "outcome": "answered"})
    assert walk_in.status_code == 303
    bad_walk_in = await leader.post(
        "/leader/receptions", {"batches": "1", "people": "1", "outcome": "registered"}
    )
    assert bad_walk_in.status_code == 422
    with Session(engine) as session:
        records = session.exec(select(ReceptionRecord)).all()
    assert sorted((r.people, r.lawyer_present) for r in records) == [(2, True), (4, False)]
    day = await leader.get("/leader/day")
    assert "已接待" in day.text
    assert (await (await browser("dept-zhujian")).get("/leader/day")).status_code == 403
