"""BTC Markets public data on wss://socket.btcmarkets.net/v2: ``orderbookUpdate``, ``trade``, ``heartbeat``.

The first ``orderbookUpdate`` of a market after it is subscribed is the whole book (``snapshot: true``);
each later one changes levels absolutely (volume "0" deletes) and carries a CRC32 ``checksum`` of the
book after it. ``snapshotId`` is the venue's time in microseconds, not a sequence: it never falls but
skips values, so the ids cannot show a missed update; the checksum does. A mismatch resubscribes the
market, whose fresh snapshot rebuilds it (docs/connectors/btc_markets.md#order-book).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.checksums import digits_crc32
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import ChecksumFn, ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange.btc_markets.constants import HEARTBEAT, WS_PATH
from clobconn.exchange.btc_markets.parsers import seconds

logger = logging.getLogger(__name__)

CHECKSUM_DEPTH = 10
MARKET_CHANNELS = ("orderbookUpdate", "trade")


def book_checksum(book: OrderBook) -> int:
    """The best 10 bids (best first), then the best 10 asks, as the digits of price and volume."""
    return digits_crc32((book.raw_levels(True, CHECKSUM_DEPTH), book.raw_levels(False, CHECKSUM_DEPTH)))


def parse_book(trading_pair: str, message: Mapping[str, Any]) -> BookMessage:
    """``orderbookUpdate``: levels ``[price, volume, count]``; the snapshot has no checksum, a delta
    has it as a decimal string."""
    kind = BookMessageType.SNAPSHOT if message.get("snapshot") else BookMessageType.DIFF
    checksum = message.get("checksum")
    return BookMessage(kind, trading_pair, message["bids"], message["asks"], int(message["snapshotId"]),
                       timestamp=seconds(message["timestamp"]),
                       checksum=int(checksum) if checksum is not None else None)


def parse_trade(trading_pair: str, message: Mapping[str, Any]) -> PublicTrade:
    """``trade``: one trade; ``side`` is the taker's ("Bid" bought)."""
    side = TradeType.BUY if message["side"] == "Bid" else TradeType.SELL
    return PublicTrade(trading_pair, str(message["tradeId"]), Decimal(message["price"]), Decimal(message["volume"]),
                       side, seconds(message["timestamp"]))


class BtcMarketsOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.MONOTONIC
    resync_mode = ResyncMode.RESUBSCRIBE
    # A "subscribe" frame replaces every subscription of the socket: it opens the socket (on_open), and
    # markets are added and removed afterwards one frame at a time.
    subscribe_verb = "addSubscription"
    unsubscribe_verb = "removeSubscription"

    def checksum(self) -> ChecksumFn:
        return book_checksum

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{WS_PATH}", heartbeat=HEARTBEAT)

    def _frame(self, message_type: str, trading_pairs: Sequence[str], channels: Sequence[str]) -> dict[str, Any]:
        return {"marketIds": [self.connector.exchange_symbol(pair) for pair in trading_pairs],
                "channels": list(channels), "messageType": message_type}

    async def on_open(self, stream: str, connection: WSConnection, trading_pairs: Sequence[str]) -> None:
        # The heartbeat channel keeps a quiet socket from being closed for silence; an empty list of
        # markets would be refused, so a socket with none takes the heartbeat alone.
        channels = (*MARKET_CHANNELS, "heartbeat") if trading_pairs else ("heartbeat",)
        await connection.send(self._frame("subscribe", trading_pairs, channels))

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        if not trading_pairs:
            return []
        return [self._frame(verb, trading_pairs, MARKET_CHANNELS) | {"clientType": "api"}]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        kind = message.get("messageType")
        if kind == "error":
            # An unknown market id refuses the whole frame (code 3): worth a line, never fatal.
            logger.warning("%s public stream refused a frame: %s %s", self.connector.name, message.get("code"),
                           message.get("message"))
            return ()
        if kind not in MARKET_CHANNELS:
            return ()
        pair = self.connector.trading_pair_of(str(message.get("marketId")))
        if pair is None:
            return ()
        return (parse_book(pair, message) if kind == "orderbookUpdate" else parse_trade(pair, message),)
