"""HTX private stream on /ws/v2 (uncompressed JSON): an ``auth`` request, then the account topics.

https://www.htx.com/en-us/opend/newApiPages/?id=7ec53ad8-7773-11ed-9966-0242ac110003 (Websocket
Asset and Order): orders#${symbol}, trade.clearing#${symbol}#0 (fills with fees, ``*`` for every
symbol) and accounts.update#2 (the total and the available amount on every change). The venue pings
with {"action": "ping"}; the core answers it (constants.answer_ping).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal, receive_answer
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange.htx.auth import HtxAuth
from clobconn.exchange.htx.constants import HEARTBEAT, LOGIN_ERRORS, PRIVATE_WS_PATH, answer_ping
from clobconn.exchange.htx.parsers import parse_balance_event, parse_clearing, parse_order_event

logger = logging.getLogger(__name__)

# Every symbol's orders and fills (new pairs included), and the balances after every change (mode 2).
TOPICS = ("orders#*", "trade.clearing#*#0", "accounts.update#2")


class HtxUserStreamDataSource(UserStreamDataSource):
    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{PRIVATE_WS_PATH}", heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, HtxAuth):
            raise MissingCredentials("the HTX private stream needs api_key and api_secret")
        # Topics may only be subscribed once the auth request is answered.
        await connection.send(auth.ws_login_payload())
        answer = await receive_answer(connection, lambda message: answer_ping(message) is None, answer_ping)
        if not (isinstance(answer, dict) and answer.get("ch") == "auth" and answer.get("code") == 200):
            code = answer.get("code") if isinstance(answer, dict) else None
            message = str(answer.get("message", "")) if isinstance(answer, dict) else repr(answer)
            raise login_refusal(self.connector.name, LOGIN_ERRORS, code, message)
        for topic in TOPICS:
            await connection.send({"action": "sub", "ch": topic})

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        channel, data = str(message.get("ch", "")), message.get("data")
        if message.get("action") == "sub" and message.get("code") != 200:
            logger.error("%s private stream: subscribing %s refused: %s %s", self.connector.name, channel,
                         message.get("code"), message.get("message"))
            return ()
        if message.get("action") != "push" or not isinstance(data, dict):
            return ()
        if channel.startswith("accounts.update#"):
            return (parse_balance_event(data),) if self._is_spot_account(data) else ()
        pair = self.connector.trading_pair_of(str(data.get("symbol")))
        if pair is None:
            return ()
        if channel.startswith("orders#"):
            return (parse_order_event(pair, data),)
        if channel.startswith("trade.clearing#"):
            return (parse_clearing(pair, data),)
        return ()

    def _is_spot_account(self, data: dict[str, Any]) -> bool:
        """accounts.update names every account of the user (margin, otc...): only the spot one's
        balances are ours. Before the account context is known, the type says it."""
        account = self.connector.account or {}
        if "spot" in account and "accountId" in data:
            return str(data["accountId"]) == account["spot"]
        return data.get("accountType", "trade") in ("trade", "frozen")
