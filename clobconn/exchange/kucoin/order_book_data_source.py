"""KuCoin spot public data: ``/market/level2`` diffs and ``/market/match`` trades on one socket.

https://www.kucoin.com/docs-new/3470221 (WebSocket basics), /3470222 (level2 increments),
/3470232 (match). The socket's URL, token and ping interval come from POST /api/v1/bullet-public
before every connection; the helpers here are shared with the private stream and the futures
connector, which differ only in host and topics.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlencode

from clobconn.core.data_source import ConnectorView, MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import SequenceRule
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.ws import ConnectSpec, Heartbeat, WSConnection
from clobconn.exchange.kucoin.constants import (
    BOOK_TOPIC,
    BULLET_PUBLIC,
    FULL_BOOK,
    PARTIAL_BOOK,
    TOPIC_SYMBOLS,
    TRADE_TOPIC,
)

_frame_ids = itertools.count(1)


def _is_pong(message: Any) -> bool:
    return isinstance(message, dict) and message.get("type") == "pong"


async def bullet_connect_spec(connector: ConnectorView, bullet: Endpoint) -> ConnectSpec:
    """Ask the bullet endpoint for a fresh token and server; ping at the interval it names.

    A token is good for one connection only, so this runs before every (re)connect.
    """
    answer = await connector.rest.call(bullet)
    data = answer["data"]
    server = data["instanceServers"][0]
    ping_interval = server["pingInterval"] / 1000
    # The server drops a client silent for pingInterval + pingTimeout; reconnect before hanging on.
    heartbeat = Heartbeat(app_ping=ping_interval, app_ping_payload={"id": "ping", "type": "ping"},
                          is_pong=_is_pong, idle_timeout=ping_interval + server["pingTimeout"] / 1000)
    query = urlencode({"token": data["token"], "connectId": uuid.uuid4().hex})
    return ConnectSpec(url=f"{server['endpoint']}?{query}", heartbeat=heartbeat)


async def await_welcome(connection: WSConnection) -> None:
    """KuCoin greets every socket with a ``welcome`` frame; subscriptions go out only after it."""
    greeting = await connection.receive()
    if not (isinstance(greeting, dict) and greeting.get("type") == "welcome"):
        raise ConnectionError(f"KuCoin socket opened without a welcome: {greeting!r}")


def topic_frame(action: str, topic: str, private: bool = False) -> dict[str, Any]:
    """A subscribe/unsubscribe frame; ``response`` asks for an ack carrying the same id."""
    return {"id": str(next(_frame_ids)), "type": action, "topic": topic, "privateChannel": private,
            "response": True}


def parse_trade(trading_pair: str, data: Mapping[str, Any], size: Decimal | None = None) -> PublicTrade:
    """/market/match (spot) and /contractMarket/execution (futures) data; ``side`` is the taker's."""
    side = TradeType.BUY if data["side"] == "buy" else TradeType.SELL
    stamp = data["time"] if "time" in data else data["ts"]
    return PublicTrade(trading_pair, str(data["tradeId"]), Decimal(data["price"]),
                       size if size is not None else Decimal(data["size"]), side, int(stamp) / 1e9)


def parse_snapshot(trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """GET /api/v3/market/orderbook/level2 and level2_100: levels as [price, size] with ``sequence``."""
    return BookMessage(BookMessageType.SNAPSHOT, trading_pair, data["bids"], data["asks"], int(data["sequence"]),
                       timestamp=data["time"] / 1000)


def parse_diff(trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """/market/level2: changes [price, size, sequence] covering sequenceStart..sequenceEnd.

    Sizes are absolute and the changes come in sequence order, so applying a diff that straddles
    the snapshot's sequence in full yields the venue's book.
    """
    changes = data["changes"]
    return BookMessage(BookMessageType.DIFF, trading_pair, changes["bids"], changes["asks"],
                       int(data["sequenceEnd"]), timestamp=data["time"] / 1000,
                       first_id=int(data["sequenceStart"]))


class KucoinOrderBookDataSource(OrderBookDataSource):
    """Spot public data; the futures source reuses the socket handling and changes the topics."""

    sequence_rule = SequenceRule.FIRST_LAST
    bullet: ClassVar[Endpoint] = BULLET_PUBLIC

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return await bullet_connect_spec(self.connector, self.bullet)

    def subscription_frames(self, action: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        symbols = [self.connector.exchange_symbol(pair) for pair in trading_pairs]
        frames = []
        for start in range(0, len(symbols), TOPIC_SYMBOLS):
            joined = ",".join(symbols[start:start + TOPIC_SYMBOLS])
            frames += [topic_frame(action, f"{BOOK_TOPIC}:{joined}"), topic_frame(action, f"{TRADE_TOPIC}:{joined}")]
        return frames

    async def on_open(self, stream: str, connection: WSConnection, trading_pairs: Sequence[str]) -> None:
        await await_welcome(connection)
        await super().on_open(stream, connection, trading_pairs)

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        # The full book needs a signed request; without credentials the public top 100 levels carry
        # the same sequence, and the diffs keep them right (deeper levels appear as they change).
        endpoint = FULL_BOOK if self.connector.has_credentials else PARTIAL_BOOK
        answer = await self.connector.rest.call(endpoint, {"symbol": self.connector.exchange_symbol(trading_pair)})
        return parse_snapshot(trading_pair, answer["data"])

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        # welcome, ack and pong frames carry no topic data.
        if not isinstance(message, dict) or message.get("type") != "message":
            return ()
        topic, _, _ = str(message.get("topic", "")).partition(":")
        data = message["data"]
        pair = self.connector.trading_pair_of(data["symbol"])
        if pair is None:
            return ()
        if topic == BOOK_TOPIC:
            return (parse_diff(pair, data),)
        if topic == TRADE_TOPIC:
            return (parse_trade(pair, data),)
        return ()
