"""Shared scenario: a venue that reports, in its answers' headers, its pool almost spent (issue 18).

A mixin of ``SpotConformanceSuite``: every connector whose ``VenueSpec.rate_limit_headers`` declares
the headers its venue sends runs it over its loopback venue (the others skip it). The venue answers
the balances request with each declared header saying that ``BUDGET`` more such requests remain
before the reset, and a smaller limit where the venue states one; the connector, asked again and
again, must send no more than that before the reset, and resume after it. The chaos family
``rate_limits`` injects the same answer through ``almost_spent_headers`` and prints the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from clobconn.core.errors import ClobconnError
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.venue import RateLimitHeaders, ResetUnit
from clobconn.testing.suite_base import ConformanceSuiteBase

# Requests the venue says remain before its reset, and how far off that reset is.
BUDGET = 2
RESET_IN = 0.6


@dataclass(frozen=True, slots=True)
class AlmostSpent:
    """The headers of an answer reporting the request's pools almost spent, and what they imply."""

    headers: dict[str, str]
    # Pools whose stated limit differs from the throttler's: they must be resized.
    resized_pools: int
    # Whether every header reporting a pool the request spends on also says when it resets (without a
    # reset the pool holds for its whole window, longer than a test watches).
    resets: bool


def almost_spent_headers(conn: ExchangeBase, limit_id: str, budget: int = BUDGET,
                         reset_in: float = RESET_IN) -> AlmostSpent:
    """Every declared header of ``conn``'s venue saying that ``budget`` more requests on ``limit_id``
    remain before a reset ``reset_in`` seconds away, with half the pool's limit where the venue states
    one."""
    throttler = conn.rest.throttler
    headers: dict[str, str] = {}
    resized = 0
    resets = True
    for declared in conn.spec.rate_limit_headers:
        pool_id = throttler.reported_pool_id(limit_id, declared.pool)
        if pool_id is None:
            continue
        weight = max(1, throttler.weight_on(limit_id, pool_id))
        limit, window = throttler.limit_of(pool_id)
        if declared.limit is not None:
            stated = max(limit // 2, (budget + 1) * weight)
            resized += stated != limit
            limit = stated
            headers[declared.limit] = str(limit)
        left = budget * weight
        if declared.remaining is not None:
            headers[declared.remaining] = str(left)
        if declared.used is not None:
            headers[declared.used] = str(limit - left)
        if declared.window is not None:
            headers[declared.window] = f"{window:g}"
        if declared.reset is not None:
            headers[declared.reset.header] = _reset_value(declared, conn.time_sync.time(), reset_in)
        elif throttler.weight_on(limit_id, pool_id):
            resets = False
    return AlmostSpent(headers, resized, resets)


def _reset_value(declared: RateLimitHeaders, venue_now: float, reset_in: float) -> str:
    assert declared.reset is not None
    if declared.reset.unit is ResetUnit.SECONDS:
        return f"{reset_in:g}"
    if declared.reset.unit is ResetUnit.MILLISECONDS:
        return str(int(reset_in * 1000))
    return str(int((venue_now + reset_in) * 1000))


def limit_id_of(conn: ExchangeBase, method: str, path: str) -> str | None:
    """The throttler limit a request to ``path`` spends on: its endpoint's, whose path may name a
    resource (HTX's ``/v1/account/accounts/{account_id}/balance``)."""
    for limit_id in conn.rest.throttler.limit_ids():
        limit_method, _, template = limit_id.partition(" ")
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part)
                          for part in re.split(r"(\{[^}]*\})", template))
        if limit_method == method and re.fullmatch(pattern, path):
            return limit_id
    return None


async def keep_asking(call: Callable[[], Awaitable[None]], seconds: float) -> None:
    """Call again and again for ``seconds``, as a strategy polling in a loop would."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            await call()
        except ClobconnError:
            await asyncio.sleep(0.01)


class RateHeaderScenarios(ConformanceSuiteBase):
    async def test_a_pool_the_venue_reports_almost_spent_sends_no_more_than_it_said_remains(self) -> None:
        if not self.conn.spec.rate_limit_headers:
            pytest.skip("the venue documents no rate-limit headers")
        method, path = self.routes["balances"]
        limit_id = limit_id_of(self.conn, method, path)
        assert limit_id is not None, f"no rate limit declared for {method} {path}"
        report = almost_spent_headers(self.conn, limit_id)
        assert report.headers, "no declared header reports a pool the balances request spends on"
        answer = self.reply("balances")
        answer.headers.update(report.headers)
        self.serve("balances", answer, self.reply("balances"))
        before = len(self.venue.requests_to(method, path))
        resizes = self.conn.rest.throttler.resizes

        await self.conn._update_balances()
        reported_at = self.venue.requests_to(method, path)[before].received_at
        asker = asyncio.create_task(keep_asking(self.conn._update_balances, RESET_IN + 0.4))
        try:
            await asyncio.sleep(RESET_IN + 0.5)
        finally:
            asker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asker

        later = [r.received_at for r in self.venue.requests_to(method, path)[before + 1:]]
        before_reset = sum(1 for at in later if at < reported_at + RESET_IN - 0.05)
        assert before_reset <= BUDGET, f"{before_reset} requests sent before the reset; the venue said {BUDGET} remain"
        assert before_reset == BUDGET, "what the venue said remains was not used"
        assert self.conn.rest.throttler.resizes - resizes == report.resized_pools
        if report.resets:
            assert any(at >= reported_at + RESET_IN - 0.05 for at in later), "nothing was sent after the reset"
