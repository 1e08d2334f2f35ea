"""KuCoin spot private stream: ``/spotMarket/tradeOrdersV2`` and ``/account/balance``.

https://www.kucoin.com/docs-new/3470227 (private channels), /3470354 (orders V2), /3470228 (balance),
https://www.kucoin.com/docs-new/error-code/websocket (what an error frame's code means).
The socket comes from POST /api/v1/bullet-private (signed) before every connection.

Match events carry no fee, so a match does not become a fill here: it asks the connector to fetch
the order's fills from REST, where each trade has the fee KuCoin actually charged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import ConnectorView, UserMessage, UserStreamDataSource
from clobconn.core.data_types import Balance
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.kucoin.constants import BALANCE_TOPIC, BULLET_PRIVATE, ORDER_TOPIC
from clobconn.exchange.kucoin.order_book_data_source import await_welcome, bullet_connect_spec, topic_frame
from clobconn.exchange.kucoin.parsers import KucoinConnectorView, order_event

logger = logging.getLogger(__name__)

TRADING_ACCOUNTS = ("trade", "trade_hf")


class KucoinUserStreamDataSource(UserStreamDataSource):
    connector: KucoinConnectorView
    topics: tuple[str, ...] = (ORDER_TOPIC, BALANCE_TOPIC)
    # KuCoin acks each subscription; the stream counts as live once the order topic's ack is in.
    confirms_subscription = True

    def __init__(self, connector: ConnectorView) -> None:
        super().__init__(connector)
        self._order_ack_id: str | None = None

    async def connect_spec(self) -> ConnectSpec:
        return await bullet_connect_spec(self.connector, BULLET_PRIVATE)

    async def on_open(self, connection: WSConnection) -> None:
        await await_welcome(connection)
        frames = [topic_frame("subscribe", topic, private=True) for topic in self.topics]
        self._order_ack_id = frames[0]["id"]
        for frame in frames:
            await connection.send(frame)

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        kind = message.get("type")
        if kind == "ack":
            return (StreamAction.SUBSCRIBED,) if message.get("id") == self._order_ack_id else ()
        if kind == "error":
            # KuCoin answers a refused request on an open socket (a subscription to a topic it does
            # not know, a rate limit) with an error frame; the socket stays up and the frames behind
            # it still count. When KuCoin does end the session it closes the socket itself.
            logger.error("%s: private stream error %s: %s", self.connector.name, message.get("code"),
                         message.get("data"))
            return ()
        if kind != "message":
            return ()
        topic = str(message.get("topic", "")).partition(":")[0]
        return self.parse_data(topic, message["data"])

    def parse_data(self, topic: str, data: Mapping[str, Any]) -> list[UserMessage]:
        if topic == BALANCE_TOPIC:
            # Only the trading account backs spot orders: relationEvent names the account that
            # changed ("trade.hold", "main.deposit", ...), and the funding ("main") account is skipped.
            account = str(data.get("relationEvent") or "trade").partition(".")[0]
            if account not in TRADING_ACCOUNTS:
                return []
            return [Balance(data["currency"], Decimal(data["total"]), Decimal(data["available"]))]
        if topic != ORDER_TOPIC:
            return []
        pair = self.connector.trading_pair_of(data["symbol"])
        if pair is None:
            return []
        update = order_event(self.connector, pair, data, Decimal(data.get("filledSize") or 0),
                             Decimal(data.get("remainSize") or 0))
        if data["type"] == "match":
            self.connector.fetch_fills_soon(update)
        return [update]
