"""Who has a case open right now (两人同办一案): each open case page beats once per poll, and the
page names the other officers whose last beat is recent ("东城街道 · 李娜 正在查看此案件").

One row per (case, officer), overwritten by each beat: a poll costs one upsert and one select; a page
that is closed or left says so (`leave`, from its pagehide beacon), so the others' next poll no
longer names the officer, rather than 45 s later. A row
is never the truth about anything but "was looking a moment ago"; rows of pages long closed are
deleted by the next beat on the same case. No foreign keys: a beat must never fail, nor hold up a
rebuild of the cases it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from store.types import UTCDateTime

# A page polls every 15 s: three missed beats and the officer has left (or closed the laptop).
VIEWING_WINDOW = timedelta(seconds=45)
# Rows older than this are of pages long gone; the next beat on the case removes them.
FORGET_AFTER = timedelta(days=1)


class CasePresence(SQLModel, table=True):
    __tablename__ = "case_presence"
    case_code: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=64)
    display_name: str = Field(default="", max_length=100)
    org_id: str = Field(default="", max_length=64)
    seen_at: datetime = Field(sa_type=UTCDateTime)


@dataclass(frozen=True)
class Viewer:
    user_id: str
    display_name: str
    org_id: str
    seen_at: datetime


def beat(
    engine: Engine, code: str, user_id: str, display_name: str, org_id: str, now: datetime
) -> list[Viewer]:
    """Records that `user_id` has `code` open at `now`; returns the *other* officers seen on it within
    the viewing window, the longest there first."""
    table = CasePresence.__table__  # type: ignore[attr-defined]
    with Session(engine) as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        values = {
            "case_code": code, "user_id": user_id, "display_name": display_name[:100],
            "org_id": org_id, "seen_at": now,
        }  # fmt: skip
        upsert = insert(table).values(**values)
        session.execute(
            upsert.on_conflict_do_update(
                index_elements=["case_code", "user_id"],
                set_={"display_name": upsert.excluded.display_name, "org_id": upsert.excluded.org_id,
                      "seen_at": upsert.excluded.seen_at},
            )
        )  # fmt: skip
        rows = [
            Viewer(r.user_id, r.display_name, r.org_id, r.seen_at)
            for r in session.exec(
                select(CasePresence).where(CasePresence.case_code == code).order_by(col(CasePresence.seen_at))
            )
        ]
        forgotten = [r.user_id for r in rows if r.seen_at < now - FORGET_AFTER]
        if forgotten:
            session.execute(
                delete(CasePresence).where(
                    col(CasePresence.case_code) == code, col(CasePresence.user_id).in_(forgotten)
                )
            )
        session.commit()
    since = now - VIEWING_WINDOW
    return [r for r in rows if r.user_id != user_id and r.seen_at >= since]


def leave(engine: Engine, code: str, user_id: str) -> None:
    """`user_id` closed or left their page of `code`: the others' next poll no longer names them. (A
    second tab of the same officer on the case beats again with its own next poll.)"""
    with Session(engine) as session:
        session.execute(
            delete(CasePresence).where(
                col(CasePresence.case_code) == code, col(CasePresence.user_id) == user_id
            )
        )
        session.commit()
