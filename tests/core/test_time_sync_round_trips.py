"""The clock offset from the venue's time answers: a sample whose round trip waited (behind the throttler,
on a busy loop) must not skew it. Found by the chaos soak against the sandbox: time samples queued behind
compressed polls put the clock more than 1 s ahead, and Binance refuses such a timestamp (-1021)."""

from __future__ import annotations

import pytest

from clobconn.core.web.time_sync import TimeSynchronizer


def test_a_sample_that_waited_does_not_move_the_offset() -> None:
    sync = TimeSynchronizer(max_samples=5, clock=lambda: 100.0)
    for _ in range(2):
        sync.add_sample(100.0, 99.99, 100.01)  # 20 ms round trips: offset 0
    # Queued 3 s behind the throttler before it was sent: the midpoint is 1.5 s early, offset +1.5 s.
    sync.add_sample(103.0, 100.0, 103.0)
    sync.add_sample(104.0, 101.0, 104.0)
    assert sync.offset == 0.0


def test_slow_samples_count_when_they_are_all_there_is() -> None:
    sync = TimeSynchronizer(max_samples=5, clock=lambda: 100.0)
    sync.add_sample(103.0, 100.0, 103.0)
    assert sync.offset == 1.5
    sync.add_sample(104.2, 101.0, 104.2)  # as slow, within the slack: both count
    assert sync.offset == pytest.approx(1.55)
