"""Gate.io spot private stream: ``spot.orders``, ``spot.usertrades`` and ``spot.balances``, each
subscription signed on its own (there is no login frame).

https://www.gate.com/docs/developers/apiv4/ws/en/#authentication
The futures stream subclasses this one with its own channels and parsers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeUpdate
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal
from clobconn.core.web.auth import AuthBase
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.gate_io.auth import GateIoAuth
from clobconn.exchange.gate_io.constants import HEARTBEAT, WS_PATH
from clobconn.exchange.gate_io.parsers import dec, parse_order, parse_trade

logger = logging.getLogger(__name__)
_ZERO = Decimal(0)


def gate_auth(auth: AuthBase | None) -> GateIoAuth:
    if not isinstance(auth, GateIoAuth):
        raise MissingCredentials("the Gate.io private stream needs api_key and api_secret")
    return auth


class GateIoUserStreamDataSource(UserStreamDataSource):
    # Nothing flows until the venue accepts the signed subscriptions: on_open waits for the first, the
    # orders channel's, so an open stream is a live one.
    market: ClassVar[str] = "spot"

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{self.connector.domain_urls.extra[WS_PATH]}",
                           heartbeat=HEARTBEAT)

    async def subscriptions(self) -> list[tuple[str, Any]]:
        """(channel, payload) of every private subscription; ``!all`` covers every pair."""
        return [("spot.orders", ["!all"]), ("spot.usertrades", ["!all"]), ("spot.balances", None)]

    async def on_open(self, connection: WSConnection) -> None:
        auth = gate_auth(self.connector.auth)
        (channel, payload), *others = await self.subscriptions()
        await connection.send(auth.ws_request(channel, "subscribe", payload))
        # Every private subscription carries the signature: the first one's answer says whether the key is
        # accepted, before the others are sent.
        self._check_answer(await connection.receive())
        for channel, payload in others:
            await connection.send(auth.ws_request(channel, "subscribe", payload))

    def _check_answer(self, answer: Any) -> None:
        """A refused subscription: the error table says whether its code (4, "authentication fail")
        refuses the key (the stream stops) or something a reconnect may mend."""
        error = answer.get("error") if isinstance(answer, dict) else None
        if error:
            code = error.get("code") if isinstance(error, dict) else None
            message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
            raise login_refusal(self.connector.name, self.connector.spec.error_table, code, message)

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        channel, event = message.get("channel"), message.get("event")
        if message.get("error"):
            # A refused subscription (code 4: authentication failed) would leave the stream silent.
            logger.error("%s: %s %s refused: %s", self.connector.name, channel, event, message["error"])
            return (StreamAction.RECONNECT,)
        if event == "subscribe":
            return ()
        result = message.get("result")
        if event != "update" or not isinstance(result, list):
            return ()
        return [item for entry in result for item in self.handle(str(channel), entry)]

    def handle(self, channel: str, entry: Mapping[str, Any]) -> list[UserMessage]:
        """One entry of an ``update``'s result list."""
        if channel == "spot.balances":
            # Absolute ``total`` and ``available`` after the change.
            return [Balance(entry["currency"], dec(entry["total"]), dec(entry["available"]))]
        pair = self.connector.trading_pair_of(entry.get("currency_pair", ""))
        if pair is not None and channel == "spot.orders":
            return [parse_order(pair, entry)]
        if pair is not None and channel == "spot.usertrades":
            return self.with_fill_state(parse_trade(pair, entry))
        return []

    def with_fill_state(self, fill: TradeUpdate) -> list[UserMessage]:
        """A fill says its order has traded. The order and trade channels arrive in either order, so the
        fill carries that state itself: a partial fill is seen as one whichever comes first."""
        order = self.connector.orders.find(fill.client_order_id, fill.exchange_order_id)
        if order is None or order.is_done or order.state is OrderState.PARTIALLY_FILLED:
            return [fill]
        return [OrderUpdate(fill.trading_pair, fill.fill_timestamp, OrderState.PARTIALLY_FILLED,
                            order.client_order_id, fill.exchange_order_id), fill]
