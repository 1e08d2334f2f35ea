"""NDAX account objects: orders, fills and balances, as REST answers and account events carry them.

https://apidoc.ndax.io/ (GetOrderStatus, GetTradesHistory, GetAccountPositions, SubscribeAccountEvents).
exchange.py and user_stream_data_source.py both import these; neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.exchange.ndax.constants import ORDER_STATES

# .NET ticks (100 ns since 0001-01-01) at the Unix epoch: OrderTradeEvent's TradeTime is in ticks.
_TICKS_AT_EPOCH = 621_355_968_000_000_000


def number(value: Any) -> Decimal:
    """A venue number (JSON numbers, whose shortest repr is the value meant, or strings) as a Decimal."""
    return Decimal(str(value))


def client_id(data: Mapping[str, Any]) -> str | None:
    """ClientOrderId is a number; 0 means the order was placed without one."""
    value = data.get("ClientOrderId")
    return str(value) if value else None


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """The order object of GetOrderStatus, GetOpenOrders, GetOrdersHistory and OrderStateEvent."""
    state = ORDER_STATES[data["OrderState"]]
    executed = number(data.get("QuantityExecuted", 0))
    if state is OrderState.OPEN and executed > 0:
        state = OrderState.PARTIALLY_FILLED
    reason = (data.get("RejectReason") or data.get("ChangeReason")) if state is OrderState.FAILED else None
    return OrderUpdate(trading_pair, int(data.get("ReceiveTime") or 0) / 1000, state, client_id(data),
                       str(data["OrderId"]), executed_amount=executed, reason=reason)


def parse_fill(trading_pair: str, data: Mapping[str, Any], products: Mapping[int, str]) -> TradeUpdate:
    """A row of GetTradesHistory or an OrderTradeEvent. Only the history carries the fee (Fee, in the
    product FeeProductId) and the time in milliseconds (TradeTimeMS); the event's TradeTime is in ticks."""
    price, size = number(data["Price"]), number(data["Quantity"])
    fee = TradeFee()
    if data.get("Fee") and data.get("FeeProductId") in products:
        fee = TradeFee.flat(products[data["FeeProductId"]], number(data["Fee"]))
    if data.get("TradeTimeMS"):
        timestamp = int(data["TradeTimeMS"]) / 1000
    else:
        timestamp = (int(data["TradeTime"]) - _TICKS_AT_EPOCH) / 10_000_000
    maker = data.get("MakerTaker")
    return TradeUpdate(str(data["TradeId"]), trading_pair, price, size, number(data.get("Value") or price * size),
                       fee, timestamp, client_id(data), str(data["OrderId"]),
                       is_maker=None if maker is None else maker == "Maker")


def parse_balance(data: Mapping[str, Any]) -> Balance:
    """An entry of GetAccountPositions or an AccountPositionEvent: Amount is the total, Hold the part
    locked in orders and withdrawals."""
    amount = number(data["Amount"])
    return Balance(data["ProductSymbol"], amount, amount - number(data["Hold"]))
