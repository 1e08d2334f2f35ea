"""Bitget public data on /v2/ws/public: ``books``, ``trade`` and ``ticker`` (funding info).

https://www.bitget.com/api-doc/contract/websocket/public/Order-Book-Channel: ``books`` sends a
``snapshot`` when subscribed, then ``update`` diffs with ``seq`` (it "increases", not promised by one)
and the CRC32 of the top 25 levels a side after it (the snapshot's is 0: none). Resync: resubscribe."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol, cast

from clobconn.core.channel_frames import ChannelPush
from clobconn.core.channel_streams import ChannelMarketSource
from clobconn.core.data_source import ConnectorView, MarketMessage
from clobconn.core.data_types import FundingInfo, TradeType
from clobconn.core.order_book.checksums import interleaved_checksum
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ChecksumFn, ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.derivative.bitget_perpetual.constants import HEARTBEAT, PUBLIC_WS_PATH

CHECKSUM_DEPTH = 25
BOOK_ACTIONS = {"snapshot": BookMessageType.SNAPSHOT, "update": BookMessageType.DIFF}
CHANNELS = ("books", "trade", "ticker")


class BitgetConnectorView(ConnectorView, Protocol):
    """What Bitget's sources read besides the common view: the product type every frame names."""

    @property
    def product_type(self) -> str: ...


def parse_book(trading_pair: str, action: str, data: Mapping[str, Any]) -> BookMessage:
    """One entry of a ``books`` push: levels [price, size], ``seq``, ``checksum`` (0: none to check)."""
    checksum = int(data.get("checksum") or 0)
    return BookMessage(BOOK_ACTIONS[action], trading_pair, data["bids"], data["asks"], int(data["seq"]),
                       timestamp=int(data["ts"]) / 1000, checksum=checksum or None)


def parse_trade(trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
    """One entry of a ``trade`` push; ``side`` is the taker's."""
    side = TradeType.BUY if trade["side"] == "buy" else TradeType.SELL
    return PublicTrade(trading_pair, str(trade["tradeId"]), Decimal(trade["price"]), Decimal(trade["size"]), side,
                       int(trade["ts"]) / 1000)


def parse_funding(trading_pair: str, ticker: Mapping[str, Any], next_funding_ms: Any) -> FundingInfo:
    """Index, mark and rate from a ticker (the ``ticker`` channel or GET /api/v2/mix/market/ticker); the
    REST ticker carries no funding time, which current-fund-rate's ``nextUpdate`` gives instead."""
    return FundingInfo(trading_pair, Decimal(ticker["indexPrice"]), Decimal(ticker["markPrice"]),
                       int(next_funding_ms) / 1000, Decimal(ticker["fundingRate"]))


class BitgetPerpetualOrderBookDataSource(ChannelMarketSource):
    sequence_rule = SequenceRule.TIMESTAMP
    resync_mode = ResyncMode.RESUBSCRIBE

    @property
    def _product_type(self) -> str:
        return cast(BitgetConnectorView, self.connector).product_type

    def checksum(self) -> ChecksumFn:
        return interleaved_checksum(CHECKSUM_DEPTH)

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{PUBLIC_WS_PATH}", heartbeat=HEARTBEAT)

    def subscriptions_per_pair(self, stream: str) -> int:
        return len(CHANNELS)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        args = [{"instType": self._product_type, "channel": channel, "instId": self.connector.exchange_symbol(pair)}
                for pair in trading_pairs for channel in CHANNELS]
        return [{"op": verb, "args": args}] if args else []

    def parse_push(self, trading_pair: str, push: ChannelPush) -> Iterable[MarketMessage]:
        if push.channel == "books":
            return [parse_book(trading_pair, str(push.action), entry) for entry in push.data]
        if push.channel == "trade":
            return [parse_trade(trading_pair, trade) for trade in push.data]
        if push.channel == "ticker":
            return [parse_funding(trading_pair, ticker, ticker["nextFundingTime"]) for ticker in push.data]
        return ()
