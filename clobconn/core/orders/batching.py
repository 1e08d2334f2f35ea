"""Splitting orders into the batches a venue's batch endpoint takes (a size cap, one symbol a request)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from clobconn.core.data_types import InFlightOrder

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` in order, ``size`` at the most a chunk."""
    return [items[i:i + size] for i in range(0, len(items), size)]


def chunks_per_pair(orders: Sequence[InFlightOrder], size: int) -> list[Sequence[InFlightOrder]]:
    """The orders of one pair a chunk, ``size`` at the most, pairs in the order they first appear."""
    by_pair: dict[str, list[InFlightOrder]] = {}
    for order in orders:
        by_pair.setdefault(order.trading_pair, []).append(order)
    return [chunk for group in by_pair.values() for chunk in chunks(group, size)]
