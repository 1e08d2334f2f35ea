"""AscendEx private stream: /{accountGroup}/api/pro/v1/stream, an ``auth`` op, then ``order:cash``.

https://ascendex.github.io/ascendex-pro-api/#websocket-authentication (Method 2: the ``auth`` op,
answered {"m": "auth", "code": 0}) and #channel-order-and-balance: subscribing to ``order:cash`` also
brings the ``balance`` messages. The venue greets with a ``connected`` message and pings quiet sockets;
the core answers the pings (constants.answer_ping).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal, receive_answer
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange.ascendex.auth import AscendexAuth
from clobconn.exchange.ascendex.constants import HEARTBEAT, PRIVATE_WS_PATH, answer_ping
from clobconn.exchange.ascendex.parsers import owner_of, parse_balance_event, parse_order_event

logger = logging.getLogger(__name__)


def is_auth_answer(message: Any) -> bool:
    return isinstance(message, dict) and message.get("m") == "auth"


class AscendexUserStreamDataSource(UserStreamDataSource):
    async def connect_spec(self) -> ConnectSpec:
        group = (self.connector.account or {}).get("group")
        if group is None:
            # The account context is fetched at start; until it is, there is no private socket to open.
            raise ConnectionError(f"{self.connector.name}: the account group is not known yet")
        return ConnectSpec(url=f"{self.connector.private_ws_url}{PRIVATE_WS_PATH.format(group=group)}",
                           heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, AscendexAuth):
            raise MissingCredentials("the AscendEx private stream needs api_key and api_secret")
        await connection.send(auth.ws_login_payload())
        # The "connected" greeting and pings may come before the answer.
        answer = await receive_answer(connection, is_auth_answer, answer_ping)
        if answer.get("code") != 0:
            raise login_refusal(self.connector.name, self.connector.spec.error_table, answer.get("code"),
                                str(answer.get("err", "")))
        await connection.send({"op": "sub", "id": "orders", "ch": "order:cash"})

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict) or message.get("ac", "CASH") != "CASH":
            return ()
        kind, data = message.get("m"), message.get("data")
        if kind in ("error", "sub") and message.get("code") not in (0, None):
            logger.error("%s private stream refused a request: %s", self.connector.name, message)
            return ()
        if not isinstance(data, dict):
            return ()
        if kind == "balance":
            return (parse_balance_event(data),)
        if kind != "order":
            return ()
        pair = self.connector.trading_pair_of(str(data.get("s")))
        if pair is None:
            return ()
        return parse_order_event(pair, data, owner_of(self.connector.orders, str(data["orderId"])))
