"""Case codes (HJ-2026-000123) from a store sequence: unique under concurrency, never a row count."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from workflows.ids import case_code


def next_case_code(engine: Engine, prefix: str, year: int) -> str:
    """Allocates the next code for `prefix` and `year`.

    One statement increments the counter and returns it (UPDATE ... RETURNING holds the row lock on
    PostgreSQL and the write lock on SQLite), so two registrations can never share a number. A
    registration that fails after this leaves a gap, as a paper register would.
    """
    return case_code(prefix, year, next_number(engine, _counter(prefix, year)))


def next_number(engine: Engine, name: str) -> int:
    """The next value of the named counter (case codes, document numbers), never given twice."""
    with engine.begin() as conn:
        _ensure(conn, engine, name)
        value: int = conn.execute(
            text("UPDATE counters SET value = value + 1 WHERE name = :n RETURNING value"), {"n": name}
        ).scalar_one()
    return value


def advance_counter(engine: Engine, prefix: str, year: int, at_least: int) -> bool:
    """Moves the sequence past `at_least` (a number Temporal has already seen, after the read model
    was restored from an older backup or lost); never moves it back. True if it moved."""
    name = _counter(prefix, year)
    with engine.begin() as conn:
        _ensure(conn, engine, name)
        moved = conn.execute(
            text("UPDATE counters SET value = :v WHERE name = :n AND value < :v"), {"n": name, "v": at_least}
        ).rowcount
    return bool(moved)


def _counter(prefix: str, year: int) -> str:
    return f"case:{prefix}:{year}"


def _ensure(conn, engine: Engine, name: str) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name == "postgresql":
        conn.execute(
            text("INSERT INTO counters (name, value) VALUES (:n, 0) ON CONFLICT (name) DO NOTHING"),
            {"n": name},
        )
    else:
        conn.execute(text("INSERT OR IGNORE INTO counters (name, value) VALUES (:n, 0)"), {"n": name})
