"""What the bus tests share: a second event loop in its own thread (the consumer's process, in
miniature), and reading a book from the stream until it reaches a given state."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from clobconn.bus import BookReader
from clobconn.core.order_book.order_book import OrderBook

T = TypeVar("T")
Levels = tuple[list[tuple[float, float]], list[tuple[float, float]]]


class OtherLoop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


def levels(book: OrderBook) -> Levels:
    return book.bid_levels(), book.ask_levels()


async def read_until_synced_at(reader: BookReader, update_id: int, timeout: float) -> Levels:
    """Read the stream until the book is synced at ``update_id``; its levels then."""
    async with asyncio.timeout(timeout):
        async for book in reader.updates():
            if book.is_synced and book.last_update_id == update_id:
                return levels(book)
    raise AssertionError("unreachable")


async def settled(book: OrderBook, quiet: float = 0.3, timeout: float = 10.0) -> int:
    """Wait until the book has not changed for ``quiet`` seconds; its update id then."""
    async with asyncio.timeout(timeout):
        while True:
            before = book.last_update_id
            await asyncio.sleep(quiet)
            if book.last_update_id == before and book.is_synced:
                return before
