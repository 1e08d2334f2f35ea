"""Template Exchange account objects: orders, fills and balances.

docs/connectors/_template.md. The order, fill and balance objects are the same on REST and on the
private stream, so one parser each serves both: exchange.py and user_stream_data_source.py import
them from here, and neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.exchange._template.constants import ORDER_STATES


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
