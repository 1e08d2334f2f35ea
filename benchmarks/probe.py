"""Watching a live connector's book from the outside, without changing clobconn.

``ApplyProbe`` wraps one pair's ``BookSynchronizer.on_diff`` on that instance only, and notes when
each diff has been applied (CLOCK_MONOTONIC ns, comparable with the venue process's clock). The
wrapper costs one call and one list append per message, the same in every run.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from clobconn.core.order_book.messages import BookMessage
from clobconn.core.order_book.sync import BookSynchronizer, SyncResult


class ApplyProbe:
    def __init__(self, sync: BookSynchronizer) -> None:
        self.sync = sync
        self._on_diff = sync.on_diff
        # An instance attribute shadows the method: the tracker's sync.on_diff(message) lands here.
        sync.on_diff = self._observe  # type: ignore[method-assign]
        self.applied_ns: list[int] = []
        self.not_applied = 0
        self._target = -1
        self._reached = asyncio.Event()

    def expect(self, last_id: int) -> None:
        """Start a run that ends when the diff with ``last_id`` has been applied."""
        self.applied_ns = []
        self.not_applied = 0
        self._target = last_id
        self._reached.clear()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._reached.wait(), timeout)
        except TimeoutError:
            book = self.sync.book
            raise RuntimeError(f"{book.trading_pair}: book at id {book.last_update_id} after {timeout}s, "
                               f"waiting for {self._target} ({self.not_applied} diffs not applied)") from None

    def _observe(self, message: BookMessage) -> Any:
        result = self._on_diff(message)
        self.applied_ns.append(time.perf_counter_ns())
        if result is not SyncResult.APPLIED:
            self.not_applied += 1
        if message.last_id >= self._target:
            self._reached.set()
        return result


class WriteClock:
    """Notes when this process last handed bytes to a TCP socket (benchmark instrumentation only).

    While active it wraps asyncio's socket transport ``write``, which sends at once when nothing is
    queued: the time noted is when the bytes were in the kernel, i.e. on their way to the venue.
    """

    def __init__(self) -> None:
        self.last_write = 0.0
        self._transport_class: Any = asyncio.selector_events._SelectorSocketTransport  # type: ignore[attr-defined]
        self._original = self._transport_class.write

    def __enter__(self) -> WriteClock:
        original, clock = self._original, time.perf_counter

        def write(transport: Any, data: Any) -> None:
            original(transport, data)
            self.last_write = clock()

        self._transport_class.write = write
        return self

    def __exit__(self, *exc: object) -> None:
        self._transport_class.write = self._original
