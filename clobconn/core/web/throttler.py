"""Weighted, linked rate limits.

Each pool is a GCRA (generic cell rate algorithm) bucket, so an acquire costs O(1) whatever the
traffic: a pool only remembers the theoretical arrival time of its next free slot. A request names
one limit id; it spends its weight on that pool and on every pool the limit links to (Binance's
order endpoint costs 1 on the order pool and its weight on the shared request-weight pool).
"""

from __future__ import annotations

import asyncio
import logging
import time
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
    __slots__ = ("emission", "interval", "paused_until", "tat")

    def __init__(self, limit: int, interval: float) -> None:
        self.interval = interval
        self.emission = interval / limit
        self.tat = 0.0
        self.paused_until = 0.0

    def wait_time(self, weight: int, now: float) -> float:
        if now < self.paused_until:
            return self.paused_until - now
        base = max(self.tat, now)
        # A request heavier than the whole pool still passes once the pool is empty.
        cost = min(weight * self.emission, self.interval)
        return max(0.0, base + cost - self.interval - now)

    def spend(self, weight: int, now: float) -> None:
        self.tat = max(self.tat, now) + weight * self.emission


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
