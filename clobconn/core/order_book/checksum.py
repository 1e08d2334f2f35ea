"""The interleaved-levels book checksum: CRC32, as a signed 32-bit integer, of the top levels of each
side written "price:size" with the venue's own strings, best bid and best ask alternately; when one
side runs out the other continues alone. OKX and Bitget check their ``books`` channels this way over
the top 25 levels; a venue declares the depth.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import ChecksumFn


def interleaved_levels(bids: Sequence[RawLevel], asks: Sequence[RawLevel], depth: int) -> str:
    """The checked string over ``depth`` levels a side ("3366.1", never "3366.10" for a venue that
    wrote "3366.1": the strings are the venue's)."""
    parts: list[str] = []
    bids, asks = bids[:depth], asks[:depth]
    for i in range(max(len(bids), len(asks))):
        for side in (bids, asks):
            if i < len(side):
                parts.append(f"{side[i][0]}:{side[i][1]}")
    return ":".join(parts)


def signed_crc32(text: str) -> int:
    """CRC32 as these venues send it: a signed 32-bit integer."""
    value = zlib.crc32(text.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def interleaved_checksum(depth: int) -> ChecksumFn:
    """The checksum of a book's top ``depth`` levels a side, for ``OrderBookDataSource.checksum``."""
    def checksum(book: OrderBook) -> int:
        return signed_crc32(interleaved_levels(book.raw_levels(True, depth), book.raw_levels(False, depth), depth))
    return checksum
