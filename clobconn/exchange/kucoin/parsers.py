"""KuCoin order changes: spot ``/spotMarket/tradeOrdersV2`` and futures ``/contractMarket/tradeOrders``,
the same shape on both, as order updates. The spot and futures user streams import them from here.
https://www.kucoin.com/docs-new/3470354
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView
from clobconn.core.data_types import OrderState, OrderUpdate


class KucoinConnectorView(ConnectorView, Protocol):
    """What KuCoin's user streams ask of their connector besides the common view."""

    def client_id_for(self, client_oid: str | None, exchange_id: str) -> str | None:
        """The tracked client id of an exchange order id (an amend keeps KuCoin's clientOid)."""

    def fetch_fills_soon(self, update: OrderUpdate) -> None:
        """Fetch the order's fills from REST (match events carry no fee)."""


# "type" of an order change: what happened to the order.
EVENT_STATES = {"received": OrderState.OPEN, "open": OrderState.OPEN, "update": OrderState.OPEN,
                "match": OrderState.PARTIALLY_FILLED, "filled": OrderState.FILLED, "canceled": OrderState.CANCELED}


def order_event(connector: KucoinConnectorView, trading_pair: str, data: Mapping[str, Any], filled: Decimal,
                remaining: Decimal) -> OrderUpdate:
    """An order change (spot tradeOrdersV2, futures tradeOrders) as an update, in base amounts."""
    state = EVENT_STATES[data["type"]]
    if state is OrderState.OPEN and filled:
        state = OrderState.PARTIALLY_FILLED
    elif state is OrderState.PARTIALLY_FILLED and not remaining:
        # The last match of an order: the "filled" event follows, but the order is done now.
        state = OrderState.FILLED
    exchange_id = str(data["orderId"])
    return OrderUpdate(trading_pair, int(data["ts"]) / 1e9, state,
                       connector.client_id_for(data.get("clientOid"), exchange_id), exchange_id,
                       executed_amount=filled)
