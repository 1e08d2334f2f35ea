"""Tegro public data: the event socket ``/ws``, one channel per market, and GET orderbook/depth.

https://tegro.readme.io/reference/websocket-connection documents the socket and its ``subscribe``
frame by ``channelId``; the market channel's id (``{chain_id}/{base token address}``) and its
``order_book_diff`` / ``trade_updated`` events are Hummingbot's (b7b54198b3^), as is the depth path.
A diff carries no sequence, only the venue's time in seconds, which several diffs may share: the book
follows ``SequenceRule.MONOTONIC`` (an older diff is stale, one at or after the book's time applies;
levels are absolute, so a diff applied twice changes nothing). A lost diff cannot be seen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView, MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.numbers import json_decimal
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.tegro.constants import DEPTH, HEARTBEAT, WS_PATH
from clobconn.exchange.tegro.parsers import TegroMarket, seconds

logger = logging.getLogger(__name__)

DIFF_EVENTS = ("order_book_diff", "order_book_updated")
TRADE_EVENT = "trade_updated"


class TegroConnectorView(ConnectorView, Protocol):
    """What Tegro's sources read besides the core's view: the chain and each market's tokens."""
    @property
    def chain_id(self) -> int: ...

    def market(self, trading_pair: str) -> TegroMarket: ...

    def client_id_of(self, order_hash: str) -> str | None: ...


def _levels(side: Any) -> list[RawLevel]:
    # Levels come as {"price", "quantity"} objects; a side may be null when empty.
    return [[level["price"], level["quantity"]] for level in side or ()]


def parse_book(kind: BookMessageType, trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """GET orderbook/depth or an ``order_book_diff`` ``data``: absolute sizes, the venue's time as id."""
    stamp = int(data["timestamp"])
    return BookMessage(kind, trading_pair, _levels(data.get("bids")), _levels(data.get("asks")), stamp,
                       timestamp=seconds(stamp))


def parse_trade(trading_pair: str, data: Mapping[str, Any]) -> PublicTrade:
    """``trade_updated`` ``data``: a buyer who rested (``is_buyer_maker``) means the taker sold."""
    side = TradeType.SELL if data["is_buyer_maker"] else TradeType.BUY
    return PublicTrade(trading_pair, str(data["id"]), json_decimal(data["price"]), json_decimal(data["amount"]),
                       side, seconds(data["timestamp"]))


class TegroOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.MONOTONIC
    resync_mode = ResyncMode.REST_SNAPSHOT
    connector: TegroConnectorView

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{WS_PATH}", heartbeat=HEARTBEAT)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One channel per market, named by the chain and the base token's address.
        return [{"action": verb, "channelId": f"{self.connector.chain_id}/{self.connector.market(pair).base_token}"}
                for pair in trading_pairs]

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        params = {"chain_id": self.connector.chain_id, "market_id": self.connector.market(trading_pair).market_id}
        answer = await self.connector.rest.call(DEPTH, params=params)
        return parse_book(BookMessageType.SNAPSHOT, trading_pair, answer)

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict) or not isinstance(message.get("data"), dict):
            return ()
        action, data = message.get("action"), message["data"]
        if action not in (*DIFF_EVENTS, TRADE_EVENT):
            return ()
        pair = self.connector.trading_pair_of(str(data.get("symbol")))
        if pair is None:
            return ()
        if action == TRADE_EVENT:
            return (parse_trade(pair, data),)
        return (parse_book(BookMessageType.DIFF, pair, data),)
