"""Dexalot public data: ``orderBooks`` and ``lastTrade`` for each pair subscribed on /api/ws.

https://docs.dexalot.com/en/apiv2/Websocket.html. Every orderBooks frame is the whole book (no diffs, no
sequence): each replaces the book, and a resync resubscribes. Its levels are comma-joined strings of prices and
quantities in the tokens' EVM units (a price in the quote's decimals, a quantity in the base's).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.dexalot.constants import HEARTBEAT, WS_PATH
from clobconn.exchange.dexalot.parsers import DexalotView, Market, iso_time

logger = logging.getLogger(__name__)


def book_side(market: Market, entries: Sequence[Mapping[str, Any]]) -> list[Sequence[Any]]:
    """A buyBook/sellBook: its first entry's ``prices`` and ``quantities``, in EVM units, as [price, size] levels."""
    if not entries:
        return []
    prices, quantities = str(entries[0].get("prices") or ""), str(entries[0].get("quantities") or "")
    if not prices:
        return []
    pairs = zip(prices.split(","), quantities.split(","), strict=True)
    return [[str(market.price(price)), str(market.amount(quantity))] for price, quantity in pairs]


def parse_book(market: Market, data: Mapping[str, Any]) -> BookMessage:
    """orderBooks ``data``: the whole book. It carries no id and no time: the newest frame is the book."""
    return BookMessage(BookMessageType.SNAPSHOT, market.trading_pair, book_side(market, data["buyBook"]),
                       book_side(market, data["sellBook"]), 0)


def parse_trade(market: Market, trade: Mapping[str, Any]) -> PublicTrade:
    """A lastTrade entry: display units; ``takerSide`` 0 is a buy (written ``takerside`` in the docs' type)."""
    taker_side = trade.get("takerSide", trade.get("takerside"))
    return PublicTrade(market.trading_pair, str(trade["execId"]), Decimal(trade["price"]), Decimal(trade["quantity"]),
                       TradeType.SELL if taker_side in (1, "1", "SELL") else TradeType.BUY, iso_time(trade["ts"]))


class DexalotOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.NONE
    resync_mode = ResyncMode.RESUBSCRIBE

    @property
    def view(self) -> DexalotView:
        return cast(DexalotView, self.connector)

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{WS_PATH}", heartbeat=HEARTBEAT)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # "decimal" is the book's price aggregation: the pair's own tick, so levels stay the venue's prices.
        markets = [self.view.markets[pair] for pair in trading_pairs]
        return [{"data": m.symbol, "pair": m.symbol, "type": verb, "decimal": m.price_display_decimals}
                for m in markets]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        market = self.view.markets.get(self.connector.trading_pair_of(str(message.get("pair"))) or "")
        if market is None:
            return ()
        kind = message.get("type")
        if kind == "orderBooks":
            return (parse_book(market, message["data"]),)
        if kind == "lastTrade":
            return [parse_trade(market, trade) for trade in message["data"]]
        return ()
