"""Rate limiters, per key (a client address, as `web.deps.client_addr` finds it: a forwarded header
counts only from a trusted proxy, so a client cannot pick its key; or an Open311 API key).

Two kinds, one interface (`RateLimiter`), chosen by RATE_LIMIT_BACKEND (`limiters`):

- `DatabaseLimiter` (the default): a sliding window in the read model (`store.rate_limits`), shared by
  every web process, so a limit holds whichever process a request reaches. Its calls block on the
  database: call them from a plain `def` route or through `asyncio.to_thread`.
- `SlidingWindowLimiter`: the same window in this process's memory. With several web processes each
  keeps its own, and the effective limit is the number of processes times the setting.

nginx's `limit_req` remains the place for a hard limit on raw request rates.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.engine import Engine

from settings import Settings
from store import rate_limits

# Failed logins per client address: beyond the per-account lock-out, against password spraying.
LOGIN_FAILURES_PER_ADDRESS = (30, 900)  # failed attempts, seconds


class RateLimiter(Protocol):
    limit: int  # actions per window
    window: float  # seconds

    def allowed(self, key: str) -> bool:
        """Whether `key` may act now, without counting it."""
        ...

    def hit(self, key: str) -> bool:
        """Counts one action by `key`; False (and not counted) when the window is already full."""
        ...


def limiters(settings: Settings, engine: Engine) -> dict[str, RateLimiter]:
    """The web's limiters by name (`web.deps.limiter`), as RATE_LIMIT_BACKEND says."""
    limits = {
        "portal": (settings.portal_rate_limit, settings.portal_rate_window_seconds),
        "track_miss": (settings.portal_rate_limit, settings.portal_rate_window_seconds),
        "login": LOGIN_FAILURES_PER_ADDRESS,
        "open311": (settings.open311_rate_limit, 3600),
    }
    if settings.rate_limit_backend == "memory":
        return {name: SlidingWindowLimiter(*limit) for name, limit in limits.items()}
    return {name: DatabaseLimiter(engine, name, *limit) for name, limit in limits.items()}


class SlidingWindowLimiter:
    """A sliding window in this process's memory."""

    def __init__(self, limit: int, window_seconds: float, *, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def _prune(self, hits: deque[float], now: float) -> None:
        while hits and hits[0] <= now - self.window:
            hits.popleft()

    def allowed(self, key: str) -> bool:
        """Whether `key` may act now, without counting it."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                return True
            self._prune(hits, now)
            return len(hits) < self.limit

    def hit(self, key: str) -> bool:
        """Counts one action by `key`; False (and not counted) when the window is already full."""
        now = self._clock()
        with self._lock:
            self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            self._prune(hits, now)
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _sweep(self, now: float) -> None:
        # Forget idle keys now and then, so the table does not grow with every address ever seen.
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[key]


class DatabaseLimiter:
    """A sliding window in the read model, shared by every process on it. Blocking (see the module)."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        limit: int,
        window_seconds: float,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.name = name
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._last_purge: datetime | None = None

    def allowed(self, key: str) -> bool:
        since = self._clock() - timedelta(seconds=self.window)
        return rate_limits.hits_in_window(self.engine, self.name, key, since) < self.limit

    def hit(self, key: str) -> bool:
        now = self._clock()
        since = now - timedelta(seconds=self.window)
        self._purge(now, since)
        return rate_limits.hit(self.engine, self.name, key, self.limit, since, now)

    def _purge(self, now: datetime, since: datetime) -> None:
        # Idle keys' rows go once a window (per process), so the table does not grow with every
        # address ever seen; an active key's go at its own hits.
        if self._last_purge is not None and now - self._last_purge < timedelta(seconds=self.window):
            return
        self._last_purge = now
        rate_limits.purge(self.engine, self.name, since)
