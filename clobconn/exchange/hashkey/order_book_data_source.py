"""HashKey Global public data: ``depth`` and ``trade`` topics on /quote/ws/v1.

https://hashkeyglobal-apidoc.readme.io/reference/websocket-api. Every depth frame is a full snapshot
of the book's top levels (no diffs, no sequence), so each replaces the book; a resync resubscribes.
The frame's time ``t`` is its id: the core never lets an older snapshot replace a newer one.
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
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.hashkey.constants import HEARTBEAT, PUBLIC_WS_PATH

logger = logging.getLogger(__name__)

TOPICS = ("depth", "trade")


class HashkeyOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.NONE
    resync_mode = ResyncMode.RESUBSCRIBE
    subscribe_verb = "sub"
    unsubscribe_verb = "cancel"

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{PUBLIC_WS_PATH}", heartbeat=HEARTBEAT)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One topic per frame; "symbol" takes a comma-separated list of symbols.
        if not trading_pairs:
            return []
        symbols = ",".join(self.connector.exchange_symbol(pair) for pair in trading_pairs)
        return [{"symbol": symbols, "topic": topic, "event": verb, "params": {"binary": False}} for topic in TOPICS]

    def levels(self, trading_pair: str, levels: Any) -> Any:
        """A depth side's ``[price, size]`` levels as the book takes them: spot sizes are base amounts."""
        return levels

    def amount(self, trading_pair: str, quantity: Any) -> Decimal:
        """A trade's size as a base amount."""
        return Decimal(quantity)

    def parse_depth(self, trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
        """One entry of a depth frame's ``data``: ``b``/``a`` levels, ``t`` the snapshot's time (ms)."""
        return BookMessage(BookMessageType.SNAPSHOT, trading_pair, self.levels(trading_pair, data["b"]),
                           self.levels(trading_pair, data["a"]), int(data["t"]), timestamp=int(data["t"]) / 1000)

    def parse_trade(self, trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
        """One entry of a trade frame's ``data``; ``m`` true means the buyer was the maker, so the taker sold."""
        side = TradeType.SELL if trade.get("m") else TradeType.BUY
        return PublicTrade(trading_pair, str(trade["v"]), Decimal(trade["p"]), self.amount(trading_pair, trade["q"]),
                           side, int(trade["t"]) / 1000)

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict) or not isinstance(message.get("data"), list):
            # Subscription answers carry no data; a refused one has a code and a message.
            if isinstance(message, dict) and message.get("code") not in (None, "0", 0):
                logger.warning("%s public stream refused a frame: %s", self.connector.name, message.get("msg"))
            return ()
        pair = self.connector.trading_pair_of(str(message.get("symbol")))
        if pair is None:
            return ()
        topic = message.get("topic")
        if topic == "depth":
            return [self.parse_depth(pair, entry) for entry in message["data"]]
        if topic == "trade":
            return [self.parse_trade(pair, trade) for trade in message["data"]]
        return ()
