"""Who has a case open (store.presence), on SQLite and PostgreSQL: a beat records the viewer and
names the others seen within the window, never the viewer themself; a page left stops counting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from store.presence import FORGET_AFTER, VIEWING_WINDOW, CasePresence, beat

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_a_beat_names_the_others_on_the_case_and_never_the_viewer(any_engine):
    assert beat(any_engine, "C-1", "li", "李娜", "st-dongcheng", T0) == []
    others = beat(any_engine, "C-1", "wang", "王强", "st-dongcheng", T0 + timedelta(seconds=5))
    assert [(v.user_id, v.display_name, v.org_id) for v in others] == [("li", "李娜", "st-dongcheng")]
    # Another case's viewers are not this case's.
    assert beat(any_engine, "C-2", "zhao", "赵敏", "dp-zhujian", T0) == []
    # The same officer's second tab is still only themself; the beat moves their row, not adds one.
    again = beat(any_engine, "C-1", "li", "李娜", "st-dongcheng", T0 + timedelta(seconds=15))
    assert [v.user_id for v in again] == ["wang"]
    with Session(any_engine) as session:
        rows = session.exec(select(CasePresence).where(CasePresence.case_code == "C-1")).all()
    assert sorted((r.user_id, r.seen_at) for r in rows) == [
        ("li", T0 + timedelta(seconds=15)),
        ("wang", T0 + timedelta(seconds=5)),
    ]


def test_an_officer_who_left_stops_showing_after_the_window(any_engine):
    beat(any_engine, "C-1", "li", "李娜", "st-dongcheng", T0)
    just_inside = T0 + VIEWING_WINDOW
    assert [v.user_id for v in beat(any_engine, "C-1", "wang", "王强", "st-dongcheng", just_inside)] == ["li"]
    later = just_inside + timedelta(seconds=1)
    assert beat(any_engine, "C-1", "wang", "王强", "st-dongcheng", later) == []


def test_rows_of_pages_long_closed_are_forgotten(any_engine):
    beat(any_engine, "C-1", "li", "李娜", "st-dongcheng", T0)
    beat(any_engine, "C-1", "wang", "王强", "st-dongcheng", T0 + FORGET_AFTER + timedelta(minutes=1))
    with Session(any_engine) as session:
        assert [r.user_id for r in session.exec(select(CasePresence)).all()] == ["wang"]
