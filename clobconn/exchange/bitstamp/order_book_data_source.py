"""Bitstamp public data: ``diff_order_book_{pair}`` and ``live_trades_{pair}`` on wss://ws.bitstamp.net.

https://www.bitstamp.net/websocket/v2/. The diff channel sends every change to the full book and
carries no sequence number, only the venue's ``microtimestamp``, which is therefore the book's id
(``SequenceRule.TIMESTAMP``): diffs buffer while GET /api/v2/order_book/{pair}/ (which carries a
``microtimestamp`` too) is fetched, the ones at or before the snapshot's time are dropped, the later
ones replay in time order, and a diff whose time goes backwards, or a crossed book, resyncs. A lost
diff cannot be seen: the venue gives nothing to see it by. ``bts:request_reconnect`` asks the client
to reconnect (the server is about to close the socket): the core reconnects and resubscribes. A socket
takes at most 1024 channels (two a pair): the core's pool opens another socket past that.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec, StreamAction
from clobconn.exchange.bitstamp.constants import HEARTBEAT, MAX_CHANNELS_PER_SOCKET, ORDER_BOOK, WS_PATH
from clobconn.exchange.bitstamp.parsers import exact

logger = logging.getLogger(__name__)

DIFF_CHANNEL = "diff_order_book_"
TRADES_CHANNEL = "live_trades_"


def parse_book(kind: BookMessageType, trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """A diff_order_book ``data`` or the GET order_book answer: its microtimestamp orders it."""
    micros = int(data["microtimestamp"])
    return BookMessage(kind, trading_pair, data["bids"], data["asks"], micros, timestamp=micros / 1e6)


def parse_trade(trading_pair: str, data: Mapping[str, Any]) -> PublicTrade:
    """live_trades ``trade``: ``type`` 0 is a buy, 1 a sell (the taker's side)."""
    side = TradeType.BUY if int(data["type"]) == 0 else TradeType.SELL
    return PublicTrade(trading_pair, str(data["id"]), exact(data, "price"), exact(data, "amount"), side,
                       int(data["microtimestamp"]) / 1e6)


def subscription(verb: str, channel: str, auth: str | None = None) -> dict[str, Any]:
    """A bts:subscribe / bts:unsubscribe frame; private channels carry their token in ``auth``."""
    data: dict[str, Any] = {"channel": channel}
    if auth is not None:
        data["auth"] = auth
    return {"event": f"bts:{verb}", "data": data}


def control_action(connector_name: str, stream: str, message: Mapping[str, Any]) -> tuple[StreamAction, ...]:
    """The bts:* control events both streams share: a reconnect request, or an error worth a log line."""
    event = message.get("event")
    if event == "bts:request_reconnect":
        logger.info("%s %s stream: the venue asked for a reconnect", connector_name, stream)
        return (StreamAction.RECONNECT,)
    if event == "bts:error":
        logger.warning("%s %s stream refused a frame: %s", connector_name, stream, message.get("data"))
    return ()


class BitstampOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.TIMESTAMP
    resync_mode = ResyncMode.REST_SNAPSHOT
    max_subscriptions_per_socket = MAX_CHANNELS_PER_SOCKET

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{WS_PATH}", heartbeat=HEARTBEAT)

    def subscriptions_per_pair(self, stream: str) -> int:
        return 2

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One channel per frame: the venue's subscribe message names a single channel.
        return [subscription(verb, f"{prefix}{self.connector.exchange_symbol(pair)}")
                for pair in trading_pairs for prefix in (DIFF_CHANNEL, TRADES_CHANNEL)]

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        symbol = self.connector.exchange_symbol(trading_pair)
        answer = await self.connector.rest.call(ORDER_BOOK, path_values={"pair": symbol})
        return parse_book(BookMessageType.SNAPSHOT, trading_pair, answer)

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        channel, event = message.get("channel"), message.get("event")
        if event not in ("data", "trade") or not isinstance(channel, str):
            return control_action(self.connector.name, stream, message)
        for prefix in (DIFF_CHANNEL, TRADES_CHANNEL):
            if channel.startswith(prefix):
                pair = self.connector.trading_pair_of(channel[len(prefix):])
                break
        else:
            return ()
        if pair is None:
            return ()
        if event == "data" and prefix == DIFF_CHANNEL:
            return (parse_book(BookMessageType.DIFF, pair, message["data"]),)
        if event == "trade" and prefix == TRADES_CHANNEL:
            return (parse_trade(pair, message["data"]),)
        return ()
