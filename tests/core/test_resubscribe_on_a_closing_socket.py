"""A book resynced by resubscribing, whose socket closes under the resubscription, leaves no error for no
one to retrieve; found by the chaos suite (issue 18) as "Task exception was never retrieved:
ClientConnectionResetError('Cannot write to closing transport')" while fuzzing BTC Markets' stream."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

from clobconn.core.order_book.sync import SyncResult
from clobconn.testing import MockVenue
from clobconn.testing.helpers import eventually
from tests.core.test_socket_pool import Setup, StreamSnapshotSource, make_tracker

__all__ = ["make_tracker"]  # the fixture, shared with the socket pool's tests


async def test_a_resubscription_on_a_closing_socket_is_dropped_quietly(make_tracker: Callable[..., Setup],
                                                                      venue: MockVenue) -> None:
    tracker, _, _ = make_tracker(StreamSnapshotSource)
    await tracker.start(["A-USDT"])
    await eventually(lambda: tracker.ready, what="book synced")
    unretrieved: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: unretrieved.append(context))
    try:
        runner = tracker._book_owner["A-USDT"].runner

        async def closing_send(payload: Any) -> bool:
            raise ConnectionResetError("Cannot write to closing transport")

        runner.send = closing_send  # type: ignore[method-assign]
        tracker._resync("A-USDT", SyncResult.GAP)
        for _ in range(5):
            await asyncio.sleep(0.01)
            gc.collect()
    finally:
        loop.set_exception_handler(previous)
    assert not unretrieved, unretrieved
    assert not tracker._resubscriptions
