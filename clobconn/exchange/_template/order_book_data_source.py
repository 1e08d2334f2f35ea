"""Template Exchange public data: ``book.<SYMBOL>`` and ``trades.<SYMBOL>`` on one socket, ``/ws``.

docs/connectors/_template.md#websocket. The venue sends the book snapshot on the stream when we
subscribe, so there is no REST snapshot: a gap or a bad checksum is repaired by resubscribing.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import ChecksumFn, ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange._template.constants import HEARTBEAT, PUBLIC_WS_PATH

logger = logging.getLogger(__name__)

CHECKSUM_DEPTH = 10
BOOK_TYPES = {"snapshot": BookMessageType.SNAPSHOT, "update": BookMessageType.DIFF}


def book_checksum(book: OrderBook) -> int:
    """CRC32 of the top 10 levels as the venue's strings: bid1, ask1, bid2, ask2, ... as "price:size".

    docs/connectors/_template.md#checksum. Uses the venue's own strings ("100.10", not "100.1"),
    which is why the core keeps them for venues that declare a checksum.
    """
    bids = book.raw_levels(True, CHECKSUM_DEPTH)
    asks = book.raw_levels(False, CHECKSUM_DEPTH)
    parts: list[str] = []
    for i in range(max(len(bids), len(asks))):
        for side in (bids, asks):
            if i < len(side):
                parts.append(f"{side[i][0]}:{side[i][1]}")
    return zlib.crc32(":".join(parts).encode())


def parse_book(trading_pair: str, message: Mapping[str, Any]) -> BookMessage:
    """book.<SYMBOL>: one "snapshot" on subscribe, then "update"s whose seq rises by exactly one."""
    return BookMessage(BOOK_TYPES[message["type"]], trading_pair, message["bids"], message["asks"],
                       int(message["seq"]), timestamp=message["ts"] / 1000, checksum=int(message["checksum"]))


def parse_trade(trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
    """One entry of trades.<SYMBOL> "data"; "side" is the taker's."""
    side = TradeType.BUY if trade["side"] == "buy" else TradeType.SELL
    return PublicTrade(trading_pair, str(trade["id"]), Decimal(trade["price"]), Decimal(trade["size"]), side,
                       trade["ts"] / 1000)


class TemplateOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.SEQUENCE
    resync_mode = ResyncMode.RESUBSCRIBE

    def checksum(self) -> ChecksumFn:
        return book_checksum

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{PUBLIC_WS_PATH}", heartbeat=HEARTBEAT)

    def subscription_frames(self, op: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One frame for every channel of every pair: the venue takes up to 50 channels per frame.
        channels = [f"{kind}.{self.connector.exchange_symbol(pair)}" for pair in trading_pairs
                    for kind in ("book", "trades")]
        return [{"op": op, "channels": channels}] if channels else []

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        channel = message.get("channel")
        if not isinstance(channel, str):
            # Acks ("subscribed"/"unsubscribed") carry no data; an "error" op is worth a log line.
            if message.get("op") == "error":
                logger.warning("%s public stream refused a frame: %s", self.connector.name, message.get("error"))
            return ()
        kind, _, symbol = channel.partition(".")
        pair = self.connector.trading_pair_of(symbol)
        if pair is None:
            return ()
        if kind == "book":
            return (parse_book(pair, message),)
        if kind == "trades":
            return [parse_trade(pair, trade) for trade in message["data"]]
        return ()
