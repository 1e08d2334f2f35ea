"""What the tracker tells its book listeners after each message, for those that mirror a book elsewhere
(the Redis Streams publisher): enough to rebuild the book exactly, and to see a change was missed.

A ``SNAPSHOT`` is the whole book as it now stands (after a resync, or a snapshot-only venue's
message); a ``DIFF`` is one diff the synced book applied, in the venue's own levels, with the book's
update id before (``prev_id``) and after (``update_id``) it; ``LOST`` says the book stopped being
synced and its prices are stale until the next ``SNAPSHOT``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.order_book import OrderBook


class BookChangeKind(Enum):
    SNAPSHOT = "snapshot"
    DIFF = "diff"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class BookChange:
    kind: BookChangeKind
    trading_pair: str
    # The live book: read it in the callback, never keep it (it changes with the next message).
    book: OrderBook
    # A diff's levels as the venue sent them; empty for the other kinds.
    bids: list[RawLevel]
    asks: list[RawLevel]
    prev_id: int
    update_id: int


BookListener = Callable[[BookChange], None]
