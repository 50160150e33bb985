"""Case codes (HJ-2026-000123) from a store sequence: unique under concurrency, never a row count."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine


def next_case_code(engine: Engine, prefix: str, year: int) -> str:
    """Allocates the next code for `prefix` and `year`.

    One statement increments the counter and returns it (UPDATE ... RETURNING holds the row lock on
    PostgreSQL and the write lock on SQLite), so two registrations can never share a number. A
    registration that fails after this leaves a gap, as a paper register would.
    """
    name = f"case:{prefix}:{year}"
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("INSERT INTO counters (name, value) VALUES (:n, 0) ON CONFLICT (name) DO NOTHING"),
                {"n": name},
            )
        else:
            conn.execute(text("INSERT OR IGNORE INTO counters (name, value) VALUES (:n, 0)"), {"n": name})
        value = conn.execute(
            text("UPDATE counters SET value = value + 1 WHERE name = :n RETURNING value"), {"n": name}
        ).scalar_one()
    return f"{prefix}-{year}-{value:06d}"
