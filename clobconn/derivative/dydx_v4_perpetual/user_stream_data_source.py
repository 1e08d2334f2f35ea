"""dYdX v4 account stream: the indexer's ``v4_subaccounts`` channel for ``{address}/{subaccount number}``.
No login: the indexer is public, the address is the mnemonic's. The subscription is answered ``subscribed``
with the subaccount (equity, free collateral, open positions, USDC) and its open orders, then
``channel_data`` carries orders, fills, positions and asset positions as they change
(websocket-documentation.md, "Subaccounts"). Orders, fills and positions read the same on REST and here,
so their parsers live here for derivative.py too.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol, cast

from clobconn.core.data_source import ConnectorView, UserMessage, UserStreamDataSource
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, Position, PositionSide, TradeFee, TradeUpdate
from clobconn.core.web.numbers import optional_decimal
from clobconn.core.web.times import iso_seconds
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.derivative.dydx_v4_perpetual.constants import (
    HEARTBEAT,
    ORDER_STATES,
    QUOTE_ASSET,
    SUBACCOUNTS_CHANNEL,
)


class DydxConnectorView(ConnectorView, Protocol):
    """What the account stream reads besides the common view: whose subaccount it follows."""

    @property
    def subaccount_id(self) -> str: ...


def parse_order(trading_pair: str, order: Mapping[str, Any]) -> OrderUpdate:
    """An order of GET /orders, /orders/{id} or the channel; ``clientId`` is the id the client chose. The
    channel's orders carry no time: they are news as they arrive. An OPEN order with a ``totalFilled`` is
    partly filled (the indexer has no status of its own for that)."""
    moment, state = order.get("updatedAt"), ORDER_STATES[order["status"]]
    executed = optional_decimal(order.get("totalFilled"))
    if state is OrderState.OPEN and executed:
        state = OrderState.PARTIALLY_FILLED
    return OrderUpdate(trading_pair, iso_seconds(moment) if moment else time.time(), state, str(order["clientId"]),
                       str(order["id"]), executed_amount=executed)


def parse_fill(trading_pair: str, fill: Mapping[str, Any]) -> TradeUpdate:
    """A fill of GET /fills or the channel: ``fee`` in USDC, negative for a maker rebate."""
    price, size = Decimal(fill["price"]), Decimal(fill["size"])
    return TradeUpdate(str(fill["id"]), trading_pair, price, size, price * size,
                       TradeFee.flat(QUOTE_ASSET, Decimal(fill.get("fee") or 0)), iso_seconds(fill["createdAt"]),
                       None, fill.get("orderId"), is_maker=fill.get("liquidity") == "MAKER")


def parse_position(trading_pair: str, position: Mapping[str, Any]) -> Position:
    """A perpetual position: ``side`` says long or short, ``size`` is signed (a short's negative); one
    that is no longer OPEN is flat. The indexer states no leverage: the account is cross-margined."""
    size = abs(Decimal(position["size"])) if position.get("status", "OPEN") == "OPEN" else Decimal(0)
    amount = -size if position["side"] == "SHORT" else size
    return Position(trading_pair, PositionSide.BOTH, amount, Decimal(position["entryPrice"]),
                    Decimal(position.get("unrealizedPnl") or 0), Decimal(0))


def parse_balance(subaccount: Mapping[str, Any]) -> Balance:
    """A subaccount: its equity as the total, its free collateral as what is available, in USDC."""
    return Balance(QUOTE_ASSET, Decimal(subaccount["equity"]), Decimal(subaccount["freeCollateral"]))


def parse_account_contents(view: ConnectorView, contents: Mapping[str, Any]) -> list[UserMessage]:
    """Orders before fills: an order's update names its indexer id, which its fills refer to."""
    messages: list[UserMessage] = []
    subaccount = contents.get("subaccount")
    if isinstance(subaccount, Mapping):
        messages.append(parse_balance(subaccount))
        contents = {"orders": contents.get("orders") or [],
                    "perpetualPositions": list((subaccount.get("openPerpetualPositions") or {}).values())}
    for key, parse in (("orders", parse_order), ("fills", parse_fill), ("perpetualPositions", parse_position)):
        for row in contents.get(key) or ():
            pair = view.trading_pair_of(str(row.get("ticker") or row.get("market")))
            if pair is not None:
                messages.append(cast(UserMessage, parse(pair, row)))
    return messages


class DydxV4PerpetualUserStreamDataSource(UserStreamDataSource):
    confirms_subscription = True

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=self.connector.private_ws_url, heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        subaccount = cast(DydxConnectorView, self.connector).subaccount_id
        await connection.send({"type": "subscribe", "channel": SUBACCOUNTS_CHANNEL, "id": subaccount})

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict) or message.get("channel") != SUBACCOUNTS_CHANNEL:
            if isinstance(message, dict) and message.get("type") == "error":
                return (StreamAction.RECONNECT,)
            return ()
        contents = message.get("contents") or {}
        messages = parse_account_contents(self.connector, contents)
        return (StreamAction.SUBSCRIBED, *messages) if message.get("type") == "subscribed" else messages
