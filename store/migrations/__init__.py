"""Schema migrations of the read model: Alembic, configured here instead of in an alembic.ini.

`upgrade(engine)` brings any database to the newest revision and is what `store.db.create_schema`
runs in every process at start (web, worker, `server.py init-db`). It handles three databases:

- up to date: two small reads, no lock, nothing written;
- empty: every revision from the baseline on;
- made by a release before migrations existed (tables from `create_all`, no ``alembic_version``):
  stamped at the baseline it matches, then upgraded.

Several processes may start at once, so the upgrade runs in one transaction that only one of them
can enter: a PostgreSQL advisory lock, SQLite's write lock (``BEGIN IMMEDIATE``). The others wait,
then find the database up to date. The scripts live beside this module (``env.py``, ``versions/``)
and ship with the package; ``README.md`` says how to add one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).resolve().parent
BASELINE = "0001_baseline"
# What revision 0001 creates, as `create_all` made it before migrations existed: a database holding
# these tables and no alembic_version is stamped at the baseline rather than created again.
BASELINE_TABLES = frozenset(
    {
        "orgs", "users", "leader_streets", "counters", "cases", "case_departments", "case_events",
        "inbox_items", "ratings", "calendar_years", "claims", "personal_data_views", "web_sessions",
        "login_attempts", "metric_weights", "ledger_imports",
    }
)  # fmt: skip
# pg_advisory_xact_lock key shared by every Liudan process (crc32 of "liudan.read-model.migrations").
PG_LOCK_KEY = 0x3EA0_4570


class SchemaMismatch(RuntimeError):
    """The database holds some of the baseline tables but not all: not one this code can adopt."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, from any working directory; env.py migrates `connection`."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    # Revision ids are numbered (0002_add_x), so the file name is the id.
    config.set_main_option("file_template", "%%(rev)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head() -> str:
    """The newest revision in the scripts (read once per process: they do not change under it)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, f"no revisions in {SCRIPT_LOCATION / 'versions'}"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None when it has no alembic_version table yet."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Brings the database to `head()`; only reads when it is there already."""
    if _is_current(engine):
        return
    with locked(engine) as conn:
        revision = current_revision(conn)  # again: another process may have just migrated it
        if revision == head():
            return
        if revision is not None and not _known(revision):
            # A newer release migrated it; revisions are additive, so this code still runs on it.
            log.warning("read model is at %s, newer than this code's %s; not migrating", revision, head())
            return
        config = alembic_config(conn)
        if revision is None and _adopt_legacy(conn):
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
    log.info("read model migrated from %s to %s", revision or "nothing", head())


@contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other migrating process can enter; commits on exit."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            with _sqlite_write_locked(conn):
                yield conn
            return
        with conn.begin():
            if conn.dialect.name == "postgresql":
                # Released at commit or rollback, so a crashed migration never leaves it held.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
            yield conn


@contextmanager
def _sqlite_write_locked(conn: Connection) -> Iterator[None]:
    # A batch migration rebuilds a table (copy, drop, rename); with foreign keys on, dropping a table
    # others refer to fails. The pragma only takes effect outside a transaction, so it goes first,
    # and the keys are checked before commit instead (SQLite's own recipe for altering tables).
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits (busy timeout) for another migrating process
        try:
            yield
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows with dangling foreign keys: {broken[:5]}")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    finally:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


def _is_current(engine: Engine) -> bool:
    with engine.connect() as conn:
        return current_revision(conn) == head()


@functools.cache
def _revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


def _known(revision: str) -> bool:
    return revision in _revisions()


def _adopt_legacy(conn: Connection) -> bool:
    """True when the database is one `create_all` made before migrations: all the baseline tables."""
    present = BASELINE_TABLES & set(inspect(conn).get_table_names())
    if not present:
        return False
    if present != BASELINE_TABLES:
        missing = ", ".join(sorted(BASELINE_TABLES - present))
        raise SchemaMismatch(f"read model has some of the baseline tables but lacks {missing}")
    return True
