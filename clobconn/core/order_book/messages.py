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


def check_book_message(message: BookMessage) -> tuple[list[Level], list[Level]]:
    """The message's bids and asks as checked floats, once its sequencing fields are ints."""
    if type(message.last_id) is not int or type(message.first_id) not in _ID_TYPES or (
            type(message.prev_id) not in _ID_TYPES or type(message.checksum) not in _ID_TYPES):
        raise InvalidBookMessage(
            f"sequence fields must be ints: last {message.last_id!r}, first {message.first_id!r}, "
            f"prev {message.prev_id!r}, checksum {message.checksum!r}"
        )
    return parse_levels(message.bids, "bid"), parse_levels(message.asks, "ask")
