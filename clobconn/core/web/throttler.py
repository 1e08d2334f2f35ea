"""Weighted, linked rate limits.

Each pool is a sliding window over what was spent in the last interval, as venues count it; an
acquire is amortised O(1) however full the window is (no rescan of a log). A request names
one limit id; it spends its weight on that pool and on every pool the limit links to (Binance's
order endpoint costs 1 on the order pool and its weight on the shared request-weight pool).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LinkedLimit:
    limit_id: str
    weight: int = 1


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit_id: str
    limit: int
    time_interval: float
    weight: int = 1
    linked_limits: tuple[LinkedLimit, ...] = ()


class _Pool:
    """A sliding window: what was spent in the last ``interval`` seconds may not exceed ``limit``.

    Entries leave from the left as they age, so an acquire is amortised O(1).
    """

    __slots__ = ("interval", "limit", "log", "paused_until", "used")

    def __init__(self, limit: int, interval: float) -> None:
        self.limit = limit
        self.interval = interval
        self.log: deque[tuple[float, int]] = deque()
        self.used = 0
        self.paused_until = 0.0

    def _expire(self, now: float) -> None:
        horizon = now - self.interval
        log = self.log
        while log and log[0][0] <= horizon:
            self.used -= log.popleft()[1]

    def wait_time(self, weight: int, now: float) -> float:
        if now < self.paused_until:
            return self.paused_until - now
        self._expire(now)
        # A request heavier than the whole pool still passes once the pool is empty.
        excess = self.used + min(weight, self.limit) - self.limit
        if excess <= 0:
            return 0.0
        freed = 0
        for spent_at, spent in self.log:
            freed += spent
            if freed >= excess:
                return spent_at + self.interval - now
        return self.interval

    def spend(self, weight: int, now: float) -> None:
        weight = min(weight, self.limit)
        self.log.append((now, weight))
        self.used += weight


class AsyncThrottler:
    def __init__(
        self,
        rate_limits: Iterable[RateLimit],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = {rl.limit_id: rl for rl in rate_limits}
        self._pools = {rl.limit_id: _Pool(rl.limit, rl.time_interval) for rl in self._limits.values()}
        self._clock = clock
        self._sleep = sleep
        self._warned: set[str] = set()

    def _costs(self, limit_id: str) -> list[tuple[_Pool, int]]:
        rate_limit = self._limits.get(limit_id)
        if rate_limit is None:
            if limit_id not in self._warned:
                self._warned.add(limit_id)
                logger.warning("no rate limit declared for %r; sending unthrottled", limit_id)
            return []
        costs = [(self._pools[limit_id], rate_limit.weight)]
        costs.extend((self._pools[link.limit_id], link.weight) for link in rate_limit.linked_limits)
        return costs

    def delay_for(self, limit_id: str) -> float:
        """How long an acquire of ``limit_id`` would wait now."""
        now = self._clock()
        return max((pool.wait_time(w, now) for pool, w in self._costs(limit_id)), default=0.0)

    async def acquire(self, limit_id: str) -> None:
        costs = self._costs(limit_id)
        while True:
            now = self._clock()
            wait = max((pool.wait_time(w, now) for pool, w in costs), default=0.0)
            if wait <= 0.0:
                for pool, weight in costs:
                    pool.spend(weight, now)
                return
            await self._sleep(wait)

    def pause(self, limit_id: str, seconds: float) -> None:
        """Stop every pool ``limit_id`` spends on for ``seconds`` (after a 429, 418 or Retry-After)."""
        until = self._clock() + seconds
        for pool, _ in self._costs(limit_id):
            pool.paused_until = max(pool.paused_until, until)
        logger.warning("rate limit hit on %r: pausing its pools for %.3fs", limit_id, seconds)

    def paused_until(self, limit_id: str) -> float:
        return max((pool.paused_until for pool, _ in self._costs(limit_id)), default=0.0)
