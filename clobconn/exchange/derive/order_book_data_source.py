"""Derive public data over JSON-RPC on /v3/ws: ``orderbook.{instrument}.1.20`` and ``trades.{instrument}``.

https://v3.docs.derive.xyz/subscriptions.asyncapi.json. ``subscribe`` / ``unsubscribe`` take
``{"channels": [...]}``; pushes come as ``{"method": "subscription", "params": {"channel", "data"}}``.
Every book message is a full snapshot of its depth (no diffs), numbered by ``publish_id``: each
replaces the book, and the core never lets an older one replace a newer. A resync resubscribes.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.derive.constants import BOOK_DEPTH, BOOK_GROUP, WS_PATH
from clobconn.exchange.derive.parsers import parse_book, parse_public_trade

logger = logging.getLogger(__name__)


def subscription_push(message: Any) -> tuple[str, Any] | None:
    """(channel, data) of a subscription push; None for anything else (answers, errors)."""
    if not isinstance(message, Mapping) or message.get("method") != "subscription":
        return None
    params = message.get("params")
    if not isinstance(params, Mapping) or not isinstance(params.get("channel"), str):
        return None
    return params["channel"], params.get("data")


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
            if isinstance(message, Mapping) and isinstance(message.get("error"), Mapping):
                logger.warning("%s public stream refused a request: %s", self.connector.name, message["error"])
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
