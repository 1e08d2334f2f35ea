"""BTC Markets private stream: the same socket URL, a signed ``subscribe`` to ``orderChange``.

The subscription itself carries ``key``, ``timestamp`` and ``signature``. The venue confirms a
subscription with one ``heartbeat`` and refuses a key with ``{"messageType": "error", "code": 1}``,
so the first frame after it says whether the credentials were accepted. ``fundChange`` reports
deposits and withdrawals without the balance after them: balances come from the REST poll.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.btc_markets.auth import BtcMarketsAuth
from clobconn.exchange.btc_markets.constants import HEARTBEAT, WS_PATH
from clobconn.exchange.btc_markets.parsers import parse_order_change

logger = logging.getLogger(__name__)

PRIVATE_CHANNELS = ["orderChange", "fundChange", "heartbeat"]


class BtcMarketsUserStreamDataSource(UserStreamDataSource):
    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{WS_PATH}", heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, BtcMarketsAuth):
            raise MissingCredentials("the BTC Markets private stream needs api_key and api_secret")
        # Every tradable market, so that an order on any of them is heard of.
        market_ids = [self.connector.exchange_symbol(pair) for pair in self.connector.trading_rules]
        await connection.send({"marketIds": market_ids, "channels": PRIVATE_CHANNELS, "messageType": "subscribe",
                               **auth.ws_subscribe_fields()})
        answer = await connection.receive()
        if isinstance(answer, dict) and answer.get("messageType") == "error":
            # Code 1 refuses the key (the stream stops); the error table says so, and anything else reconnects.
            raise login_refusal(self.connector.name, self.connector.spec.error_table, answer.get("code"),
                                str(answer.get("message", "")))

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        kind = message.get("messageType")
        if kind == "error":
            # A refused subscription leaves the stream silent: reconnect, with the core's backoff.
            logger.error("%s private stream: %s %s", self.connector.name, message.get("code"), message.get("message"))
            return (StreamAction.RECONNECT,)
        if kind != "orderChange":
            return ()
        pair = self.connector.trading_pair_of(str(message.get("marketId")))
        if pair is None:
            return ()
        order = self.connector.orders.find(message.get("clientOrderId") or None, str(message.get("orderId")))
        return parse_order_change(pair, message, order.amount if order is not None else None)
