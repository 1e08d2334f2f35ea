"""Bybit v5 private stream: /v5/private, ``op: auth``, then the categorised order and execution
topics and the account-wide wallet topic.

https://bybit-exchange.github.io/docs/v5/websocket/private/order (and execution, wallet). The
objects' parsers are in parsers.py, shared with the REST answers. One Bybit account trades spot and
linear under the same symbol names (BTCUSDT), so every object is checked for the connector's
category.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView, UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.bybit.auth import BybitAuth
from clobconn.exchange.bybit.constants import API_KEY_INFO, HEARTBEAT, PRIVATE_WS_PATH
from clobconn.exchange.bybit.parsers import parse_coin, parse_fill_event, parse_order

logger = logging.getLogger(__name__)
_ZERO = Decimal(0)


class BybitConnectorView(ConnectorView, Protocol):
    """What the Bybit user stream reads of its connector besides the common view."""

    category: str

    def fee_asset(self, trading_pair: str) -> str: ...


class BybitUserStreamDataSource(UserStreamDataSource):
    confirms_subscription = True
    connector: BybitConnectorView

    def topics(self) -> list[str]:
        category = self.connector.category
        return [f"order.{category}", f"execution.{category}", "wallet"]

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{PRIVATE_WS_PATH}", heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, BybitAuth):
            raise MissingCredentials("the Bybit private stream needs api_key and api_secret")
        await connection.send(auth.ws_login_payload())
        answer = await connection.receive()
        if not (isinstance(answer, dict) and answer.get("op") == "auth" and answer.get("success")):
            await self._explain_refused_auth(answer)
        await connection.send({"op": "subscribe", "args": self.topics()})

    async def _explain_refused_auth(self, answer: Any) -> None:
        """A refused ``auth`` answer carries no code, only a message. A signed REST call with the same
        key (GET /v5/user/query-api) says why, by a retCode the error table classifies: it raises
        AuthenticationError where the key itself is refused (the stream stops). Where the key is accepted
        the refusal was passing, and the stream reconnects."""
        message = answer.get("ret_msg") if isinstance(answer, dict) else repr(answer)
        await self.connector.rest.call(API_KEY_INFO)
        raise ConnectionError(f"{self.connector.name}: private auth refused ({message}) though REST accepts the key")

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        op = message.get("op")
        if op == "subscribe":
            if message.get("success"):
                return (StreamAction.SUBSCRIBED,)
            logger.error("%s: private subscribe refused: %s", self.connector.name, message.get("ret_msg"))
            return (StreamAction.RECONNECT,)
        topic = str(message.get("topic", "")).partition(".")[0]
        data = message.get("data")
        if not isinstance(data, list):
            return ()
        if topic == "wallet":
            return [parse_coin(coin) for account in data for coin in account.get("coin", ())]
        items: list[UserMessage] = []
        for row in data:
            if row.get("category", self.connector.category) != self.connector.category:
                continue
            pair = self.connector.trading_pair_of(row.get("symbol", ""))
            if pair is None:
                continue
            items += self.parse_row(topic, pair, row)
        return items

    def parse_row(self, topic: str, pair: str, row: Mapping[str, Any]) -> list[UserMessage]:
        if topic == "order":
            return [parse_order(pair, row)]
        if topic == "execution" and row.get("execType", "Trade") == "Trade":
            return parse_fill_event(pair, row, self.connector.fee_asset(pair))
        return []
