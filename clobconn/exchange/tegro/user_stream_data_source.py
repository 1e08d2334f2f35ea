"""Tegro private events: the event socket ``/ws``, subscribed with the wallet's address as channel.

https://tegro.readme.io/reference/websocket-connection: the channel is public (no login; anyone may
follow a wallet), and carries ``order_placed``, ``order_submitted``, ``order_trade_processed`` and
the trade events. An order event names the order's filled amount but not the fills, which the core
fetches over REST (``VenueSpec.user_stream_fills`` is False); balances come from the portfolio poll.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange.tegro.auth import TegroAuth
from clobconn.exchange.tegro.constants import HEARTBEAT, WS_PATH
from clobconn.exchange.tegro.order_book_data_source import TegroConnectorView
from clobconn.exchange.tegro.parsers import parse_order

ORDER_EVENTS = ("order_placed", "order_submitted", "order_trade_processed", "order_submitted_onchain")


class TegroUserStreamDataSource(UserStreamDataSource):
    connector: TegroConnectorView

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{WS_PATH}", heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, TegroAuth):
            raise MissingCredentials("the Tegro event channel is the wallet's address: set private_key")
        await connection.send({"action": "subscribe", "channelId": auth.address})

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict) or message.get("action") not in ORDER_EVENTS:
            return ()
        data = message.get("data")
        # An event names one order, or several in a list.
        rows = data if isinstance(data, list) else [data]
        updates: list[UserMessage] = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            order = self.connector.orders.find(exchange_order_id=str(row.get("orderId", row.get("order_id"))))
            pair = order.trading_pair if order is not None else self._pair_of(row)
            if pair is not None:
                updates.append(parse_order(pair, row, self.connector.client_id_of))
        return updates

    def _pair_of(self, row: dict[str, Any]) -> str | None:
        base, quote = row.get("baseCurrency"), row.get("quoteCurrency")
        return self.connector.trading_pair_of(f"{base}_{quote}") if base and quote else None
