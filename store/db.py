"""Engine and session setup for SQLite (embedded default) and PostgreSQL (at scale)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

import store.accountability  # registers 约谈 records and the accountability thresholds
import store.audit  # registers the personal-data access log
import store.auth  # registers web sessions and login attempts
import store.backlogs  # registers 积案 / 包案
import store.case_records  # registers case_deadlines and case_attention
import store.idempotency  # registers intake_keys
import store.jobs  # registers background jobs, their uploads and a ledger import's rows
import store.letters  # registers the director's mailbox letters
import store.models  # registers the tables on SQLModel.metadata
import store.notifications  # registers the notices and their delivery
import store.notify_contacts  # registers residents' notice choices, the SMS outbox and SMS links
import store.officer_tools  # registers saved inbox filters and canned replies (常用语)
import store.open311  # registers Open311 API keys and the requests clients filed
import store.petitioners  # registers the petitioners (信访人)
import store.petitions  # registers the petitions (信访) read model
import store.presence  # registers who has a case page open (case_presence)
import store.rate_limits  # registers the rate-limit hits the web processes share
import store.reception  # registers reception schedules, appointments and records
import store.report_tables  # noqa: F401  (registers metric_weights and ledger_imports)
from store import migrations


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`. SQLite gets WAL, a busy timeout and foreign keys, and its folder is made."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def create_schema(engine: Engine) -> None:
    """Brings the read model to the newest migration; every process calls it at start.

    Creates an empty database, adopts one made before migrations existed, and only reads (two small
    queries) when it is up to date; safe when several processes call it at once (`store.migrations`).
    """
    migrations.upgrade(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
