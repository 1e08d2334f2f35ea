"""Keeps the offset between the local clock and the venue's, for signed timestamps."""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable


class TimeSynchronizer:
    def __init__(self, max_samples: int = 5, clock: Callable[[], float] = time.time) -> None:
        self._offsets: deque[float] = deque(maxlen=max_samples)
        self._clock = clock

    @property
    def offset(self) -> float:
        """The median of recent samples, in seconds; the median shrugs off one slow round trip."""
        return statistics.median(self._offsets) if self._offsets else 0.0

    @property
    def has_samples(self) -> bool:
        return bool(self._offsets)

    def time(self) -> float:
        """The venue's time now, in seconds."""
        return self._clock() + self.offset

    def time_ms(self) -> int:
        return int(self.time() * 1000)

    def add_sample(self, server_time: float, sent_at: float, received_at: float) -> None:
        self._offsets.append(server_time - (sent_at + received_at) / 2)

    def clear(self) -> None:
        self._offsets.clear()

    async def update(self, fetch_server_time: Callable[[], Awaitable[float]]) -> None:
        sent_at = self._clock()
        server_time = await fetch_server_time()
        self.add_sample(server_time, sent_at, self._clock())
