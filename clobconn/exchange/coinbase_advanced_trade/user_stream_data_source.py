"""Coinbase Advanced Trade private stream: the ``user`` channel on wss://advanced-trade-ws-user.coinbase.com.

https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/user: the subscribe message
carries a JWT (no ``uri`` claim), and product_ids may be left out for every product; a "snapshot" of open
orders comes first, then an "update" whenever one changes. Orders report cumulative amounts only (no
fill, no balance): the core fetches the fills (``VenueSpec.user_stream_fills``) and polls balances. A JWT
the venue does not accept is answered ``{"type": "error", "message": "..."}``.

This socket numbers its messages too (``sequence_num``); a number skipped means an order update may have
been lost, so the stream reconnects, and the core polls the orders as it comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.login import login_refusal
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.coinbase_advanced_trade.auth import CoinbaseAuth
from clobconn.exchange.coinbase_advanced_trade.constants import HEARTBEAT
from clobconn.exchange.coinbase_advanced_trade.parsers import parse_user_order, seconds

logger = logging.getLogger(__name__)


class CoinbaseUserStreamDataSource(UserStreamDataSource):
    _last_sequence: int | None = None
    _first: Any = None

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=self.connector.private_ws_url, heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        assert isinstance(auth, CoinbaseAuth)
        self._last_sequence = None
        await connection.send({"type": "subscribe", "channel": "user", "jwt": auth.jwt()})
        # The first answer says whether the JWT was taken: an error, or the channel's first message.
        answer = await connection.receive()
        if isinstance(answer, dict) and answer.get("type") == "error":
            message = str(answer.get("message", ""))
            code = "UNAUTHENTICATED" if "authentication" in message.lower() else None
            raise login_refusal(self.connector.name, self.connector.spec.error_table, code, message)
        self._check_sequence(answer)
        # Read here, the first message (the open orders' snapshot, often) is parsed with the next one.
        self._first = answer
        await connection.send({"type": "subscribe", "channel": "heartbeats", "jwt": auth.jwt()})

    def _check_sequence(self, message: Any) -> bool:
        """Whether the socket's numbering is intact (true for a frame that carries no number)."""
        number = message.get("sequence_num") if isinstance(message, dict) else None
        if not isinstance(number, int):
            return True
        last, self._last_sequence = self._last_sequence, number
        if last is None or number <= last + 1:
            return True
        logger.warning("%s user stream: %d message(s) missed (sequence %d after %d); reconnecting",
                       self.connector.name, number - last - 1, number, last)
        return False

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not self._check_sequence(message):
            return [StreamAction.RECONNECT]
        first, self._first = self._first, None
        return [*self._orders(first), *self._orders(message)]

    def _orders(self, message: Any) -> list[UserMessage]:
        if not isinstance(message, dict) or message.get("channel") != "user":
            return []
        moment = seconds(message.get("timestamp"))
        items: list[UserMessage] = []
        for event in message.get("events", ()):
            for order in event.get("orders", ()):
                pair = self._pair_of(order)
                if pair is not None:
                    items.append(parse_user_order(pair, order, moment))
        return items

    def _pair_of(self, order: Mapping[str, Any]) -> str | None:
        """The order's own pair where tracked: its client order id settles an alias (BTC-USDC, BTC-USD)."""
        tracked = self.connector.orders.find(order.get("client_order_id") or None, order.get("order_id"))
        if tracked is not None:
            return tracked.trading_pair
        return self.connector.trading_pair_of(str(order.get("product_id")))
