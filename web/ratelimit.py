"""An in-memory sliding-window rate limiter, per key (a client address, as `web.deps.client_addr`
finds it: a forwarded header counts only from a trusted proxy, so a client cannot pick its key).

Per process: with several web processes behind nginx each keeps its own window, so the effective
limit is at most the number of processes times the setting. Enough to stop a script hammering the
resident portal; nginx's `limit_req` is the place for a hard global limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
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
