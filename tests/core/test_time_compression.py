"""``clobconn.core.timers``: one factor compresses every timer a connector runs, for soaks and chaos runs."""

from __future__ import annotations

import asyncio

import pytest

from clobconn.core.tasks import ConnectorTasks
from clobconn.core.timers import compressed_time, idle_timer, time_factor, timer


def test_timers_are_real_unless_compressed() -> None:
    assert timer(30.0) == 30.0 and idle_timer(60.0) == 60.0 and time_factor() == 1.0
    with compressed_time(60.0):
        assert timer(30.0) == 0.5
        assert idle_timer(60.0) == 1.0
        assert time_factor() == 60.0
    assert timer(30.0) == 30.0 and idle_timer(60.0) == 60.0 and time_factor() == 1.0


def test_idle_timeouts_can_stay_real() -> None:
    # A soak against a mock venue that pings no faster: a quiet socket must not count as dead.
    with compressed_time(60.0, idle_timeouts=False):
        assert timer(30.0) == 0.5
        assert idle_timer(60.0) == 60.0


def test_the_factor_must_be_positive() -> None:
    for factor in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError), compressed_time(factor):
            pass
    assert time_factor() == 1.0


async def test_a_periodic_loop_runs_at_the_compressed_interval() -> None:
    runs = 0

    async def poll() -> None:
        nonlocal runs
        runs += 1

    tasks = ConnectorTasks("test")
    with compressed_time(1000.0):
        # A slow poll every minute: every 60 ms compressed, so at least 3 within 0.3 s (none uncompressed).
        tasks.run_periodic("balances", poll, lambda: 60.0, initial_delay=True)
        await asyncio.sleep(0.3)
    await tasks.stop()
    assert runs >= 3
