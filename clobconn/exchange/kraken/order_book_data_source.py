"""Kraken public data on WebSocket v2 (wss://ws.kraken.com/v2): the ``book`` channel (depth 10) and ``trade``.

https://docs.kraken.com/api/docs/websocket-v2/book, .../trade and the checksum guide
https://docs.kraken.com/api/docs/guides/spot-ws-book-v2. The venue sends the book snapshot on the
stream when we subscribe, and no sequence number: the CRC32 ``checksum`` of every snapshot and update
is the check, and a mismatch resubscribes the pair.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.checksums import digits_crc32
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import ChecksumFn, ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.kraken.constants import HEARTBEAT, WS_PATH
from clobconn.exchange.kraken.parsers import decode_frame, number, rfc3339

logger = logging.getLogger(__name__)

# The depth subscribed, and the depth the checksum covers (always the top 10).
BOOK_DEPTH = 10
CHECKSUM_DEPTH = 10
BOOK_TYPES = {"snapshot": BookMessageType.SNAPSHOT, "update": BookMessageType.DIFF}


def book_checksum(book: OrderBook) -> int:
    """The docs' CRC32 (unsigned): the top 10 asks (lowest first) then the top 10 bids (highest first),
    each level's price then qty as the venue sent them, digits only (the core's ``digits_crc32``)."""
    return digits_crc32((book.raw_levels(False, CHECKSUM_DEPTH), book.raw_levels(True, CHECKSUM_DEPTH)))


def _levels(levels: Iterable[Mapping[str, Any]]) -> list[RawLevel]:
    return [(level["price"], level["qty"]) for level in levels]


def parse_book(trading_pair: str, kind: str, data: Mapping[str, Any]) -> BookMessage:
    """One entry of a ``book`` push: ``{price, qty}`` levels (qty 0 removes), ``checksum`` on snapshots and
    updates alike, ``timestamp`` on updates. No id: every message has last_id 0 (SequenceRule.NONE)."""
    timestamp = data.get("timestamp")
    return BookMessage(BOOK_TYPES[kind], trading_pair, _levels(data.get("bids", ())), _levels(data.get("asks", ())),
                       0, timestamp=rfc3339(timestamp) if timestamp else 0.0, checksum=int(data["checksum"]))


def parse_trade(trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
    """One entry of a ``trade`` push; ``side`` is the taker's."""
    side = TradeType.BUY if trade["side"] == "buy" else TradeType.SELL
    return PublicTrade(trading_pair, str(trade["trade_id"]), number(trade["price"]), number(trade["qty"]), side,
                       rfc3339(trade["timestamp"]))


class KrakenOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.NONE
    resync_mode = ResyncMode.RESUBSCRIBE
    # The venue sends no removal for a level pushed below the 10th: the core cuts the book after each update.
    book_depth = BOOK_DEPTH

    def checksum(self) -> ChecksumFn:
        return book_checksum

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{WS_PATH}", heartbeat=HEARTBEAT, text_decoder=decode_frame)

    def subscriptions_per_pair(self, stream: str) -> int:
        return 2

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        if not trading_pairs:
            return []
        symbols = [self.connector.exchange_symbol(pair) for pair in trading_pairs]
        book: dict[str, Any] = {"channel": "book", "symbol": symbols, "depth": BOOK_DEPTH}
        trade: dict[str, Any] = {"channel": "trade", "symbol": symbols}
        if verb == self.subscribe_verb:
            trade["snapshot"] = False
        return [{"method": verb, "params": book}, {"method": verb, "params": trade}]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        if message.get("success") is False:
            logger.warning("%s public stream refused %s: %s", self.connector.name, message.get("method"),
                           message.get("error"))
            return ()
        channel = message.get("channel")
        if channel not in ("book", "trade"):
            # Acks, pongs, heartbeats and the status greeting carry no market data.
            return ()
        messages: list[MarketMessage] = []
        for data in message["data"]:
            pair = self.connector.trading_pair_of(str(data.get("symbol")))
            if pair is not None:
                book = channel == "book"
                messages.append(parse_book(pair, message["type"], data) if book else parse_trade(pair, data))
        return messages
