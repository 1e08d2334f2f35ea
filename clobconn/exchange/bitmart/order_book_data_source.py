"""Bitmart public data on /api?protocol=1.1: ``spot/depth/increase100`` books and ``spot/trade``.

https://developer-pro.bitmart.com/en/spot/#public-depth-increase-channel: after a subscription the venue
sends the pair's 100-level book (``type`` "snapshot"), then changes (``type`` "update"); each message
carries ``version``, one above the last. A broken chain is mended by asking for a snapshot on the
stream (``op: request``). Data frames arrive raw-deflate compressed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import Compression, ConnectSpec
from clobconn.exchange.bitmart.constants import (
    DEPTH_CHANNEL,
    HEARTBEAT,
    MAX_TOPICS_PER_FRAME,
    MAX_TOPICS_PER_SOCKET,
    PUBLIC_WS_PATH,
    TRADE_CHANNEL,
)

logger = logging.getLogger(__name__)

BOOK_TYPES = {"snapshot": BookMessageType.SNAPSHOT, "update": BookMessageType.DIFF}


def parse_book(trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """One entry of a ``spot/depth/increase100`` push. An update's ``version`` is the last one plus 1
    (SEQUENCE): one that repeats the book's version (a no-change push) is stale and changes nothing."""
    return BookMessage(BOOK_TYPES[data["type"]], trading_pair, data["bids"], data["asks"], int(data["version"]),
                       timestamp=int(data["ms_t"]) / 1000)


def parse_trade(trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
    """One entry of a ``spot/trade`` push; ``side`` is the taker's. Trades carry no id: the time stands in."""
    millis = trade.get("ms_t") or int(trade["s_t"]) * 1000
    side = TradeType.BUY if trade["side"] == "buy" else TradeType.SELL
    return PublicTrade(trading_pair, str(millis), Decimal(trade["price"]), Decimal(trade["size"]), side,
                       int(millis) / 1000)


class BitmartOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.SEQUENCE
    resync_mode = ResyncMode.RESUBSCRIBE
    # Counted in topics: each pair takes two (depth and trades).
    max_subscriptions_per_socket = MAX_TOPICS_PER_SOCKET

    def subscriptions_per_pair(self, stream: str) -> int:
        return 2

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{PUBLIC_WS_PATH}", heartbeat=HEARTBEAT,
                           compression=Compression.RAW_DEFLATE)

    def subscription_frames(self, op: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        args = [f"{channel}:{self.connector.exchange_symbol(pair)}"
                for pair in trading_pairs for channel in (DEPTH_CHANNEL, TRADE_CHANNEL)]
        return [{"op": op, "args": args[i:i + MAX_TOPICS_PER_FRAME]} for i in range(0, len(args), MAX_TOPICS_PER_FRAME)]

    def resync_payloads(self, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        """A gap is mended as the docs' step 7 says: ``op: request`` on the live subscription answers with
        one snapshot, and trades keep flowing (no unsubscribe)."""
        topics = [f"{DEPTH_CHANNEL}:{self.connector.exchange_symbol(pair)}" for pair in trading_pairs]
        return [{"op": "request", "args": topics[i:i + MAX_TOPICS_PER_FRAME]}
                for i in range(0, len(topics), MAX_TOPICS_PER_FRAME)]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        if "errorCode" in message:
            # A refused subscription leaves a book without data: worth a line.
            logger.warning("%s public stream: %s %s", self.connector.name, message.get("errorCode"),
                           message.get("errorMessage"))
            return ()
        table = message.get("table")
        if table not in (DEPTH_CHANNEL, TRADE_CHANNEL):
            return ()
        parser = parse_book if table == DEPTH_CHANNEL else parse_trade
        messages: list[MarketMessage] = []
        for entry in message["data"]:
            pair = self.connector.trading_pair_of(str(entry.get("symbol")))
            if pair is not None:
                messages.append(parser(pair, entry))
        return messages
