"""Gate.io spot public data: ``spot.order_book_update`` and ``spot.trades`` on one socket, REST snapshots.

https://www.gate.com/docs/developers/apiv4/ws/en/#changed-order-book-levels
The futures data source subclasses this one: the frames and sequencing are the same, the channel
prefix, subscription payloads and level shapes differ.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import SequenceRule
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.ws import ConnectSpec, Heartbeat
from clobconn.exchange.gate_io.constants import BOOK_DEPTH, BOOK_INTERVAL, HEARTBEAT, ORDER_BOOK, WS_PATH

logger = logging.getLogger(__name__)


def to_seconds(value: Any) -> float:
    """A venue time in seconds; Gate sends seconds or milliseconds (int, float or string) by field."""
    number = float(value)
    return number / 1000 if number > 1e11 else number


class GateIoOrderBookDataSource(OrderBookDataSource):
    # Each diff covers ids U..u; the first after a snapshot is the one with U <= id + 1 <= u.
    sequence_rule = SequenceRule.FIRST_LAST
    market: ClassVar[str] = "spot"
    symbol_param: ClassVar[str] = "currency_pair"
    snapshot_endpoint: ClassVar[Endpoint] = ORDER_BOOK
    heartbeat: ClassVar[Heartbeat] = HEARTBEAT

    def ws_url(self) -> str:
        return f"{self.connector.ws_url}{self.connector.domain_urls.extra[WS_PATH]}"

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=self.ws_url(), heartbeat=self.heartbeat)

    def book_payload(self, symbol: str, subscribe: bool) -> list[str]:
        return [symbol, BOOK_INTERVAL]

    def subscription_frames(self, event: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # A book subscription names one pair; the trades channel takes them all in one frame.
        now = int(self.connector.time_sync.time())
        symbols = [self.connector.exchange_symbol(pair) for pair in trading_pairs]
        frames: list[Any] = [{"time": now, "channel": f"{self.market}.order_book_update", "event": event,
                              "payload": self.book_payload(symbol, event == "subscribe")} for symbol in symbols]
        if symbols:
            frames.append({"time": now, "channel": f"{self.market}.trades", "event": event, "payload": symbols})
        return frames

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        if message.get("error"):
            logger.warning("%s public stream refused a request: %s", self.connector.name, message["error"])
            return ()
        if message.get("event") != "update":
            return ()  # subscribe acks
        channel, result = message.get("channel"), message.get("result")
        if channel == f"{self.market}.order_book_update" and isinstance(result, dict):
            pair = self.connector.trading_pair_of(result.get("s", ""))
            return () if pair is None else (self.parse_book(pair, result),)
        if channel == f"{self.market}.trades":
            return self.parse_trades(result)
        return self.parse_other(channel, result)

    def parse_other(self, channel: Any, result: Any) -> Iterable[MarketMessage]:
        """Channels only a subclass subscribes to."""
        return ()

    def levels(self, trading_pair: str, levels: Iterable[Any]) -> list[RawLevel]:
        """Spot levels are ``[price, amount]`` strings already."""
        return list(levels)

    def parse_book(self, trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
        """<market>.order_book_update: ids U..u; ``full: true`` marks a whole book pushed as a snapshot."""
        kind = BookMessageType.SNAPSHOT if data.get("full") else BookMessageType.DIFF
        return BookMessage(kind, trading_pair, self.levels(trading_pair, data["b"]),
                           self.levels(trading_pair, data["a"]), int(data["u"]), timestamp=to_seconds(data["t"]),
                           first_id=int(data["U"]) if "U" in data else None)

    def parse_trades(self, result: Any) -> list[MarketMessage]:
        """spot.trades: one taker trade per message; ``side`` is the taker's."""
        pair = self.connector.trading_pair_of(result.get("currency_pair", "")) if isinstance(result, dict) else None
        if pair is None:
            return []
        side = TradeType.BUY if result["side"] == "buy" else TradeType.SELL
        return [PublicTrade(pair, str(result["id"]), Decimal(result["price"]), Decimal(result["amount"]), side,
                            to_seconds(result["create_time_ms"]))]

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        """GET <market>/order_book?with_id=true: ``id`` is the book's update id."""
        endpoint = self.snapshot_endpoint
        data = await self.connector.rest.request(
            endpoint.method, endpoint.path, limit_id=endpoint.limit_id,
            params={self.symbol_param: self.connector.exchange_symbol(trading_pair), "limit": BOOK_DEPTH,
                    "with_id": "true"})
        stamp = data.get("current")
        return BookMessage(BookMessageType.SNAPSHOT, trading_pair, self.levels(trading_pair, data["bids"]),
                           self.levels(trading_pair, data["asks"]), int(data["id"]),
                           timestamp=to_seconds(stamp) if stamp else time.time())
