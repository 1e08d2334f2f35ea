"""Template Exchange private stream: ``/ws/private``, a signed login frame, then three channels.

docs/connectors/_template.md#private-stream. The order and fill objects are the same on REST and
on the stream, so their parsers live here and exchange.py imports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange._template.auth import TemplateAuth
from clobconn.exchange._template.constants import HEARTBEAT, ORDER_STATES, PRIVATE_WS_PATH

PRIVATE_CHANNELS = ("orders", "fills", "balances")


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """The order object: POST /v1/orders, /v1/orders/cancel, /v1/orders/cancel-all, GET /v1/order, "orders"."""
    state = ORDER_STATES[data["status"]]
    return OrderUpdate(trading_pair, data["updated_at"] / 1000, state, data["client_id"], data["order_id"],
                       executed_amount=Decimal(data["filled"]),
                       reason=data.get("reason") if state is OrderState.FAILED else None)


def parse_fill(trading_pair: str, data: Mapping[str, Any]) -> TradeUpdate:
    """The fill object: rows of GET /v1/fills and the "fills" channel. The venue sends no quote amount."""
    price, size = Decimal(data["price"]), Decimal(data["size"])
    return TradeUpdate(data["trade_id"], trading_pair, price, size, price * size,
                       TradeFee.flat(data["fee_asset"], Decimal(data["fee"])), data["ts"] / 1000,
                       data["client_id"], data["order_id"], is_maker=data["liquidity"] == "maker")


def parse_fill_event(trading_pair: str, data: Mapping[str, Any]) -> list[UserMessage]:
    """"fills" channel: a fill plus the order's status after it, so a partial fill is seen as one."""
    update = OrderUpdate(trading_pair, data["ts"] / 1000, ORDER_STATES[data["order_status"]], data["client_id"],
                         data["order_id"], executed_amount=Decimal(data["order_filled"]))
    # The state first: a FILLED order then completes as soon as its last fill lands.
    return [update, parse_fill(trading_pair, data)]


def parse_balance(data: Mapping[str, Any]) -> Balance:
    """An entry of GET /v1/balances and of the "balances" channel: absolute amounts, not deltas."""
    return Balance(data["asset"], Decimal(data["total"]), Decimal(data["available"]))


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
