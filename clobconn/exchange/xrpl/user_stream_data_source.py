"""The account stream: ``subscribe`` with ``accounts`` on the node's WebSocket, validated transactions only.

docs.xrpl.org/docs/references/http-websocket-apis/public-api-methods/subscription-methods/subscribe#transaction-streams.
Nothing to log in to: the stream is public, and the account is the seed's address. A transaction counts
only once ``validated`` is true (an ``accounts_proposed`` stream would send unvalidated ones; we never
ask for it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.data_types import InFlightOrder
from clobconn.core.errors import MissingCredentials
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.core.xrpl.signing import XrplWallet
from clobconn.exchange.xrpl.order_book_data_source import HEARTBEAT
from clobconn.exchange.xrpl.parsers import account_events, line_balances

logger = logging.getLogger(__name__)


class XrplUserStreamDataSource(UserStreamDataSource):
    @property
    def address(self) -> str:
        auth = self.connector.auth
        if not isinstance(auth, XrplWallet):
            raise MissingCredentials("the xrpl account stream needs the account's seed")
        return auth.address

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=self.connector.private_ws_url, heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        await connection.send({"id": "account", "command": "subscribe", "accounts": [self.address]})

    def _order(self, sequence: str) -> InFlightOrder | None:
        return self.connector.orders.find(exchange_order_id=sequence)

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not (isinstance(message, dict) and message.get("type") == "transaction" and message.get("validated")):
            return ()
        try:
            return [*account_events(message, self.address, self._order), *line_balances(message, self.address)]
        except (ValueError, ArithmeticError) as exc:
            # An amount no ledger writes (not finite, negative): refused whole, as a bad value, not read.
            logger.warning("%s: account transaction %s refused: %s", self.connector.name, message.get("hash"), exc)
            return ()
