"""Coinbase Advanced Trade public data: ``level2``, ``market_trades`` and ``heartbeats`` on the market socket.

https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/level2 (messages on channel
``l2_data``: one "snapshot" on subscribe, then "update"s whose ``new_quantity`` is the level's new size),
.../websocket/market-trades and .../websocket/heartbeats.

Sequencing: ``sequence_num`` numbers every message of a connection, whatever its channel or product, one
above the last. A book's own messages therefore skip numbers and cannot show a gap; the connection's
numbering is followed instead (``sequenced_connections``), and a number skipped resyncs every book on
that socket by resubscribing (the venue answers with a fresh snapshot). A book takes the numbers of its
own messages as ids (``SequenceRule.CONNECTION``).

Aliases: -USDC products (other than USDT-USDC and EURC-USDC) are served on this socket as the -USD product
they alias (``alias`` in the products listing). A BTC-USDC book is the BTC-USD feed: its subscription
names BTC-USD and every BTC-USD message is that pair's too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView, MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange.coinbase_advanced_trade.constants import HEARTBEAT
from clobconn.exchange.coinbase_advanced_trade.parsers import seconds

logger = logging.getLogger(__name__)

BOOK_TYPES = {"snapshot": BookMessageType.SNAPSHOT, "update": BookMessageType.DIFF}
CHANNELS = ("level2", "market_trades")


class AliasView(ConnectorView, Protocol):
    """What the public source needs of its connector besides the core's view: the product whose feed
    serves a pair, and the pairs a feed serves (an aliased -USDC pair and its -USD product share one)."""

    def feed_product(self, trading_pair: str) -> str: ...

    def pairs_fed_by(self, product_id: str) -> tuple[str, ...]: ...


def parse_levels(updates: Iterable[Mapping[str, Any]]) -> tuple[list[Sequence[Any]], list[Sequence[Any]]]:
    """A level2 event's ``updates``: each names its side ("bid" or "offer"), price and new size."""
    bids: list[Sequence[Any]] = []
    asks: list[Sequence[Any]] = []
    for update in updates:
        (bids if update["side"] == "bid" else asks).append([update["price_level"], update["new_quantity"]])
    return bids, asks


class CoinbaseOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.CONNECTION
    resync_mode = ResyncMode.RESUBSCRIBE
    sequenced_connections = True
    connector: AliasView

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=self.connector.ws_url, heartbeat=HEARTBEAT)

    async def on_open(self, stream: str, connection: WSConnection, trading_pairs: Sequence[str]) -> None:
        # Once per connection: heartbeats keep the socket's quiet channels open (they close after 60-90 s).
        await connection.send({"type": "subscribe", "channel": "heartbeats"})
        await super().on_open(stream, connection, trading_pairs)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One channel per message; product ids are the feeds, so an aliased pair names its -USD product.
        products = sorted({self.connector.feed_product(pair) for pair in trading_pairs})
        if not products:
            return []
        return [{"type": verb, "product_ids": products, "channel": channel} for channel in CHANNELS]

    def connection_sequence(self, stream: str, message: Any) -> int | None:
        number = message.get("sequence_num") if isinstance(message, dict) else None
        return number if isinstance(number, int) and not isinstance(number, bool) else None

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        channel = message.get("channel")
        if channel == "l2_data":
            return self._book(message)
        if channel == "market_trades":
            return self._trades(message)
        if message.get("type") == "error":
            logger.warning("%s public stream refused a frame: %s", self.connector.name, message.get("message"))
        # heartbeats and subscriptions carry nothing for a book; their numbers were counted already.
        return ()

    def _book(self, message: Mapping[str, Any]) -> list[MarketMessage]:
        """``l2_data``: each event is one product's snapshot or update; the frame's sequence_num is the id."""
        number, moment = int(message["sequence_num"]), seconds(message.get("timestamp"))
        items: list[MarketMessage] = []
        for event in message.get("events", ()):
            kind = BOOK_TYPES.get(event.get("type"))
            if kind is None:
                continue
            bids, asks = parse_levels(event.get("updates", ()))
            for pair in self.connector.pairs_fed_by(str(event.get("product_id"))):
                items.append(BookMessage(kind, pair, bids, asks, number, timestamp=moment))
        return items

    def _trades(self, message: Mapping[str, Any]) -> list[MarketMessage]:
        """``market_trades``: a "snapshot" of recent trades on subscribe (history, skipped), then "update"s.
        ``side`` is the maker's side, so a SELL maker means a buyer took."""
        items: list[MarketMessage] = []
        for event in message.get("events", ()):
            if event.get("type") != "update":
                continue
            for trade in event.get("trades", ()):
                side = TradeType.BUY if trade["side"] == "SELL" else TradeType.SELL
                for pair in self.connector.pairs_fed_by(str(trade.get("product_id"))):
                    items.append(PublicTrade(pair, str(trade["trade_id"]), Decimal(trade["price"]),
                                             Decimal(trade["size"]), side, seconds(trade.get("time"))))
        return items
