"""Derive private stream on /v3/ws: ``public/login`` (answered with the subaccount ids, or an error:
https://docs.derive.xyz/authentication/session-login), then ``{subaccount_id}.orders``, ``.trades`` and
``.balances`` (https://v3.docs.derive.xyz/subscriptions.asyncapi.json), each push an array."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView, UserMessage, UserStreamDataSource
from clobconn.core.data_types import Balance
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal, receive_answer
from clobconn.core.web.json_rpc import rpc_error, subscription_push
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange.derive.auth import DeriveAuth
from clobconn.exchange.derive.constants import WS_PATH
from clobconn.exchange.derive.parsers import parse_order, parse_trade

CHANNELS = ("orders", "trades", "balances")


class DeriveView(ConnectorView, Protocol):  # the core's view, and the subaccount the stream logs in for
    async def subaccount_id(self) -> int: ...


class DeriveUserStreamDataSource(UserStreamDataSource):
    connector: DeriveView

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ids = itertools.count(1)

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{WS_PATH}")

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, DeriveAuth):
            raise MissingCredentials("the Derive private stream needs the wallet address and the session key")
        subaccount = await self.connector.subaccount_id()
        login = auth.ws_login_payload()
        await connection.send(login)
        answer = await receive_answer(connection, lambda message: isinstance(message, Mapping)
                                      and message.get("id") == login["id"])
        error = rpc_error(answer)
        if error is not None or not isinstance(answer.get("result"), list):
            code, message = error or (None, repr(answer))
            raise login_refusal(self.connector.name, self.connector.spec.error_table, code, message)
        await connection.send({"method": "subscribe", "id": f"private-{next(self._ids)}",
                               "params": {"channels": [f"{subaccount}.{channel}" for channel in CHANNELS]}})

    def parse(self, message: Any) -> Iterable[UserMessage]:
        push = subscription_push(message)
        if push is None:
            return ()
        channel, data = push
        kind = channel.rpartition(".")[2]
        rows = data if isinstance(data, list) else [data]
        if kind == "balances":
            return self.parse_balances(rows)
        items: list[UserMessage] = []
        for row in rows:
            pair = self.connector.trading_pair_of(str(row.get("instrument_name")))
            if pair is not None:
                items.append(parse_order(pair, row) if kind == "orders" else parse_trade(pair, row))
        return items if kind in ("orders", "trades") else ()

    def parse_balances(self, rows: list[Any]) -> list[UserMessage]:
        """Collaterals' new amounts (a name with a dash is a position's instrument, ``ETH-PERP``)."""
        return [Balance.from_wallet(row["name"], Decimal(row["new_balance"]), self.connector.balances.get(row["name"]))
                for row in rows if "-" not in str(row.get("name"))]
