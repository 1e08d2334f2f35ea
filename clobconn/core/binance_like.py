"""The REST objects that venues built on Binance's spot API share field for field: the order object
(the answers to place, cancel and query, and the rows of openOrders and allOrders) and a row of
myTrades. Binance spot, Binance USD-M and MEXC read them here, each with its own status table. Also the
envelope of Binance's WebSocket APIs (spot's WS-API, USD-M's ws-fapi): a request's answer echoes its
``id`` beside ``status`` and either ``result`` or ``error`` ({"code", "msg"}).
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import OrderState, OrderUpdate, TradeFee, TradeUpdate


def order_update(trading_pair: str, data: Mapping[str, Any], states: Mapping[str, OrderState],
                 client_order_id: str | None = None) -> OrderUpdate:
    """An order object; ``client_order_id`` stands in where the answer names none."""
    # A cancel answer names the cancel's own id in clientOrderId and the order's in origClientOrderId.
    client_id = data.get("origClientOrderId") or data.get("clientOrderId") or client_order_id
    millis = data.get("transactTime") or data.get("updateTime") or data.get("time")
    return OrderUpdate(trading_pair, millis / 1000 if millis else time.time(), states[data["status"]],
                       client_id, str(data["orderId"]), executed_amount=Decimal(data["executedQty"]))


def trade_update(trading_pair: str, data: Mapping[str, Any], client_order_id: str | None) -> TradeUpdate:
    """A row of myTrades (or Binance USD-M's userTrades, whose maker flag is "maker")."""
    return TradeUpdate(
        str(data["id"]), trading_pair, Decimal(data["price"]), Decimal(data["qty"]), Decimal(data["quoteQty"]),
        TradeFee.flat(data["commissionAsset"], Decimal(data["commission"])), data["time"] / 1000,
        data.get("clientOrderId") or client_order_id, str(data["orderId"]),
        is_maker=data.get("isMaker", data.get("maker")))


def ws_api_answer_id(message: Any) -> Hashable | None:
    """The request a WebSocket-API frame answers (its echoed id); None for an event or an id-less refusal."""
    if isinstance(message, dict) and "status" in message:
        request_id = message.get("id")
        return request_id if isinstance(request_id, int | str) else None
    return None


def ws_api_refusal(message: Any) -> tuple[int, str | int | None, str] | None:
    """(status, code, msg) of a WebSocket-API answer that is not a success (status 200); None otherwise."""
    status = message.get("status")
    if status == 200:
        return None
    error = message.get("error") if isinstance(message.get("error"), dict) else {}
    return (status if isinstance(status, int) else 400), error.get("code"), str(error.get("msg", ""))
