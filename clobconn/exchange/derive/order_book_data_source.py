"""Derive public data over JSON-RPC on /v3/ws: ``orderbook.{instrument}.1.20`` and ``trades.{instrument}``
(https://v3.docs.derive.xyz/subscriptions.asyncapi.json). Every book message is a full snapshot of its
depth, numbered by ``publish_id``: each replaces the book, never by an older one; a resync resubscribes.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.json_rpc import rpc_error, subscription_push
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.derive.constants import BOOK_DEPTH, BOOK_GROUP, WS_PATH
from clobconn.exchange.derive.parsers import parse_book, parse_public_trade

logger = logging.getLogger(__name__)


class DeriveOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.NONE
    resync_mode = ResyncMode.RESUBSCRIBE
    book_depth = BOOK_DEPTH

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ids = itertools.count(1)

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{WS_PATH}")

    def channels(self, instrument: str) -> list[str]:
        """The public channels one instrument takes."""
        return [f"orderbook.{instrument}.{BOOK_GROUP}.{BOOK_DEPTH}", f"trades.{instrument}"]

    def subscriptions_per_pair(self, stream: str) -> int:
        return len(self.channels("-"))

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        if not trading_pairs:
            return []
        symbols = [self.connector.exchange_symbol(pair) for pair in trading_pairs]
        channels = [channel for symbol in symbols for channel in self.channels(symbol)]
        return [{"method": verb, "params": {"channels": channels}, "id": next(self._ids)}]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        push = subscription_push(message)
        if push is None:
            if (error := rpc_error(message)) is not None:
                logger.warning("%s public stream refused a request: %s %s", self.connector.name, *error)
            return ()
        channel, data = push
        # kind.instrument[.params]: instrument names hold no dots.
        kind, _, rest = channel.partition(".")
        pair = self.connector.trading_pair_of(rest.split(".")[0])
        if pair is None:
            return ()
        return self.parse_channel(kind, pair, data)

    def parse_channel(self, kind: str, trading_pair: str, data: Any) -> Iterable[MarketMessage]:
        if kind == "orderbook":
            return [parse_book(trading_pair, data)]
        if kind == "trades":
            return [parse_public_trade(trading_pair, row) for row in data]
        return ()
