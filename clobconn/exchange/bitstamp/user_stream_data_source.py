"""Bitstamp private channels: ``private-my_orders_{pair}-{user_id}`` and ``private-my_trades_{pair}-{user_id}``.

https://www.bitstamp.net/websocket/v2/ (private channels) and
https://www.bitstamp.net/api/#tag/Websockets-token: a signed POST /api/v2/websockets_token/ answers
``token``, ``valid_sec`` and ``user_id``; each private subscription carries the token in ``auth`` and
the user id in the channel name. The core's ExpiringToken holds it: fetched when a connection needs it,
reused while it has time left, renewed before its stated validity ends, and dropped when the venue
refuses a subscription (the stream then reconnects with a fresh one). A refused token request is a
refused login: the error table makes a credential refusal stop the stream. There is no balance
channel: balances come from the core's poll.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView, UserMessage, UserStreamDataSource
from clobconn.core.web.expiring_token import ExpiringToken, IssuedToken
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.bitstamp.constants import HEARTBEAT, WEBSOCKETS_TOKEN, WS_PATH
from clobconn.exchange.bitstamp.order_book_data_source import control_action, subscription
from clobconn.exchange.bitstamp.parsers import parse_order_event, parse_trade_event

logger = logging.getLogger(__name__)

ORDERS_CHANNEL = "private-my_orders_"
TRADES_CHANNEL = "private-my_trades_"
ORDER_EVENTS = ("order_created", "order_changed", "order_deleted")


class BitstampConnectorView(ConnectorView, Protocol):
    """What Bitstamp's user stream asks of its connector besides the common view."""

    @property
    def private_pairs(self) -> list[str]:
        """The pairs whose private channels to subscribe (every pair is a channel of its own)."""


class BitstampUserStreamDataSource(UserStreamDataSource):
    connector: BitstampConnectorView
    # The stream is live once the venue has acknowledged every private channel.
    confirms_subscription = True

    def __init__(self, connector: ConnectorView) -> None:
        super().__init__(connector)
        self.token = ExpiringToken(self._fetch_token)
        self._awaiting: set[str] = set()

    async def _fetch_token(self) -> IssuedToken:
        answer = await self.connector.rest.call(WEBSOCKETS_TOKEN)
        return IssuedToken(str(answer["token"]), float(answer["valid_sec"]), {"user_id": str(answer["user_id"])})

    async def connect_spec(self) -> ConnectSpec:
        # Fetched before connecting, so that a refused token stops the stream before any socket opens.
        await self.token.get()
        return ConnectSpec(url=f"{self.connector.private_ws_url}{WS_PATH}", heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        token = await self.token.get()
        user_id = token.extras["user_id"]
        channels = [f"{prefix}{self.connector.exchange_symbol(pair)}-{user_id}"
                    for pair in self.connector.private_pairs for prefix in (ORDERS_CHANNEL, TRADES_CHANNEL)]
        self._awaiting = set(channels)
        for channel in channels:
            await connection.send(subscription("subscribe", channel, auth=token.value))

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        event, channel = message.get("event"), message.get("channel")
        if event == "bts:subscription_succeeded" and channel in self._awaiting:
            self._awaiting.discard(channel)
            return () if self._awaiting else (StreamAction.SUBSCRIBED,)
        if event == "bts:error":
            # A refused private subscription: most likely the token lapsed or was revoked. Forget it and
            # reconnect, so the next connection subscribes with a fresh one.
            self.token.drop()
            control_action(self.connector.name, "user", message)
            return (StreamAction.RECONNECT,)
        if not isinstance(channel, str) or not isinstance(message.get("data"), Mapping):
            return control_action(self.connector.name, "user", message)
        for prefix in (ORDERS_CHANNEL, TRADES_CHANNEL):
            if channel.startswith(prefix):
                pair = self.connector.trading_pair_of(channel[len(prefix):].rpartition("-")[0])
                break
        else:
            return ()
        if pair is None:
            return ()
        if prefix == ORDERS_CHANNEL and event in ORDER_EVENTS:
            return (parse_order_event(pair, str(event), message["data"]),)
        if prefix == TRADES_CHANNEL and event == "trade":
            return (parse_trade_event(pair, message["data"]),)
        return ()
