"""Small waits and reads the conformance suites and their scenarios share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal

from clobconn.core.data_types import InFlightOrder, OrderState
from clobconn.core.exchange_base import ExchangeBase

# A book side as the venue's strings, keyed by price: what a test computes a venue's checksum over.
LevelStrings = dict[Decimal, tuple[str, str]]


async def eventually(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def state_of(order: InFlightOrder) -> OrderState:
    """The order's state now (a call, so a type checker does not carry an earlier narrowing over)."""
    return order.state


def book_strings(conn: ExchangeBase | None, trading_pair: str) -> tuple[LevelStrings, LevelStrings]:
    """The pair's book (bids, asks) as the venue's own strings, for a test that stamps the next message
    with the checksum of the book after it; empty sides before the connector (or its book) exists."""
    if conn is None or trading_pair not in conn.order_book_tracker.syncs:
        return {}, {}
    book = conn.order_book_tracker.syncs[trading_pair].book
    bids = {Decimal(p): (p, s) for p, s in book.raw_levels(True, book.bid_depth)}
    asks = {Decimal(p): (p, s) for p, s in book.raw_levels(False, book.ask_depth)}
    return bids, asks
