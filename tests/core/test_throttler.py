"""AsyncThrottler on a fake clock, and TimeSynchronizer."""

from __future__ import annotations

import logging

import pytest

from clobconn.core.web.throttler import AsyncThrottler, LinkedLimit, RateLimit
from clobconn.core.web.time_sync import TimeSynchronizer

EPS = 1e-9


class FakeClock:
    """A monotonic clock that only moves when the throttler sleeps; every sleep is recorded."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the throttler slept for a non-positive time"
        assert len(self.sleeps) < 10_000, "the throttler is looping"
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(limits: list[RateLimit], clock: FakeClock) -> AsyncThrottler:
    return AsyncThrottler(limits, clock=clock, sleep=clock.sleep)


# -- one pool ------------------------------------------------------------------------------------
#
# Except in the float-drift test, every pool here has an emission interval (interval / limit) that is
# exact in binary (1/4, 1/16, 1/128 ...), so these tests check the throttling logic and nothing else;
# the drift is covered on its own by test_n_per_interval_has_no_float_drift.


@pytest.mark.parametrize(("limit", "interval"), [(1, 1.0), (4, 1.0), (16, 1.0), (64, 8.0), (1024, 64.0),
                                                 (8192, 256.0)])
async def test_n_per_interval_lets_n_through_then_throttles(limit: int, interval: float) -> None:
    clock = FakeClock(start=1024.0)
    throttler = make([RateLimit("pool", limit, interval)], clock)
    for _ in range(limit):
        await throttler.acquire("pool")
    assert clock.sleeps == []
    assert clock.now == 1024.0
    assert throttler.delay_for("pool") > 0
    await throttler.acquire("pool")
    assert len(clock.sleeps) >= 1
    assert sum(clock.sleeps) >= interval / limit - EPS
    assert clock.now == pytest.approx(1024.0 + sum(clock.sleeps))


@pytest.mark.parametrize(("limit", "interval", "start"), [(3, 1.0, 1000.0), (5, 1.0, 1000.0), (10, 1.0, 1000.0),
                                                          (100, 1.0, 0.0), (6, 1.0, 123456.789)])
async def test_n_per_interval_has_no_float_drift(limit: int, interval: float, start: float) -> None:
    clock = FakeClock(start=start)
    throttler = make([RateLimit("pool", limit, interval)], clock)
    for _ in range(limit):
        await throttler.acquire("pool")
    assert clock.sleeps == []


async def test_n_plus_first_waits_until_the_first_leaves_the_interval() -> None:
    clock = FakeClock(start=1024.0)
    throttler = make([RateLimit("pool", 4, 1.0)], clock)
    for _ in range(4):
        await throttler.acquire("pool")
    await throttler.acquire("pool")
    assert sum(clock.sleeps) == pytest.approx(1.0)


async def test_no_interval_ever_admits_more_than_n() -> None:
    limit, interval = 4, 1.0
    clock = FakeClock(start=1024.0)
    throttler = make([RateLimit("pool", limit, interval)], clock)
    passed: list[float] = []
    for _ in range(30):
        await throttler.acquire("pool")
        passed.append(clock.now)
    worst = max(sum(1 for u in passed if t <= u < t + interval - EPS) for t in passed)
    assert worst <= limit


async def test_long_run_rate_never_exceeds_the_limit() -> None:
    limit, interval, total = 4, 1.0, 104
    clock = FakeClock(start=1024.0)
    throttler = make([RateLimit("pool", limit, interval)], clock)
    for _ in range(total):
        await throttler.acquire("pool")
    # After the first burst of `limit`, every further `limit` requests need at least one interval.
    assert clock.now - 1024.0 >= (total - limit) * interval / limit - EPS


async def test_time_passing_refills_the_pool() -> None:
    clock = FakeClock(start=1024.0)
    throttler = make([RateLimit("pool", 4, 1.0)], clock)
    for _ in range(4):
        await throttler.acquire("pool")
    assert throttler.delay_for("pool") > 0
    clock.advance(1.0)
    assert throttler.delay_for("pool") == 0.0
    for _ in range(4):
        await throttler.acquire("pool")
    assert clock.sleeps == []


async def test_weight_spends_several_slots() -> None:
    clock = FakeClock(start=1024.0)
    throttler = make([RateLimit("heavy", 16, 1.0, weight=5)], clock)
    for _ in range(3):  # 15 of 16
        await throttler.acquire("heavy")
    assert clock.sleeps == []
    await throttler.acquire("heavy")  # 20 > 16
    assert sum(clock.sleeps) >= 4 / 16 - EPS


async def test_weight_heavier_than_the_pool_passes_when_empty() -> None:
    clock = FakeClock(start=1024.0)
    throttler = make([RateLimit("big", 8, 1.0, weight=20)], clock)
    assert throttler.delay_for("big") == 0.0
    await throttler.acquire("big")
    assert clock.sleeps == []
    # It did spend: the next one has to wait, but it does get through.
    assert throttler.delay_for("big") > 0
    await throttler.acquire("big")
    assert sum(clock.sleeps) > 0
    assert len(clock.sleeps) < 10


# -- linked pools ---------------------------------------------------------------------------------


def linked_limits() -> list[RateLimit]:
    # Two endpoints, each 1 on its own pool (8/s) and 32 on the shared weight pool (128/s).
    return [
        RateLimit("WEIGHT", 128, 1.0),
        RateLimit("A", 8, 1.0, linked_limits=(LinkedLimit("WEIGHT", 32),)),
        RateLimit("B", 8, 1.0, linked_limits=(LinkedLimit("WEIGHT", 32),)),
        RateLimit("C", 8, 1.0),
    ]


async def test_shared_pool_throttles_across_endpoints() -> None:
    clock = FakeClock(start=1024.0)
    throttler = make(linked_limits(), clock)
    for limit_id in ["A", "B", "A", "B"]:  # 128 weight on WEIGHT; 2/8 on A and 2/8 on B
        await throttler.acquire(limit_id)
    assert clock.sleeps == []
    # Neither endpoint's own pool is near its limit, yet both are now held back by the shared pool.
    assert throttler.delay_for("A") > 0
    assert throttler.delay_for("B") > 0
    assert throttler.delay_for("WEIGHT") > 0
    assert throttler.delay_for("C") == 0.0
    await throttler.acquire("B")
    # 32 units of the 128-per-second pool must have freed up: at least 0.25 s.
    assert sum(clock.sleeps) >= 0.25 - EPS


async def test_own_pool_still_limits_a_linked_endpoint() -> None:
    clock = FakeClock(start=1024.0)
    limits = [
        RateLimit("WEIGHT", 1024, 1.0),
        RateLimit("A", 4, 1.0, linked_limits=(LinkedLimit("WEIGHT", 1),)),
    ]
    throttler = make(limits, clock)
    for _ in range(4):
        await throttler.acquire("A")
    assert clock.sleeps == []
    assert throttler.delay_for("WEIGHT") == 0.0
    await throttler.acquire("A")
    assert sum(clock.sleeps) >= 0.25 - EPS


async def test_linked_weight_heavier_than_shared_pool_passes_when_empty() -> None:
    clock = FakeClock(start=1024.0)
    limits = [RateLimit("WEIGHT", 128, 1.0), RateLimit("X", 8, 1.0, linked_limits=(LinkedLimit("WEIGHT", 200),))]
    throttler = make(limits, clock)
    await throttler.acquire("X")
    assert clock.sleeps == []
    assert throttler.delay_for("X") > 0
    assert throttler.delay_for("WEIGHT") > 0


# -- pause after a 429 -----------------------------------------------------------------------------


async def test_pause_blocks_every_pool_of_the_limit_and_nothing_else(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(start=1024.0)
    throttler = make(linked_limits(), clock)
    with caplog.at_level(logging.WARNING, logger="clobconn.core.web.throttler"):
        throttler.pause("A", 5.0)
    assert any("'A'" in r.getMessage() for r in caplog.records)
    assert throttler.paused_until("A") == 1029.0
    assert throttler.paused_until("WEIGHT") == 1029.0
    # B has its own pool free but spends on the paused shared pool.
    assert throttler.paused_until("B") == 1029.0
    assert throttler.paused_until("C") == 0.0

    await throttler.acquire("C")
    assert clock.sleeps == []
    await throttler.acquire("A")
    assert sum(clock.sleeps) == pytest.approx(5.0)
    assert clock.now == pytest.approx(1029.0)
    # Once the pause is over, the pools work as before.
    before = len(clock.sleeps)
    await throttler.acquire("B")
    assert len(clock.sleeps) == before


async def test_pause_only_ever_extends() -> None:
    clock = FakeClock(start=1024.0)
    throttler = make(linked_limits(), clock)
    throttler.pause("A", 5.0)
    throttler.pause("A", 1.0)
    assert throttler.paused_until("A") == 1029.0
    clock.advance(2.0)
    assert throttler.delay_for("A") == pytest.approx(3.0)
    throttler.pause("B", 10.0)
    assert throttler.paused_until("A") == 1036.0  # through the shared pool


async def test_paused_pool_blocks_the_second_endpoint_too() -> None:
    clock = FakeClock(start=1024.0)
    throttler = make(linked_limits(), clock)
    throttler.pause("A", 2.5)
    await throttler.acquire("B")
    assert sum(clock.sleeps) == pytest.approx(2.5)


# -- unknown limit ids ----------------------------------------------------------------------------


async def test_unknown_limit_passes_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(start=1024.0)
    throttler = make(linked_limits(), clock)
    with caplog.at_level(logging.WARNING, logger="clobconn.core.web.throttler"):
        for _ in range(50):
            await throttler.acquire("/api/v3/unknown")
        await throttler.acquire("/other")
    assert clock.sleeps == []
    unknown = [r for r in caplog.records if "/api/v3/unknown" in r.getMessage()]
    assert len(unknown) == 1
    assert unknown[0].levelno == logging.WARNING
    assert len([r for r in caplog.records if "/other" in r.getMessage()]) == 1
    assert throttler.delay_for("/api/v3/unknown") == 0.0
    assert throttler.paused_until("/api/v3/unknown") == 0.0


# -- TimeSynchronizer -----------------------------------------------------------------------------


def test_offset_uses_the_midpoint_of_sent_and_received() -> None:
    clock = FakeClock(start=2000.0)
    sync = TimeSynchronizer(clock=clock)
    assert sync.offset == 0.0
    # Sent at 1000, answered at 1004: the server read its clock at about 1002 and said 1010.
    sync.add_sample(server_time=1010.0, sent_at=1000.0, received_at=1004.0)
    assert sync.offset == 8.0
    assert sync.has_samples is True
    assert sync.time() == 2008.0
    assert sync.time_ms() == 2_008_000


def test_offset_is_the_median_of_recent_samples() -> None:
    sync = TimeSynchronizer(max_samples=5, clock=FakeClock())
    for offset in [1.0, 50.0, 2.0]:  # one slow round trip must not drag the offset
        sync.add_sample(100.0 + offset, 99.0, 101.0)
    assert sync.offset == 2.0
    sync.add_sample(103.0, 99.0, 101.0)  # offsets 1, 50, 2, 3 -> (2 + 3) / 2
    assert sync.offset == 2.5


def test_only_the_last_samples_count() -> None:
    sync = TimeSynchronizer(max_samples=3, clock=FakeClock())
    for offset in [-100.0, -100.0, 5.0, 6.0, 7.0]:
        sync.add_sample(offset, 0.0, 0.0)
    assert sync.offset == 6.0


def test_clear_forgets_the_samples() -> None:
    clock = FakeClock(start=50.0)
    sync = TimeSynchronizer(clock=clock)
    sync.add_sample(60.0, 40.0, 40.0)
    assert sync.offset == 20.0
    sync.clear()
    assert sync.offset == 0.0
    assert sync.has_samples is False
    assert sync.time() == 50.0


async def test_update_times_the_round_trip() -> None:
    clock = FakeClock(start=100.0)
    sync = TimeSynchronizer(clock=clock)

    async def fetch_server_time() -> float:
        clock.advance(4.0)  # the round trip takes 4 s
        return 110.0

    await sync.update(fetch_server_time)
    assert sync.offset == 8.0  # 110 - (100 + 104) / 2
