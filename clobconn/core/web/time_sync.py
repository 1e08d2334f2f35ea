"""Keeps the offset between the local clock and the venue's, for signed timestamps."""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable

# A sample whose round trip took this much longer than the quickest recent one is not trusted: the
# request waited somewhere (the throttler's queue, a busy event loop) before or after the venue read its
# clock, and the midpoint misplaces that reading by up to half the wait. Samples timed around a throttler
# wait put the clock seconds ahead, and Binance refuses a timestamp 1 s ahead (-1021).
ROUND_TRIP_SLACK = 0.25


class TimeSynchronizer:
    def __init__(self, max_samples: int = 5, clock: Callable[[], float] = time.time) -> None:
        # (offset, round trip) of the recent samples, in seconds.
        self._samples: deque[tuple[float, float]] = deque(maxlen=max_samples)
        self._clock = clock

    @property
    def _offsets(self) -> list[float]:
        """The offsets of the samples timed about as quickly as the quickest one."""
        if not self._samples:
            return []
        quickest = min(round_trip for _, round_trip in self._samples)
        return [offset for offset, round_trip in self._samples if round_trip <= quickest + ROUND_TRIP_SLACK]

    @property
    def offset(self) -> float:
        """The median of the recent samples with the quickest round trips, in seconds: the median shrugs
        off one odd reading, the round trips the readings that waited."""
        offsets = self._offsets
        return statistics.median(offsets) if offsets else 0.0

    @property
    def has_samples(self) -> bool:
        return bool(self._samples)

    def time(self) -> float:
        """The venue's time now, in seconds."""
        return self._clock() + self.offset

    def time_ms(self) -> int:
        return int(self.time() * 1000)

    def add_sample(self, server_time: float, sent_at: float, received_at: float) -> None:
        self._samples.append((server_time - (sent_at + received_at) / 2, max(0.0, received_at - sent_at)))

    def clear(self) -> None:
        self._samples.clear()

    async def update(self, fetch_server_time: Callable[[], Awaitable[float]]) -> None:
        sent_at = self._clock()
        server_time = await fetch_server_time()
        self.add_sample(server_time, sent_at, self._clock())
