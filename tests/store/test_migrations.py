"""Schema migrations on SQLite and PostgreSQL: from nothing, from a database the release before
migrations made (with data in it), concurrently, and the models agreeing with the revisions.

"The release before" is built from revision 0001 with its version table dropped: the baseline is
what that release's `create_all` made, and unlike today's models it never changes. Its rows are
written through reflected tables for the same reason. Every module of `store` is imported first, so
"the models" means every table defined there, whichever tests ran before.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, select

import store
from store import migrations
from store.db import create_schema, make_engine
from store.migrations.__main__ import main as migrations_cli
from store.models import Case, CaseEvent, Counter, InboxItem, User
from tests.conftest import _fresh_postgres, drop_postgres_tables

RECEIVED = datetime(2026, 3, 2, 1, 0)  # naive UTC, as the columns store it

for _module in pkgutil.iter_modules(store.__path__):
    importlib.import_module(f"store.{_module.name}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """An empty database on each supported engine (no tables, no alembic_version)."""
    engine = make_engine(f"sqlite:///{tmp_path}/read.db") if request.param == "sqlite" else _fresh_postgres()
    yield engine
    if request.param == "postgres":
        drop_postgres_tables(engine)
    engine.dispose()


def previous_release(engine: Engine) -> None:
    """The database a release before migrations left: the baseline's tables, no alembic_version."""
    with migrations.locked(engine) as conn:
        command.upgrade(migrations.alembic_config(conn), migrations.BASELINE)
        conn.execute(text("DROP TABLE alembic_version"))


def schema_diffs(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return migrations.current_revision(conn)


def insert(conn: Connection, table: str, **row: Any) -> None:
    conn.execute(Table(table, MetaData(), autoload_with=conn).insert().values(**row))


def add_district(conn: Connection) -> None:
    """Rows in most tables, as the previous release wrote them: directory, a case, its timeline."""
    insert(conn, "orgs", id="st-dongcheng", name="东城街道", kind="street", parent_id=None, active=True)
    insert(conn, "orgs", id="dp-zhujian", name="住建局", kind="department", parent_id=None, active=True)
    insert(
        conn, "users", id="u-li", username="li", display_name="李娜", role="street", org_id="st-dongcheng",
        password_hash="$argon2id$x", phone="", active=True, failed_logins=0,
    )  # fmt: skip
    insert(conn, "counters", name="HJ-2026", value=7)
    insert(
        conn, "cases", code="HJ-2026-000007", workflow_id="case-HJ-2026-000007", version=3,
        title="小区门口路灯不亮", description="", channel="web_portal", policy_id="liudan",
        stage="dispatch", holder_org_ids="st-dongcheng", community_org_id="cm-qinghe",
        street_org_id="st-dongcheng", department_ids="", reporter_name="张秀兰",
        reporter_phone="13800000001", reporter_address="", location="", registered_by="",
        deadline_label="", provisional=False, overdue=True, ever_overdue=True, supervision_level=0,
        supervised=False, talk_ordered=False, escalated=False, leader_in_charge="", returns=0,
        extensions_granted=0, reopened=0, result="", received_at=RECEIVED,
    )  # fmt: skip
    for seq, action in enumerate(["register", "report", "sign"], start=1):
        insert(
            conn, "case_events", case_code="HJ-2026-000007", seq=seq, at=RECEIVED, action=action,
            actor_user_id="u-li", actor_role="street", actor_org_id="st-dongcheng", actor_name="李娜",
            note="", public=True,
        )  # fmt: skip
    insert(
        conn, "inbox_items", case_code="HJ-2026-000007", org_id="st-dongcheng", role="street",
        task="dispatch", title="小区门口路灯不亮", stage="dispatch", due_at=RECEIVED, provisional=False,
        overdue=True, supervised=False, escalated=False,
    )  # fmt: skip
    insert(
        conn, "case_departments", case_code="HJ-2026-000007", department_id="dp-zhujian", lead=True,
        response="",
    )  # fmt: skip
    insert(
        conn, "claims", case_code="HJ-2026-000007", org_id="st-dongcheng", user_id="u-li", claimed_at=RECEIVED
    )


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every baseline table, in primary-key order."""
    rows = {}
    with engine.connect() as conn:
        for name in sorted(migrations.BASELINE_TABLES):
            table = Table(name, MetaData(), autoload_with=conn)
            query = select(table).order_by(*table.primary_key.columns)
            rows[name] = [dict(row) for row in conn.execute(query).mappings()]
    return rows


def test_upgrade_from_nothing_gives_the_models_schema(empty: Engine) -> None:
    create_schema(empty)

    assert schema_diffs(empty) == []
    assert revision(empty) == migrations.head()


def test_previous_release_with_data_is_adopted_and_keeps_it(empty: Engine) -> None:
    previous_release(empty)
    with empty.begin() as conn:
        add_district(conn)
    before = snapshot(empty)

    create_schema(empty)

    assert revision(empty) == migrations.head()
    assert schema_diffs(empty) == []
    after = snapshot(empty)
    assert sum(len(rows) for rows in before.values()) == 11
    for name, rows in before.items():  # columns added since are allowed; no row lost or changed
        columns = rows[0].keys() if rows else ()
        assert [{column: row[column] for column in columns} for row in after[name]] == rows, name
    with Session(empty) as session:  # and today's models read them
        case = session.get(Case, "HJ-2026-000007")
        assert case is not None and case.overdue and case.received_at.tzinfo is not None
        assert session.get(User, "u-li").display_name == "李娜"  # type: ignore[union-attr]
        assert session.get(Counter, "HJ-2026").value == 7  # type: ignore[union-attr]
        assert len(session.exec(select(CaseEvent)).all()) == 3
        assert session.exec(select(InboxItem)).one().task == "dispatch"


def test_create_schema_twice_changes_nothing(empty: Engine) -> None:
    create_schema(empty)
    with empty.begin() as conn:
        add_district(conn)
    before = snapshot(empty)

    create_schema(empty)

    assert snapshot(empty) == before
    with empty.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_sqlite_connections_keep_foreign_keys_on_after_migrating(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The upgrade turns them off on its connection; the pool hands that same connection out next.
    engine = make_engine(f"sqlite:///{tmp_path}/read.db", pool_size=1, max_overflow=0)
    create_schema(engine)

    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()


def test_processes_starting_together_migrate_once(empty: Engine) -> None:
    engines = [make_engine(empty.url.render_as_string(hide_password=False)) for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            list(pool.map(create_schema, engines))
    finally:
        for engine in engines:
            engine.dispose()

    assert revision(empty) == migrations.head()
    assert schema_diffs(empty) == []


def test_baseline_creates_exactly_the_baseline_tables(empty: Engine) -> None:
    previous_release(empty)

    assert set(inspect(empty).get_table_names()) == migrations.BASELINE_TABLES


def test_every_revision_downgrades_to_nothing(empty: Engine) -> None:
    create_schema(empty)
    with migrations.locked(empty) as conn:
        command.downgrade(migrations.alembic_config(conn), "base")

    assert set(inspect(empty).get_table_names()) <= {"alembic_version"}


def test_a_database_with_only_some_baseline_tables_is_refused(empty: Engine) -> None:
    with empty.begin() as conn:
        SQLModel.metadata.tables["orgs"].create(conn)

    with pytest.raises(migrations.SchemaMismatch, match="lacks"):
        create_schema(empty)


def test_a_database_newer_than_the_code_is_left_alone(
    empty: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    create_schema(empty)
    with empty.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_next_release'"))

    with caplog.at_level(logging.WARNING, logger="store.migrations"):
        create_schema(empty)

    assert revision(empty) == "9999_from_the_next_release"
    assert "newer than this code" in caplog.text


def test_command_line_check_and_sql_work_from_any_directory(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    migrations_cli(["check"])  # raises when the models and the revisions disagree

    migrations_cli(["upgrade", "--sql", "--url", "postgresql+psycopg://nobody@nowhere/liudan"])
    sql = capsys.readouterr().out
    assert "CREATE TABLE orgs" in sql and f"'{migrations.head()}'" in sql
