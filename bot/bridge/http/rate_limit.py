"""A sliding-window rate limit per key, kept in this process's memory.

Flask-Limiter (the library to reach for) needs `packaging>=21`; Rasa 3.6 pins
packaging 20.9 in the same environment, so this small limiter stands in. Each
bridge process counts on its own: with N bridge processes behind a load
balancer a client gets up to N times the limit.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque


class RateLimiter:
    """At most `limit` events per `window` seconds for each key."""

    def __init__(self, limit: int, window: float, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys  # the least recently seen keys are forgotten
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def blocked(self, key: str, now: float | None = None) -> bool:
        """The limit is reached for `key` (nothing is counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key) or ()
            return sum(1 for hit in hits if hit > now - self.window) >= self.limit

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count one event for `key`; False (and not counted) past the limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            allowed = len(hits) < self.limit
            if allowed:
                hits.append(now)
            self._hits[key] = hits
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return allowed
