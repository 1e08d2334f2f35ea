"""MEXC account objects, on REST (JSON) and on the private stream (protobuf, decoded to mappings).

https://www.mexc.com/api-docs/spot-v3/spot-account-trade and .../websocket-user-data-streams.
exchange.py and user_stream_data_source.py import them from here, and neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core import binance_like
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.exchange.mexc.constants import ORDER_STATES, STREAM_ORDER_STATES


def order_update(trading_pair: str, data: Mapping[str, Any], client_order_id: str | None = None) -> OrderUpdate:
    """The order object of GET /api/v3/order, openOrders, allOrders, and of the cancels' answers."""
    return binance_like.order_update(trading_pair, data, ORDER_STATES, client_order_id)


def placement_update(trading_pair: str, data: Mapping[str, Any], client_order_id: str) -> OrderUpdate:
    """POST /api/v3/order's answer: the order's ids and time, but no status and no fills."""
    return OrderUpdate(trading_pair, data["transactTime"] / 1000, OrderState.OPEN, client_order_id,
                       str(data["orderId"]))


# A row of GET /api/v3/myTrades: Binance's shape.
trade_update = binance_like.trade_update


def balance(data: Mapping[str, Any]) -> Balance:
    """An entry of GET /api/v3/account "balances"."""
    free = Decimal(data["free"])
    return Balance(data["asset"], free + Decimal(data["locked"]), free)


# The private stream's bodies. 64-bit integers (times) arrive as strings, as protobuf's JSON mapping has them.

def stream_order_update(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """privateOrders: the order's state and cumulative filled quantity after the event."""
    return OrderUpdate(trading_pair, int(data["createTime"]) / 1000, STREAM_ORDER_STATES[int(data["status"])],
                       data.get("clientId") or None, data["id"],
                       executed_amount=Decimal(data["cumulativeQuantity"]))


def stream_trade_update(trading_pair: str, data: Mapping[str, Any]) -> TradeUpdate:
    """privateDeals: one fill of one of our orders."""
    fee = (TradeFee.flat(data["feeCurrency"], Decimal(data["feeAmount"])) if data.get("feeCurrency")
           else TradeFee())
    return TradeUpdate(data["tradeId"], trading_pair, Decimal(data["price"]), Decimal(data["quantity"]),
                       Decimal(data["amount"]), fee, int(data["time"]) / 1000,
                       data.get("clientOrderId") or None, data["orderId"], is_maker=data["isMaker"])


def stream_balance(data: Mapping[str, Any]) -> Balance:
    """privateAccount: the asset's free (balanceAmount) and frozen amounts after the change."""
    free = Decimal(data["balanceAmount"])
    return Balance(data["vcoinName"], free + Decimal(data["frozenAmount"]), free)
