"""Case codes come from a store sequence: readable, per prefix and year, unique under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine

from store.codes import next_case_code

THREADS, EACH = 8, 15


def test_codes_are_readable_and_per_year(any_engine: Engine):
    assert next_case_code(any_engine, "HJ", 2026) == "HJ-2026-000001"
    assert next_case_code(any_engine, "HJ", 2026) == "HJ-2026-000002"
    assert next_case_code(any_engine, "HJ", 2027) == "HJ-2027-000001"
    assert next_case_code(any_engine, "XH", 2026) == "XH-2026-000001"


def test_codes_unique_under_concurrent_registrations(any_engine: Engine):
    def register(_: int) -> list[str]:
        return [next_case_code(any_engine, "HJ", 2026) for _ in range(EACH)]

    with ThreadPoolExecutor(THREADS) as pool:
        codes = [c for batch in pool.map(register, range(THREADS)) for c in batch]
    # No two registrations share a number, and none is skipped.
    assert sorted(codes) == [f"HJ-2026-{n:06d}" for n in range(1, THREADS * EACH + 1)]
