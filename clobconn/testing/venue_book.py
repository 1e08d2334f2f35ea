"""The venue's side of a book, for test modules whose mock venue stamps each pushed diff with the
checksum of the book after it (OKX, BTC Markets, the template): the connector's current book as the
venue's strings, and the venue's absolute level changes applied to it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.exchange_base import ExchangeBase

# price -> (the venue's price string, its size string)
VenueLevels = dict[Decimal, tuple[str, str]]


def apply_levels(side: VenueLevels, levels: Iterable[Sequence[Any]]) -> None:
    """Levels as a venue sends them, ``[price, size, ...]``: a size of zero deletes the price."""
    for price, size, *_ in levels:
        if Decimal(size) == 0:
            side.pop(Decimal(price), None)
        else:
            side[Decimal(price)] = (price, size)


def book_levels(conn: ExchangeBase | None, trading_pair: str) -> tuple[VenueLevels, VenueLevels]:
    """The pair's book in ``conn`` as the venue's strings, bids and asks; empty before it exists."""
    syncs = conn.order_book_tracker.syncs if conn is not None else {}
    if trading_pair not in syncs:
        return {}, {}
    book = syncs[trading_pair].book
    bids = {Decimal(p): (p, s) for p, s in book.raw_levels(True, book.bid_depth)}
    asks = {Decimal(p): (p, s) for p, s in book.raw_levels(False, book.ask_depth)}
    return bids, asks
