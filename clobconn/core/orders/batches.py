"""Native batch placement, split the way a venue's batch endpoint takes it.

Venues cap a batch request (Binance futures 5, Gate.io 10, HashKey 20) and some take one pair per
request (HashKey). The connector says how to send one request and read its answers; this splits the
orders, sends each request in turn and hands the results back in the caller's order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence

from clobconn.core.data_types import InFlightOrder, Placement
from clobconn.core.errors import ClobconnError

BatchResult = Placement | ClobconnError


def batch_chunks(orders: Sequence[InFlightOrder], size: int, *,
                 one_pair: bool = False) -> Iterator[list[InFlightOrder]]:
    """At most ``size`` orders per request; with ``one_pair``, each request holds a single pair's orders."""
    groups: dict[str, list[InFlightOrder]] = {}
    for order in orders:
        groups.setdefault(order.trading_pair if one_pair else "", []).append(order)
    for group in groups.values():
        for start in range(0, len(group), size):
            yield group[start:start + size]


async def place_in_batches(orders: Sequence[InFlightOrder], size: int,
                           send: Callable[[list[InFlightOrder]], Awaitable[list[BatchResult]]], *,
                           one_pair: bool = False) -> list[BatchResult]:
    """Send the orders in chunks through ``send`` (one result per order of its chunk, in order) and
    return the results in the order the orders came; a request that fails whole fails its orders only."""
    results: dict[str, BatchResult] = {}
    for chunk in batch_chunks(orders, size, one_pair=one_pair):
        try:
            answers = await send(chunk)
        except ClobconnError as exc:
            # That request failed as a whole (refused, or its outcome unknown): each of its orders
            # carries the error, and the other requests' orders keep what their answers said.
            answers = [exc] * len(chunk)
        for order, result in zip(chunk, answers, strict=True):
            results[order.client_order_id] = result
    return [results[order.client_order_id] for order in orders]
