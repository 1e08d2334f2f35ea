"""dYdX v4 indexer public data on its one socket: ``v4_orderbook`` and ``v4_trades``.

https://github.com/dydxprotocol/v4-chain/blob/main/indexer/services/comlink/public/websocket-documentation.md:
a subscription is answered ``subscribed`` with the book (levels as ``{"price", "size"}``), then
``channel_data`` diffs (levels as ``[price, size]``, size "0" removes one). No checksum. ``message_id``
numbers every frame of a connection, whatever its channel: the connection's numbering shows a lost frame
(``sequenced_connections``), and a resync resubscribes (the venue answers with a fresh book).

The indexer follows the chain a little behind and can show a crossed book for a moment; the core's book
treats a crossed top as out of sync (a BOOK_SYNC_LOST with reason "crossed", ``is_synced`` False) and
resubscribes, so that no strategy reads a crossed top as a price.
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
from clobconn.core.web.times import iso_seconds
from clobconn.core.web.ws import ConnectSpec
from clobconn.derivative.dydx_v4_perpetual.constants import BOOK_CHANNEL, HEARTBEAT, TRADES_CHANNEL

logger = logging.getLogger(__name__)
BOOK_TYPES = {"subscribed": BookMessageType.SNAPSHOT, "channel_data": BookMessageType.DIFF}


def book_levels(levels: Iterable[Any]) -> list[Sequence[Any]]:
    """A snapshot's ``{"price", "size"}`` levels or a diff's ``[price, size]`` pairs, as [price, size]."""
    return [[level["price"], level["size"]] if isinstance(level, Mapping) else level for level in levels]


def parse_book(trading_pair: str, message: Mapping[str, Any]) -> BookMessage:
    contents = message.get("contents") or {}
    return BookMessage(BOOK_TYPES[message["type"]], trading_pair, book_levels(contents.get("bids") or ()),
                       book_levels(contents.get("asks") or ()), int(message["message_id"]))


def parse_trade(trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
    """An entry of ``v4_trades`` contents.trades: ``side`` is the taker's."""
    side = TradeType.BUY if trade["side"] == "BUY" else TradeType.SELL
    return PublicTrade(trading_pair, str(trade["id"]), Decimal(trade["price"]), Decimal(trade["size"]), side,
                       iso_seconds(trade["createdAt"]))


class DydxV4PerpetualOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.CONNECTION
    resync_mode = ResyncMode.RESUBSCRIBE
    sequenced_connections = True
    # limits/rate-limits: V4_ORDERBOOK_CHANNEL_LIMIT and V4_TRADES_CHANNEL_LIMIT are 32 per connection.
    max_subscriptions_per_socket = 32

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=self.connector.ws_url, heartbeat=HEARTBEAT)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        return [{"type": verb, "channel": channel, "id": self.connector.exchange_symbol(pair)}
                for pair in trading_pairs for channel in (BOOK_CHANNEL, TRADES_CHANNEL)]

    def connection_sequence(self, stream: str, message: Any) -> int | None:
        number = message.get("message_id") if isinstance(message, dict) else None
        return number if isinstance(number, int) and not isinstance(number, bool) else None

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        if message.get("type") == "error":
            logger.warning("%s public stream refused a frame: %s", self.connector.name, message.get("message"))
            return ()
        pair = self.connector.trading_pair_of(str(message.get("id")))
        if pair is None or message.get("type") not in BOOK_TYPES:
            return ()
        if message.get("channel") == BOOK_CHANNEL:
            return [parse_book(pair, message)]
        if message.get("channel") == TRADES_CHANNEL and message["type"] == "channel_data":
            # The subscription's answer is the recent history, not news.
            return [parse_trade(pair, trade) for trade in (message.get("contents") or {}).get("trades") or ()]
        return ()
