"""Bybit v5 public data: ``orderbook.50.<SYMBOL>`` and ``publicTrade.<SYMBOL>`` on /v5/public/spot.

https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook. A subscription starts with a
``snapshot``; then ``delta`` messages whose update id ``u`` rises by exactly one per topic (the
full-depth page spells the rule out: "the u value of each delta packet increments by one"; a gap
means missed deltas). A new snapshot resets the book: Bybit sends one after a problem on its side,
and ``u == 1`` marks a service restart whose message must overwrite the book. There is no REST
snapshot in this scheme: a gap is repaired by unsubscribing and subscribing again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.bybit.constants import HEARTBEAT

logger = logging.getLogger(__name__)

# Spot takes at most 10 topics per subscribe request.
ARGS_PER_FRAME = 10


def parse_book(trading_pair: str, message: Mapping[str, Any]) -> BookMessage:
    """orderbook.{depth}.{symbol}: "snapshot" or "delta"; u is the update id, size "0" deletes a level."""
    data = message["data"]
    update_id = int(data["u"])
    # u == 1 is a restarted service's first message: it replaces the book whatever its type.
    kind = BookMessageType.SNAPSHOT if message["type"] == "snapshot" or update_id == 1 else BookMessageType.DIFF
    return BookMessage(kind, trading_pair, data["b"], data["a"], update_id, timestamp=int(message["ts"]) / 1000)


def parse_trade(trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
    """One entry of publicTrade.{symbol} "data": S is the taker's side, i the trade id."""
    return PublicTrade(trading_pair, str(trade["i"]), Decimal(trade["p"]), Decimal(trade["v"]),
                       TradeType.BUY if trade["S"] == "Buy" else TradeType.SELL, int(trade["T"]) / 1000)


class BybitOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.SEQUENCE
    resync_mode = ResyncMode.RESUBSCRIBE
    ws_path: ClassVar[str] = "/v5/public/spot"
    # 50 levels are pushed every 20 ms on spot and linear alike (200 levels only every 100 ms).
    book_depth: ClassVar[int] = 50

    def topics(self, symbol: str) -> list[str]:
        return [f"orderbook.{self.book_depth}.{symbol}", f"publicTrade.{symbol}"]

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{self.ws_path}", heartbeat=HEARTBEAT)

    def subscription_frames(self, op: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        args = [topic for pair in trading_pairs for topic in self.topics(self.connector.exchange_symbol(pair))]
        return [{"op": op, "args": args[i:i + ARGS_PER_FRAME]} for i in range(0, len(args), ARGS_PER_FRAME)]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        topic = message.get("topic")
        if not isinstance(topic, str):
            if message.get("success") is False:
                logger.warning("%s public stream refused %s: %s", self.connector.name, message.get("op"),
                               message.get("ret_msg"))
            return ()
        kind, _, symbol = topic.rpartition(".")
        pair = self.connector.trading_pair_of(symbol)
        if pair is None:
            return ()
        return self.parse_topic(kind.partition(".")[0], pair, message)

    def parse_topic(self, kind: str, pair: str, message: Mapping[str, Any]) -> Iterable[MarketMessage]:
        if kind == "orderbook":
            return (parse_book(pair, message),)
        if kind == "publicTrade":
            return [parse_trade(pair, trade) for trade in message["data"]]
        return ()
