"""The rate limiter every web process shares (RATE_LIMIT_BACKEND=database): the same sliding window as
the in-memory one, on SQLite and PostgreSQL, exact when processes hit one key at once, and purged."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from settings import Settings
from store.rate_limits import RateLimitHit
from web.ratelimit import DatabaseLimiter, SlidingWindowLimiter, limiters


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def rows(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(RateLimitHit)).scalar_one()


def test_a_sliding_window_per_key_shared_by_every_limiter_on_the_database(any_engine) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    # Two web processes: two limiters on one read model.
    a, b = (DatabaseLimiter(any_engine, "portal", 3, 60, clock=clock) for _ in range(2))
    assert a.hit("192.0.2.1") and b.hit("192.0.2.1") and a.hit("192.0.2.1")
    assert not b.allowed("192.0.2.1") and not b.hit("192.0.2.1")  # refused, and not counted
    assert a.hit("192.0.2.2") and b.allowed("192.0.2.2")  # another address counts on its own
    other = DatabaseLimiter(any_engine, "login", 1, 60, clock=clock)
    assert other.hit("192.0.2.1")  # another limiter too
    clock.advance(30)
    assert not a.hit("192.0.2.1")
    clock.advance(30)  # the first hits leave the window
    assert a.allowed("192.0.2.1") and a.hit("192.0.2.1")


def test_old_hits_are_purged(any_engine) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    limiter = DatabaseLimiter(any_engine, "track_miss", 5, 60, clock=clock)
    for n in range(4):
        assert limiter.hit(f"198.51.100.{n}")
    assert rows(any_engine) == 4
    clock.advance(61)
    assert limiter.hit("198.51.100.9")  # a window later: the idle addresses' hits go
    assert rows(any_engine) == 1


def test_concurrent_hits_on_one_key_never_pass_the_limit(any_engine) -> None:  # type: ignore[no-untyped-def]
    limiters_ = [DatabaseLimiter(any_engine, "open311", 5, 3600) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: limiters_[n % 4].hit("open311:1"), range(20)))
    assert results.count(True) == 5
    assert rows(any_engine) == 5


def test_the_backend_is_a_setting(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shared = limiters(Settings(liudan_env="dev", data_dir=tmp_path), engine)
    assert {type(limiter) for limiter in shared.values()} == {DatabaseLimiter}
    assert shared["portal"].limit == 10 and shared["login"].limit == 30
    alone = limiters(Settings(liudan_env="dev", data_dir=tmp_path, rate_limit_backend="memory"), engine)
    assert {type(limiter) for limiter in alone.values()} == {SlidingWindowLimiter}
