"""The read-model projection: the case's state written to SQL after each transition, convergently.

Run as a local activity, so the write happens before Temporal records the transition. A worker killed
between the two leaves a write that Temporal never recorded; the projection therefore *replaces*
rather than appends: a projection of version v overwrites whatever an earlier attempt wrote for v
(the case row, its events, inbox items, ratings and deadlines), and drops events past the timeline's
length. Only an older version is skipped, so the read model never moves backwards.

A write the database refuses on its data (a constraint: an org that does not exist) is not retried:
it is recorded in `case_attention` for admins and raised as the non-retryable `ProjectionRejected`.
Any other failure (the database is down) is retried by the workflow until it succeeds.

`replace` writes a whole case from its full snapshot (reconciler and rebuild), guarded by the version
the caller saw, and says whether anything differed.

What goes to each table, written by difference with SQLAlchemy Core, is `activities.case_rows`; the
notices of a transition are `activities.notices`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session
from sqlmodel import select as model_select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.case_rows import CASES, write_case
from activities.notices import NoticePolicy, case_notices
from store.case_records import CaseAttention, CaseDeadline
from store.models import Case, CaseDepartment, CaseEvent, InboxItem, Rating
from store.notifications import enqueue
from workflows.tasks import open_tasks
from workflows.types import CaseSnapshot, Projection

log = logging.getLogger("liudan.projection")
# Errors that say the data itself breaks the schema: retrying cannot help.
REJECTED = (IntegrityError, DataError)


class ProjectionActivities:
    def __init__(self, engine: Engine, notices: NoticePolicy | None = None) -> None:
        self._engine = engine
        self._notices = notices or NoticePolicy()

    @activity.defn(name="project_case")
    async def project_case(self, projection: Projection) -> bool:
        """Writes the projection; False when a newer version is already stored."""
        return await write_or_reject(self._engine, self.write, projection)

    def write(self, projection: Projection) -> bool:
        snap = projection.snapshot
        with Session(self._engine) as session:
            conn = session.connection()
            stored = _locked_version(conn, snap.code)
            if stored is not None and stored > snap.version and not projection.force:
                return False
            tasks = open_tasks(snap)
            before = write_case(
                conn,
                stored is not None,
                snap,
                projection.new_events,
                projection.event_count,
                tasks,
                full=False,
            )
            # The notices this transition makes, in its own transaction (an outbox): never one for a
            # write that did not happen, never two for one that was retried.
            found = case_notices(session, snap, projection.new_events, before, tasks, self._notices)
            enqueue(session, found, datetime.now(UTC))
            session.commit()
        return True

    def replace(self, snap: CaseSnapshot, expected_version: int | None, *, dry_run: bool = False) -> bool:
        """Writes the whole case from a full snapshot (timeline included) if the stored version is
        still `expected_version` (None: no row yet). True when the read model differed (and, unless
        `dry_run`, was rewritten); False when it already matched or moved on meanwhile."""
        with Session(self._engine) as session:
            conn = session.connection()
            stored = _locked_version(conn, snap.code)
            if stored != expected_version:
                return False
            before = stored_state(session, snap.code)
            timeline = snap.timeline
            write_case(conn, stored is not None, snap, timeline, len(timeline), open_tasks(snap), full=True)
            session.expire_all()  # the ORM objects stored_state loaded predate the Core writes
            differs = stored_state(session, snap.code) != before
            if dry_run or not differs:
                session.rollback()
                return dry_run and differs
            session.commit()
        return True


async def write_or_reject(engine: Engine, write: Callable[[Any], bool], projection: Any) -> bool:
    """Runs a process's projection write on a thread. A write the database refuses on its data is
    listed for admins and raised as the non-retryable `ProjectionRejected`; anything else (the
    database is down) propagates, and the workflow retries it."""
    try:
        return await asyncio.to_thread(write, projection)
    except REJECTED as refused:
        snap = projection.snapshot
        problem = f"{type(refused).__name__}: {refused.orig}"[:2000]
        await asyncio.to_thread(record_attention, engine, snap.code, snap.version, problem)
        raise ApplicationError(
            f"the read model refused {snap.code} version {snap.version}: {problem}",
            type="ProjectionRejected",
            non_retryable=True,
        ) from refused


def stored_version(engine: Engine, code: str) -> int | None:
    with Session(engine) as session:
        row = session.get(Case, code)
        return row.version if row is not None else None


def record_attention(engine: Engine, code: str, version: int, problem: str) -> None:
    """Lists the case for admins. Its own transaction, and a table without foreign keys, so the
    record of a rejected projection cannot itself be rejected."""
    with Session(engine) as session:
        row = session.get(CaseAttention, code) or CaseAttention(case_code=code, at=datetime.now(UTC))
        row.version, row.problem, row.at = version, problem, datetime.now(UTC)
        session.add(row)
        session.commit()
    log.error("case %s version %d needs attention: %s", code, version, problem)


_BEGIN_IMMEDIATE = text("BEGIN IMMEDIATE")
_VERSION = select(CASES.c.version).where(CASES.c.code == bindparam("code")).with_for_update()


def _locked_version(conn: Connection, code: str) -> int | None:
    if conn.dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE: take its write lock before reading the version, or a slow
        # attempt could pass the check and then write over a newer projection.
        conn.execute(_BEGIN_IMMEDIATE)
    version: int | None = conn.execute(_VERSION, {"code": code}).scalar()
    return version


def stored_state(session: Session, code: str) -> tuple[Any, ...]:
    """Everything the read model holds for one case, comparable (row ids left out: they differ
    between a projection and a rebuild)."""

    def rows(model: Any, *order: Any) -> list[dict[str, Any]]:
        found = session.exec(model_select(model).where(model.case_code == code).order_by(*order))
        return [{k: v for k, v in r.model_dump().items() if k != "id"} for r in found]

    case = session.get(Case, code)
    return (
        case.model_dump() if case else None,
        rows(CaseEvent, CaseEvent.seq),
        sorted(rows(InboxItem), key=lambda r: (r["org_id"], r["role"], r["task"])),
        rows(Rating, Rating.round),
        rows(CaseDepartment, CaseDepartment.department_id),
        rows(CaseDeadline, CaseDeadline.deadline_id),
    )
