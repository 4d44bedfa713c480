"""Per-client rate limits: a token bucket each, refilled at ``per_minute`` up to ``burst``.

In-process, which is exact for the embedded gateway; gateways behind a load balancer each
hold their own buckets, so a client's real limit there is this one times the gateway count.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from gateway.errors import RateLimited


class RateLimiter:
    """Token buckets keyed by client (or address, for public routes)."""

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one request of ``key``'s allowance.

        Raises:
            RateLimited: the bucket is empty; ``retry_after`` says when one request is back.
        """
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self.rate)
                raise RateLimited(f"too many requests; try again in {wait} s", wait)
            self._buckets[key] = (tokens - 1.0, now)
