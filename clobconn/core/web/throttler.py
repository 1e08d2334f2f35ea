"""Weighted, linked rate limits.

Each pool is a sliding window over what was spent in the last interval, as venues count it; an
acquire is amortised O(1) however full the window is (no rescan of a log). A request names
one limit id; it spends its weight on that pool and on every pool the limit links to (Binance's
order endpoint costs 1 on the order pool and its weight on the shared request-weight pool).

Where a venue reports a pool's state in its answers' headers (Binance's used weight, Bybit's remaining
requests and reset time), ``apply_report`` brings the pool in line with the venue's count: until the
venue's window resets the pool counts the larger of its own log and the venue's count (which includes
what others spent on the same key) plus what we spent since; a stated limit replaces ours, and a pool
the venue reports spent waits for its reset.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import Enum

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


class ReportedPool(Enum):
    """Which pool a venue's rate-limit headers describe, where it depends on the request."""

    # The pool a venue's per-endpoint limit binds in (Bybit, Gate.io, HTX, BitMart): of the request's own
    # pool and those it links to, the one with the lowest declared rate, its own on a tie. That is the
    # endpoint's own pool, except where an order pool binds first (Gate.io's 10 placements a second).
    ENDPOINT = "endpoint"
    # The first pool the request's limit links to: a venue whose headers describe the shared pool the
    # endpoint spends on (KuCoin's resource pools).
    SHARED = "shared"


@dataclass(frozen=True, slots=True)
class PoolReport:
    """What one answer's headers said about one pool; None where the venue said nothing."""

    used: float | None = None
    remaining: float | None = None
    limit: int | None = None
    # Seconds until the venue's window resets.
    reset_in: float | None = None
    # The length of the venue's window in seconds, where it states it with the limit (BitMart).
    window: float | None = None


class _Pool:
    """A sliding window: what was spent in the last ``interval`` seconds may not exceed ``limit``.

    Entries leave from the left as they age, so an acquire is amortised O(1). Where the venue reported
    its own count of the pool (``venue_count``, ours included, and others' on the same key), that count
    plus what we spent since stands until ``venue_count_until``, whenever it is above our log's.
    """

    __slots__ = ("interval", "limit", "log", "paused_until", "spent_since_count", "used", "venue_count",
                 "venue_count_until")

    def __init__(self, limit: int, interval: float) -> None:
        self.limit = limit
        self.interval = interval
        self.log: deque[tuple[float, int]] = deque()
        self.used = 0
        self.paused_until = 0.0
        self.venue_count = 0
        self.venue_count_until = 0.0
        self.spent_since_count = 0

    def _expire(self, now: float) -> None:
        horizon = now - self.interval
        log = self.log
        while log and log[0][0] <= horizon:
            self.used -= log.popleft()[1]

    def wait_time(self, weight: int, now: float) -> float:
        if now < self.paused_until:
            return self.paused_until - now
        # A request heavier than the whole pool still passes once the pool is empty.
        weight = min(weight, self.limit)
        if self.venue_count:
            if now >= self.venue_count_until:
                self.venue_count = 0
            elif self.venue_count + self.spent_since_count + weight > self.limit:
                # Nothing the venue counted leaves before its reset.
                return self.venue_count_until - now
        self._expire(now)
        excess = self.used + weight - self.limit
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
        self.spent_since_count += weight

    def apply(self, report: PoolReport, now: float) -> bool:
        """Bring the pool in line with what the venue reported; True when its limit or window changed."""
        resized = False
        if report.limit is not None and report.limit > 0 and report.limit != self.limit:
            self.limit = report.limit
            resized = True
        if report.window is not None and report.window > 0 and report.window != self.interval:
            self.interval = report.window
            resized = True
        used = report.used
        if used is None and report.remaining is not None:
            used = self.limit - report.remaining
        if used is None:
            return resized
        # Without a readable reset, the venue's count is held for one of our windows: never shorter
        # than the venue's own, since ours is declared from its documented limits. A window resets
        # within its length, so a reset further off is a misread header, not a reason to stop for years.
        until = now + (min(report.reset_in, self.interval) if report.reset_in else self.interval)
        if used >= self.limit or (report.remaining is not None and report.remaining <= 0):
            self.paused_until = max(self.paused_until, until)
            return resized
        # The venue's latest count replaces the last one. It holds until its reset even where our own
        # entries in it leave our sliding window sooner (a venue window that resets at a time is fixed),
        # and it never frees what our log holds: the pool counts the larger of the two.
        self.venue_count, self.venue_count_until, self.spent_since_count = math.ceil(used), until, 0
        return resized


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
        # How many times a venue's headers changed a pool's limit or window (the chaos suite's figure).
        self.resizes = 0

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

    def apply_report(self, limit_id: str, pool: str | ReportedPool, report: PoolReport) -> None:
        """Apply what an answer to a request on ``limit_id`` said about ``pool`` (a pool id, or the
        request's own or shared pool)."""
        pool_id = self.reported_pool_id(limit_id, pool)
        target = self._pools.get(pool_id) if pool_id is not None else None
        if target is None:
            return
        if target.apply(report, self._clock()):
            self.resizes += 1
            logger.info("rate-limit pool %r resized from the venue's headers: %d per %gs", pool_id, target.limit,
                        target.interval)

    def reported_pool_id(self, limit_id: str, pool: str | ReportedPool) -> str | None:
        """The pool a report on an answer to ``limit_id`` describes; None where there is none."""
        if isinstance(pool, str):
            return pool
        rate_limit = self._limits.get(limit_id)
        if rate_limit is None:
            return None
        if pool is ReportedPool.SHARED:
            return rate_limit.linked_limits[0].limit_id if rate_limit.linked_limits else limit_id
        pools = [pool_id for pool_id in (limit_id, *(link.limit_id for link in rate_limit.linked_limits))
                 if pool_id in self._limits]
        # min keeps the first of equals: the request's own pool on a tie.
        return min(pools, key=lambda pool_id: self._limits[pool_id].limit / self._limits[pool_id].time_interval)

    def limit_ids(self) -> list[str]:
        return list(self._limits)

    def weight_on(self, limit_id: str, pool_id: str) -> int:
        """What one request on ``limit_id`` spends on ``pool_id`` (0 where it spends nothing there)."""
        return sum(weight for pool, weight in self._costs(limit_id) if pool is self._pools.get(pool_id))

    def limit_of(self, pool_id: str) -> tuple[int, float]:
        """A pool's limit and window as they stand (declared, or resized from the venue's headers)."""
        pool = self._pools[pool_id]
        return pool.limit, pool.interval

    def paused_until(self, limit_id: str) -> float:
        return max((pool.paused_until for pool, _ in self._costs(limit_id)), default=0.0)
