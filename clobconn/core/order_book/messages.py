"""What a connector's parsers hand the core: book snapshots, diffs and public trades."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from clobconn.core.data_types.enums import TradeType
from clobconn.core.order_book.levels import InvalidBookMessage, Level, RawLevel, parse_levels


class BookMessageType(Enum):
    SNAPSHOT = "snapshot"
    DIFF = "diff"


@dataclass(slots=True)
class BookMessage:
    """A snapshot or diff for one pair, with the sequencing fields its venue provides.

    ``last_id`` is the message's update id or sequence number; ``first_id`` is set where a diff
    covers a range of ids (``U`` on Binance); ``prev_id`` is set where diffs chain to the
    previous message (``pu`` on Binance futures, ``prevSeqId`` on OKX).
    """

    type: BookMessageType
    trading_pair: str
    bids: list[RawLevel]
    asks: list[RawLevel]
    last_id: int
    timestamp: float = 0.0
    first_id: int | None = None
    prev_id: int | None = None
    checksum: int | None = None


@dataclass(frozen=True, slots=True)
class PublicTrade:
    trading_pair: str
    trade_id: str
    price: Decimal
    amount: Decimal
    # The taker's side.
    side: TradeType
    timestamp: float


_ID_TYPES = frozenset((int, type(None)))
# Every venue's sequence numbers, update ids and microsecond clocks fit a signed 64-bit integer. An id
# beyond it is garbage, and taken as the book's id it would make every real diff after it look stale
# while the book still reported synced.
_ID_LIMIT = 2**63


def check_book_message(message: BookMessage) -> tuple[list[Level], list[Level]]:
    """The message's bids and asks as checked floats, once its sequencing fields are ints in range
    (and a diff's range of ids does not run backwards)."""
    last, first, prev = message.last_id, message.first_id, message.prev_id
    if type(last) is not int or type(first) not in _ID_TYPES or (
            type(prev) not in _ID_TYPES or type(message.checksum) not in _ID_TYPES):
        raise InvalidBookMessage(
            f"sequence fields must be ints: last {last!r}, first {first!r}, "
            f"prev {prev!r}, checksum {message.checksum!r}"
        )
    if not -_ID_LIMIT <= last < _ID_LIMIT or (first is not None and not -_ID_LIMIT <= first <= last) or (
            prev is not None and not -_ID_LIMIT <= prev < _ID_LIMIT):
        raise InvalidBookMessage(f"sequence ids out of range: first {first}, last {last}, prev {prev}")
    return parse_levels(message.bids, "bid"), parse_levels(message.asks, "ask")
