"""Book checksums that several venues share.

- CRC32 over the best levels' digits: BTC Markets (and Kraken, asks first) checksum the top of the
  book as one string of digits: each level's price and size as the venue sent them, with the decimal
  point and then the leading zeros dropped.
- The interleaved-levels checksum: OKX and Bitget take the signed 32-bit CRC32 of the top N levels a
  side written "price:size", best bid and best ask alternately; when one side runs out the other
  continues alone.
- Level counts: Cube's diffs carry no sequence but each side's level count once applied.

Only the venue's own strings give the venue's checksum ("1.0" is "10", not "1"; "0.5000" is not
"0.5"), which is why a book with a checksum keeps them (``OrderBook.raw_levels``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import ChecksumFn


def level_digits(value: str) -> str:
    """``"0.0019"`` -> ``"19"``, ``"32.00001234"`` -> ``"3200001234"``, ``"1.0"`` -> ``"10"``, ``"0"`` -> ``""``."""
    return value.replace(".", "").lstrip("0")


def digits_crc32(sides: Iterable[Sequence[RawLevel]]) -> int:
    """Unsigned CRC32 of every level of ``sides``, in the order given, as price digits then size digits."""
    text = "".join(level_digits(str(level[0])) + level_digits(str(level[1])) for side in sides for level in side)
    return zlib.crc32(text.encode())


def interleaved_levels(bids: Sequence[RawLevel], asks: Sequence[RawLevel], depth: int) -> str:
    """The checked string over ``depth`` levels a side: bid1:ask1:bid2:ask2..., each "price:size"."""
    parts: list[str] = []
    bids, asks = bids[:depth], asks[:depth]
    for i in range(max(len(bids), len(asks))):
        for side in (bids, asks):
            if i < len(side):
                parts.append(f"{side[i][0]}:{side[i][1]}")
    return ":".join(parts)


def signed_crc32(text: str) -> int:
    """CRC32 as OKX and Bitget send it: a signed 32-bit integer."""
    value = zlib.crc32(text.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def interleaved_checksum(depth: int) -> ChecksumFn:
    """The checksum of a book's top ``depth`` levels a side, for ``OrderBookDataSource.checksum``."""
    def checksum(book: OrderBook) -> int:
        return signed_crc32(interleaved_levels(book.raw_levels(True, depth), book.raw_levels(False, depth), depth))
    return checksum


def level_counts(book: OrderBook) -> int:
    """How many bid and ask levels the book holds, as one number (bids in the high 32 bits): the check
    of a venue whose diffs carry no sequence but say how many levels each side has once applied (Cube's
    ``total_bid_levels``/``total_ask_levels``). A lost diff that added or removed a level shows here."""
    return book.bid_depth << 32 | book.ask_depth


def level_counts_of(bid_levels: int, ask_levels: int) -> int:
    """The venue's side counts as ``level_counts`` gives the book's."""
    return bid_levels << 32 | ask_levels
