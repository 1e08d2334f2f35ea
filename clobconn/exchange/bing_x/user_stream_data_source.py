"""BingX spot account stream: a listen key from REST, then ``/market?listenKey=`` on the market host.

https://github.com/BingX-API/BingX-spot-api-doc/blob/1d9d095/WebSocket%20API.md#websocket-account-data
The socket carries nothing until ``spot.executionReport`` and ``ACCOUNT_UPDATE`` are subscribed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.listen_key import ListenKeyUserStreamDataSource
from clobconn.core.web.ws import Compression, WSConnection
from clobconn.exchange.bing_x.constants import (
    HEARTBEAT,
    KEEPALIVE_LISTEN_KEY,
    LISTEN_KEY,
    LISTEN_KEY_KEEPALIVE,
    WS_PATH,
)
from clobconn.exchange.bing_x.parsers import parse_account_update, parse_execution_report

ORDER_CHANNEL = "spot.executionReport"
BALANCE_CHANNEL = "ACCOUNT_UPDATE"


class BingXUserStreamDataSource(ListenKeyUserStreamDataSource):
    create_key = LISTEN_KEY
    keep_key_alive = KEEPALIVE_LISTEN_KEY
    keepalive_interval = LISTEN_KEY_KEEPALIVE
    socket_path = f"{WS_PATH}?listenKey={{key}}"
    heartbeat = HEARTBEAT
    compression = Compression.GZIP
    # The listen-key calls carry the API-key header and no signature; the key travels as a parameter.
    key_calls_signed = False

    async def on_open(self, connection: WSConnection) -> None:
        await connection.send({"id": "orders", "dataType": ORDER_CHANNEL})
        await connection.send({"id": "balances", "dataType": BALANCE_CHANNEL})

    def parse_event(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        # The documented balance push is bare ({"e": "ACCOUNT_UPDATE", ...}); accept it wrapped like the orders too.
        balance_event = message.get("data") if message.get("dataType") == BALANCE_CHANNEL else message
        if isinstance(balance_event, dict) and balance_event.get("e") == BALANCE_CHANNEL:
            return parse_account_update(balance_event, self.connector.balances)
        if message.get("dataType") != ORDER_CHANNEL:
            return ()
        event = message.get("data")
        if not isinstance(event, dict):
            return ()
        pair = self.connector.trading_pair_of(event.get("s", ""))
        return () if pair is None else parse_execution_report(pair, event)
