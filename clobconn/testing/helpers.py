"""Small waits and reads the conformance suites and their scenarios share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal

from clobconn.core.data_types import InFlightOrder, OrderState

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
