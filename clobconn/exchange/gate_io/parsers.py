"""Gate.io spot account objects: orders and trades.

An order (the answer to place, cancel, amend and query, and an entry of ``spot.orders``) and a trade
(``spot.usertrades`` and the fills query) have one shape on REST and on the stream, so one parser
each serves both; the futures connector reuses the helpers.
https://www.gate.com/docs/developers/apiv4/en/#spot
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import OrderState, OrderUpdate, TokenAmount, TradeFee, TradeUpdate
from clobconn.exchange.gate_io.order_book_data_source import to_seconds

_ZERO = Decimal(0)


def dec(value: Any) -> Decimal:
    """A venue number as Decimal; the WS API sends some as JSON numbers, str() keeps their digits."""
    return Decimal(str(value)) if value not in (None, "") else _ZERO


def client_order_id(data: Mapping[str, Any]) -> str:
    """An order's ``text``: the client order id (``t-…``) of orders this connector placed; an amend keeps it."""
    return str(data.get("text", ""))


def update_time(data: Mapping[str, Any]) -> float:
    for key in ("update_time_ms", "finish_time_ms", "create_time_ms", "update_time", "create_time"):
        if data.get(key):
            return to_seconds(data[key])
    return time.time()


def order_state(finished: bool, left: Decimal, filled: Decimal, finish_as: Any) -> OrderState:
    """Gate states an order as open or finished; how it finished is in ``left`` and ``finish_as``."""
    if finish_as == "poc":
        return OrderState.FAILED  # a post-only order that would have taken: it never rested
    if finished:
        return OrderState.FILLED if left == 0 else OrderState.CANCELED
    return OrderState.PARTIALLY_FILLED if filled > 0 else OrderState.OPEN


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """A spot order: the answer to place, cancel, amend and query, and an entry of ``spot.orders``."""
    finished = data.get("status") in ("closed", "cancelled") or data.get("event") == "finish"
    filled = dec(data.get("filled_amount"))
    state = order_state(finished, dec(data.get("left")), filled, data.get("finish_as"))
    return OrderUpdate(trading_pair, update_time(data), state, client_order_id(data),
                       str(data["id"]), executed_amount=filled if "filled_amount" in data else None,
                       reason=str(data.get("finish_as")) if state is OrderState.FAILED else None)


def trade_fee(data: Mapping[str, Any], fee_asset: str) -> TradeFee:
    """The fee in its currency, plus any part paid in GT or in points."""
    fees = [(fee_asset, dec(data.get("fee"))), ("GT", dec(data.get("gt_fee"))), ("POINT", dec(data.get("point_fee")))]
    return TradeFee(flat_fees=tuple(TokenAmount(asset, amount) for asset, amount in fees if amount))


def parse_trade(trading_pair: str, data: Mapping[str, Any]) -> TradeUpdate:
    """A row of GET /spot/my_trades and an entry of ``spot.usertrades``."""
    price, amount = dec(data["price"]), dec(data["amount"])
    return TradeUpdate(str(data["id"]), trading_pair, price, amount, price * amount,
                       trade_fee(data, str(data.get("fee_currency", ""))),
                       to_seconds(data.get("create_time_ms") or data["create_time"]),
                       client_order_id(data), str(data["order_id"]),
                       is_maker=data.get("role") == "maker")
