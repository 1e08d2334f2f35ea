"""Template Exchange private stream: ``/ws/private``, a signed login frame, then three channels.

docs/connectors/_template.md#private-stream. The objects' parsers are in parsers.py, shared with
exchange.py's REST answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange._template.auth import TemplateAuth
from clobconn.exchange._template.constants import HEARTBEAT, PRIVATE_WS_PATH
from clobconn.exchange._template.parsers import parse_balance, parse_fill_event, parse_order

PRIVATE_CHANNELS = ("orders", "fills", "balances")


class TemplateUserStreamDataSource(UserStreamDataSource):
    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{PRIVATE_WS_PATH}", heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, TemplateAuth):
            raise MissingCredentials("the Template Exchange private stream needs api_key and api_secret")
        await connection.send(auth.ws_login_payload())
        # The login's answer says whether the venue refused the key: then the stream stops (no reconnect
        # can mend it), while a refusal for any other reason reconnects. The error table tells them apart.
        answer = await connection.receive()
        if not (isinstance(answer, dict) and answer.get("op") == "login" and answer.get("ok")):
            error = (answer.get("error") if isinstance(answer, dict) else None) or {}
            raise login_refusal(self.connector.name, self.connector.spec.error_table, error.get("code"),
                                str(error.get("message", answer)))
        await connection.send({"op": "subscribe", "channels": list(PRIVATE_CHANNELS)})

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        channel = message.get("channel")
        if channel == "balances":
            return [parse_balance(entry) for entry in message["data"]]
        if channel not in ("orders", "fills"):
            return ()
        data = message["data"]
        pair = self.connector.trading_pair_of(data["symbol"])
        if pair is None:
            return ()
        return [parse_order(pair, data)] if channel == "orders" else parse_fill_event(pair, data)
