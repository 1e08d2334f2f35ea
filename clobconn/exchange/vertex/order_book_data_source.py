"""Vertex public data on the gateway's /subscribe socket: ``book_depth`` diffs chained by timestamps (each names
the previous one's ``max_timestamp`` in ``last_max_timestamp``) over a `market_liquidity` snapshot, and ``trade``.
https://docs.vertexprotocol.com/developer-resources/api/subscriptions (streams, events)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import SequenceRule
from clobconn.core.web.numbers import fmt
from clobconn.core.web.ws import ConnectSpec, Heartbeat
from clobconn.exchange.vertex.constants import QUERY, SUBSCRIBE_PATH
from clobconn.exchange.vertex.parsers import VertexView, levels, x18

SNAPSHOT_DEPTH = 100
# The gateway closes a socket that sends no ping frame for 30 s.
HEARTBEAT = Heartbeat(protocol_ping=20.0, idle_timeout=90.0)


def raw_levels(entries: Iterable[Iterable[Any]]) -> list[RawLevel]:
    return [[fmt(price), fmt(size)] for price, size in levels(entries)]


class VertexOrderBookDataSource(OrderBookDataSource):
    connector: VertexView
    sequence_rule = SequenceRule.PREV_CHAIN

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{SUBSCRIBE_PATH}", heartbeat=HEARTBEAT)

    def subscriptions_per_pair(self, stream: str) -> int:
        return 2

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        frames = []
        for pair in trading_pairs:
            product_id = self.connector.products[pair].product_id
            frames += [{"method": verb, "stream": {"type": kind, "product_id": product_id}, "id": product_id}
                       for kind in ("book_depth", "trade")]
        return frames

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        product_id = self.connector.products[trading_pair].product_id
        answer = await self.connector.rest.call(QUERY, {"type": "market_liquidity", "product_id": product_id,
                                                        "depth": SNAPSHOT_DEPTH})
        data = answer["data"]
        return BookMessage(BookMessageType.SNAPSHOT, trading_pair, raw_levels(data["bids"]), raw_levels(data["asks"]),
                           int(data["timestamp"]), timestamp=int(data["timestamp"]) / 1e9)

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, Mapping) or "product_id" not in message:
            return ()  # subscription answers ({"result": null, "id": n}) and errors carry no data
        product = self.connector.products_by_id.get(int(message["product_id"]))
        if product is None:
            return ()
        if message.get("type") == "book_depth":
            # The diff covers the changes after last_max_timestamp up to max_timestamp: it bridges a snapshot
            # taken anywhere in that span.
            return (BookMessage(BookMessageType.DIFF, product.trading_pair, raw_levels(message["bids"]),
                                raw_levels(message["asks"]), int(message["max_timestamp"]),
                                timestamp=int(message["max_timestamp"]) / 1e9,
                                first_id=int(message["last_max_timestamp"]),
                                prev_id=int(message["last_max_timestamp"])),)
        if message.get("type") == "trade":
            side = TradeType.BUY if message["is_taker_buyer"] else TradeType.SELL
            return (PublicTrade(product.trading_pair, f"{message['product_id']}:{message['timestamp']}",
                                x18(message["price"]), abs(x18(message["taker_qty"])), side,
                                int(message["timestamp"]) / 1e9),)
        return ()
