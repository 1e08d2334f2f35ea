"""Dexalot trader events: ``tradereventsubscribe`` on /api/ws with the wallet's signature of ``dexalot``, then
orderStatusUpdateEvent, executionEvent and transactionEvent for that address.
https://docs.dexalot.com/en/apiv2/Websocket.html. Amounts here are decimal strings, not EVM units.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.web.ws import ConnectSpec, Heartbeat, WSConnection
from clobconn.exchange.dexalot.auth import DexalotAuth
from clobconn.exchange.dexalot.constants import HEARTBEAT, WS_PATH
from clobconn.exchange.dexalot.parsers import DexalotView, stream_balance, stream_fills, stream_order

# A quiet account sends nothing for hours: only a long silence (pings going unanswered show first) reconnects.
USER_HEARTBEAT = Heartbeat(protocol_ping=HEARTBEAT.protocol_ping, idle_timeout=3600.0)


class DexalotUserStreamDataSource(UserStreamDataSource):
    @property
    def auth(self) -> DexalotAuth:
        auth = self.connector.auth
        if not isinstance(auth, DexalotAuth):
            raise MissingCredentials("the Dexalot trader events need the wallet's private key")
        return auth

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{WS_PATH}", heartbeat=USER_HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        # The venue answers nothing to the subscription: the events simply start to come.
        await connection.send(self.auth.ws_login_payload())

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict) or not isinstance(message.get("data"), dict):
            return ()
        kind, data = message.get("type"), message["data"]
        if kind == "transactionEvent":
            return (stream_balance(data),) if data.get("symbol") else ()
        market = cast(DexalotView, self.connector).markets.get(
            self.connector.trading_pair_of(str(data.get("pair"))) or "")
        if market is None:
            return ()
        if kind == "orderStatusUpdateEvent":
            return (stream_order(market, data),)
        if kind == "executionEvent":
            return stream_fills(market, self.auth.address, data)
        return ()
