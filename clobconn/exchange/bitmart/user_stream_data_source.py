"""Bitmart private stream on /user?protocol=1.1: a ``login`` op, then every pair's orders
(``spot/user/orders:ALL_SYMBOLS``) and the balances (``spot/user/balance:BALANCE_UPDATE``).

https://developer-pro.bitmart.com/en/ws/spot_ws/login.html, /en/spot/#private-order-progress and
#private-balance-change. The objects' parsers are in parsers.py, shared with exchange.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal
from clobconn.core.web.ws import Compression, ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.bitmart.auth import BitmartAuth
from clobconn.exchange.bitmart.constants import (
    BALANCE_CHANNEL,
    BALANCE_TOPIC,
    HEARTBEAT,
    ORDER_TABLES,
    ORDER_TOPIC,
    PRIVATE_WS_PATH,
)
from clobconn.exchange.bitmart.parsers import parse_balance_event, parse_order_event

logger = logging.getLogger(__name__)


def _error(message: Mapping[str, Any]) -> tuple[Any, str] | None:
    """The error a frame reports, as (code, message): ``errorCode``/``errorMessage`` (#websocket-subscription;
    the login page says ``error_code``, so that is read too)."""
    code = message.get("errorCode", message.get("error_code"))
    if code is None:
        return None
    return code, str(message.get("errorMessage", message.get("error_message", "")))


class BitmartUserStreamDataSource(UserStreamDataSource):
    # The stream counts as live once the venue acknowledges the order subscription.
    confirms_subscription = True

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{PRIVATE_WS_PATH}", heartbeat=HEARTBEAT,
                           compression=Compression.RAW_DEFLATE)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, BitmartAuth):
            raise MissingCredentials("the Bitmart private stream needs api_key, api_secret and memo")
        # Private channels need the login first, and a failed login closes the socket: wait for its answer.
        await connection.send(auth.ws_login_payload())
        answer = await connection.receive()
        error = _error(answer) if isinstance(answer, dict) else (None, repr(answer))
        if not (isinstance(answer, dict) and answer.get("event") == "login" and error is None):
            code, text = error or (None, repr(answer))
            raise login_refusal(self.connector.name, self.connector.spec.error_table, code, text)
        await connection.send({"op": "subscribe", "args": [ORDER_TOPIC, BALANCE_TOPIC]})

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        if (error := _error(message)) is not None:
            # A refused subscription leaves the stream useless: reconnect, with the core's backoff.
            logger.error("%s private stream: %s %s", self.connector.name, *error)
            return (StreamAction.RECONNECT,)
        if message.get("event") == "subscribe":
            return (StreamAction.SUBSCRIBED,) if message.get("topic") == ORDER_TOPIC else ()
        table = message.get("table")
        if table == BALANCE_CHANNEL:
            return parse_balance_event(message)
        if table not in ORDER_TABLES:
            return ()
        messages: list[UserMessage] = []
        for data in message["data"]:
            pair = self.connector.trading_pair_of(data["symbol"])
            if pair is not None:
                messages += parse_order_event(pair, data)
        return messages
