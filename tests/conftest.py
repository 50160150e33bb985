"""Shared fixtures: a time-skipping Temporal server per test session, read-model engines on SQLite
and PostgreSQL, and a worker on a fresh task queue per test."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from store.db import create_schema, make_engine
from tests.utils.binaries import venv_binary
from tests.utils.directory import seed_directory
from worker import build_worker
from workflows import search_attributes

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


async def register_search_attributes(client: Client) -> None:
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes=dict(search_attributes.INDEXED_TYPES),
        )
    )


@contextlib.asynccontextmanager
async def started_time_env() -> AsyncIterator[WorkflowEnvironment]:
    path = venv_binary("temporal-test-server")
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=path)
    await register_search_attributes(env.client)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    async with started_time_env() as env:
        yield env


# No test moves the shared time-skipping server's clock this far; one that does leaves every later test
# in the wrong year (a 2037 seen by tests that expect 2027), so it is named here instead.
CLOCK_JUMP_LIMIT = timedelta(days=2 * 366)


@pytest.fixture(autouse=True)
async def _shared_clock_guard(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Fails the test that moved the suite's shared time-skipping clock years ahead (awaiting a result
    with time skipping on lets the server skip to any running workflow's next timer, another test's
    too), rather than the later tests that then see the wrong year."""
    if "time_env" not in request.fixturenames:
        yield
        return
    env: WorkflowEnvironment = request.getfixturevalue("time_env")
    before = await env.get_current_time()
    yield
    moved = await env.get_current_time() - before
    if moved > CLOCK_JUMP_LIMIT:
        pytest.fail(f"this test moved the shared time-skipping clock {moved.days} days ahead")


def _postgres_available() -> bool:
    try:
        engine = make_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def _fresh_postgres() -> Engine:
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests must run in CI, but {POSTGRES_URL} is unreachable")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    engine = make_engine(POSTGRES_URL)
    drop_postgres_tables(engine)
    return engine


def drop_postgres_tables(engine: Engine) -> None:
    """Every read-model table and the migrations' version table, so the next test starts empty."""
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read model migrated to head and seeded with the demo directory, made once per session: each
    test copies it (migrating and seeding a fresh SQLite file every test cost about 0.25 s each)."""
    path = tmp_path_factory.mktemp("template") / "read.db"
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    seed_directory(engine)
    with engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))  # everything in the main file, to copy
    engine.dispose()
    return path


def _fresh_sqlite(tmp_path: Path, template: Path) -> Engine:
    target = tmp_path / "read.db"
    shutil.copyfile(template, target)
    engine = make_engine(f"sqlite:///{target}")
    create_schema(engine)  # at head already: only reads, as every process's start does
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest, tmp_path, sqlite_template: Path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """The read model on each supported database: every test using it runs twice."""
    if request.param == "sqlite":
        engine = _fresh_sqlite(tmp_path, sqlite_template)
    else:
        engine = _fresh_postgres()
        create_schema(engine)
        seed_directory(engine)
    yield engine
    if request.param == "postgres":
        drop_postgres_tables(engine)
    engine.dispose()


@pytest.fixture
def engine(tmp_path, sqlite_template: Path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """The read model on SQLite, for tests about the workflow rather than the database."""
    engine = _fresh_sqlite(tmp_path, sqlite_template)
    yield engine
    engine.dispose()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"


@pytest.fixture
async def client(time_env: WorkflowEnvironment, engine: Engine, task_queue: str) -> AsyncIterator[Client]:
    """The time-skipping client with a worker running the real workflow and activities."""
    async with build_worker(time_env.client, engine, task_queue, strict=True):
        yield time_env.client
