"""The throttler's pools brought in line with the rate-limit state venues report in their answers' headers."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest

from clobconn.core.errors import ExchangeError
from clobconn.core.venue import RateLimitHeaders, RateLimitReset, ResetUnit
from clobconn.core.web.rest import RestClient
from clobconn.core.web.throttler import AsyncThrottler, LinkedLimit, PoolReport, RateLimit, ReportedPool
from clobconn.testing import MockResponse, MockVenue
from tests.core.test_throttler import FakeClock, make

# -- the throttler, on a fake clock --------------------------------------------------------------


async def passes_without_waiting(throttler: AsyncThrottler, clock: FakeClock, limit_id: str) -> int:
    """How many acquires pass before the first one that has to wait."""
    passed = 0
    while True:
        sleeps = len(clock.sleeps)
        await throttler.acquire(limit_id)
        if len(clock.sleeps) > sleeps:
            return passed
        passed += 1


async def test_use_the_venue_reports_beyond_ours_holds_back_the_rest() -> None:
    clock = FakeClock()
    throttler = make([RateLimit("pool", 10, 1.0)], clock)
    await throttler.acquire("pool")
    await throttler.acquire("pool")
    # Another process on the same key spent 6 more: the venue counts 8.
    throttler.apply_report("pool", "pool", PoolReport(used=8))
    assert await passes_without_waiting(throttler, clock, "pool") == 2
    assert sum(clock.sleeps) == pytest.approx(1.0)


async def test_a_lower_count_from_the_venue_frees_nothing_we_spent() -> None:
    clock = FakeClock()
    throttler = make([RateLimit("pool", 10, 1.0)], clock)
    for _ in range(6):
        await throttler.acquire("pool")
    throttler.apply_report("pool", "pool", PoolReport(used=9))
    assert throttler.delay_for("pool") == 0.0
    await throttler.acquire("pool")
    assert throttler.delay_for("pool") > 0.0
    # The venue's count went down (its window moved on): what it counted beyond ours is gone, ours is not.
    throttler.apply_report("pool", "pool", PoolReport(used=1))
    assert await passes_without_waiting(throttler, clock, "pool") == 3


async def test_a_stated_limit_resizes_the_pool() -> None:
    clock = FakeClock()
    throttler = make([RateLimit("pool", 10, 1.0)], clock)
    throttler.apply_report("pool", "pool", PoolReport(limit=4, remaining=4))
    assert throttler.limit_of("pool") == (4, 1.0)
    assert throttler.resizes == 1
    assert await passes_without_waiting(throttler, clock, "pool") == 4
    # The same limit stated again is no resize.
    throttler.apply_report("pool", "pool", PoolReport(limit=4))
    assert throttler.resizes == 1


async def test_a_stated_window_resizes_the_pool_too() -> None:
    clock = FakeClock()
    throttler = make([RateLimit("pool", 40, 2.0)], clock)
    throttler.apply_report("pool", "pool", PoolReport(used=0, limit=600, window=60.0))
    assert throttler.limit_of("pool") == (600, 60.0)


async def test_a_pool_the_venue_reports_spent_waits_until_its_reset() -> None:
    clock = FakeClock()
    throttler = make([RateLimit("pool", 10, 4.0)], clock)
    throttler.apply_report("pool", "pool", PoolReport(remaining=0, reset_in=3.0))
    assert throttler.delay_for("pool") == pytest.approx(3.0)
    started = clock.now
    await throttler.acquire("pool")
    assert clock.now - started == pytest.approx(3.0)


async def test_a_reset_further_off_than_the_window_is_held_for_the_window_only() -> None:
    clock = FakeClock()
    throttler = make([RateLimit("pool", 10, 2.0)], clock)
    # An epoch time misread as a countdown: the window resets within its length, not in 50 years.
    throttler.apply_report("pool", "pool", PoolReport(remaining=0, reset_in=1.7e9))
    assert throttler.delay_for("pool") == pytest.approx(2.0)


async def test_a_pool_reported_spent_without_a_reset_waits_one_window() -> None:
    clock = FakeClock()
    throttler = make([RateLimit("pool", 6000, 60.0)], clock)
    throttler.apply_report("pool", "pool", PoolReport(used=6000))
    assert throttler.delay_for("pool") == pytest.approx(60.0)


async def test_what_the_venue_counted_beyond_ours_ends_at_its_reset() -> None:
    clock = FakeClock()
    throttler = make([RateLimit("pool", 10, 1.0)], clock)
    throttler.apply_report("pool", "pool", PoolReport(used=9, reset_in=0.25))
    await throttler.acquire("pool")
    # Full: the venue's count resets in 0.25 s, sooner than our own spending ages out.
    assert throttler.delay_for("pool") == pytest.approx(0.25)
    clock.advance(0.25)
    assert await passes_without_waiting(throttler, clock, "pool") == 9


async def test_what_we_spent_before_a_fixed_window_reset_counts_until_that_reset() -> None:
    clock = FakeClock()
    throttler = make([RateLimit("pool", 10, 1.0)], clock)
    for _ in range(5):
        await throttler.acquire("pool")
    clock.advance(0.9)
    # The venue counts our 5 and 3 of others' until its reset at +0.5 s; ours leave our window at +0.1 s.
    throttler.apply_report("pool", "pool", PoolReport(limit=10, remaining=2, reset_in=0.5))
    reported_at = clock.now
    assert await passes_without_waiting(throttler, clock, "pool") == 2
    assert clock.now - reported_at == pytest.approx(0.5)


def linked() -> list[RateLimit]:
    return [RateLimit("SHARED", 100, 10.0), RateLimit("ORDERS", 10, 1.0),
            RateLimit("GET /a", 5, 1.0, linked_limits=(LinkedLimit("SHARED", 2),)),
            RateLimit("GET /b", 5, 1.0, linked_limits=(LinkedLimit("SHARED", 2),)),
            RateLimit("POST /order", 200, 10.0, linked_limits=(LinkedLimit("ORDERS"),))]


async def test_a_report_on_the_endpoint_pool_spares_its_neighbours() -> None:
    clock = FakeClock()
    throttler = make(linked(), clock)
    throttler.apply_report("GET /a", ReportedPool.ENDPOINT, PoolReport(remaining=0, reset_in=0.5))
    assert throttler.delay_for("GET /a") == pytest.approx(0.5)
    assert throttler.delay_for("GET /b") == 0.0
    # A report on a pool the connector never declared, or for a limit it never declared, changes nothing.
    throttler.apply_report("GET /b", "NOT_A_POOL", PoolReport(remaining=0, reset_in=5.0))
    throttler.apply_report("GET /unknown", ReportedPool.SHARED, PoolReport(remaining=0, reset_in=5.0))
    assert throttler.delay_for("GET /b") == 0.0


async def test_an_endpoint_report_lands_on_the_pool_that_binds_the_endpoint() -> None:
    clock = FakeClock()
    throttler = make(linked(), clock)
    # Gate.io: a placement's own pool allows 200 per 10 s, but 10 placements a second bind first, and
    # that is the limit the venue reports for it.
    throttler.apply_report("POST /order", ReportedPool.ENDPOINT, PoolReport(limit=10, remaining=0, reset_in=0.5))
    assert throttler.limit_of("POST /order") == (200, 10.0)
    assert throttler.limit_of("ORDERS") == (10, 1.0)
    assert throttler.resizes == 0
    assert throttler.delay_for("POST /order") == pytest.approx(0.5)


async def test_a_report_on_the_shared_pool_holds_every_endpoint_on_it() -> None:
    clock = FakeClock()
    throttler = make(linked(), clock)
    throttler.apply_report("GET /a", ReportedPool.SHARED, PoolReport(limit=100, remaining=1, reset_in=4.0))
    # The shared pool has 1 left and each endpoint spends 2 on it.
    assert throttler.delay_for("GET /b") == pytest.approx(4.0)


# -- the REST client reads the declared headers on every answer --------------------------------------

WEIGHT = RateLimit("REQUEST_WEIGHT", 6000, 60.0)
LIMITS = [WEIGHT, RateLimit("GET /api/v3/account", 6000, 60.0, linked_limits=(LinkedLimit(WEIGHT.limit_id, 20),)),
          RateLimit("GET /v5/order/realtime", 10, 1.0)]
USED_WEIGHT = RateLimitHeaders(WEIGHT.limit_id, used="X-MBX-USED-WEIGHT-1M")
PER_ENDPOINT = RateLimitHeaders(ReportedPool.ENDPOINT, remaining="X-Bapi-Limit-Status", limit="X-Bapi-Limit",
                                reset=RateLimitReset("X-Bapi-Limit-Reset-Timestamp", ResetUnit.EPOCH_MILLISECONDS))


@pytest.fixture
async def client(venue: MockVenue) -> AsyncIterator[RestClient]:
    rest = RestClient(venue.http_url, AsyncThrottler(LIMITS), rate_limit_headers=(USED_WEIGHT, PER_ENDPOINT))
    try:
        yield rest
    finally:
        await rest.close()


async def test_used_weight_from_a_successful_answer_fills_the_pool(venue: MockVenue, client: RestClient) -> None:
    venue.route("GET", "/api/v3/account", MockResponse({}, headers={"X-MBX-USED-WEIGHT-1M": "5990"}))
    await client.request("GET", "/api/v3/account", limit_id="GET /api/v3/account")
    # 5990 of 6000 spent: the account call (weight 20) has to wait for the window.
    assert client.throttler.delay_for("GET /api/v3/account") > 50.0


async def test_headers_of_a_refused_answer_are_read_too(venue: MockVenue, client: RestClient) -> None:
    venue.route("GET", "/api/v3/account", MockResponse({"code": -1100, "msg": "Illegal characters"}, status=400,
                                                       headers={"X-MBX-USED-WEIGHT-1M": "6000"}))
    with pytest.raises(ExchangeError):
        await client.request("GET", "/api/v3/account", limit_id="GET /api/v3/account")
    assert client.throttler.delay_for("GET /api/v3/account") > 50.0


async def test_remaining_limit_and_reset_of_the_endpoints_own_pool(venue: MockVenue, client: RestClient) -> None:
    reset_ms = int((time.time() + 0.8) * 1000)
    venue.route("GET", "/v5/order/realtime", MockResponse({}, headers={
        "X-Bapi-Limit-Status": "0", "X-Bapi-Limit": "20", "X-Bapi-Limit-Reset-Timestamp": str(reset_ms)}))
    await client.request("GET", "/v5/order/realtime", limit_id="GET /v5/order/realtime")
    throttler = client.throttler
    assert throttler.limit_of("GET /v5/order/realtime") == (20, 1.0)
    assert 0.5 < throttler.delay_for("GET /v5/order/realtime") <= 0.8
    # The shared weight pool is not the endpoint's.
    assert throttler.limit_of(WEIGHT.limit_id) == (6000, 60.0)


@pytest.mark.parametrize("garbled", ["nan", "-5", "inf", "lots", "1e400"])
async def test_a_garbled_header_is_logged_and_ignored(venue: MockVenue, client: RestClient, garbled: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    venue.route("GET", "/v5/order/realtime", MockResponse({}, headers={
        "X-Bapi-Limit-Status": garbled, "X-Bapi-Limit": garbled}))
    with caplog.at_level(logging.WARNING, logger="clobconn.core.web.rest"):
        await client.request("GET", "/v5/order/realtime", limit_id="GET /v5/order/realtime")
    assert client.throttler.limit_of("GET /v5/order/realtime") == (10, 1.0)
    assert client.throttler.delay_for("GET /v5/order/realtime") == 0.0
    assert "X-Bapi-Limit-Status" in caplog.text
