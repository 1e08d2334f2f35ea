"""Bitrue account objects: REST orders and trades, the stream's order and balance events.

https://github.com/Bitrue-exchange/Spot-official-api-docs#account-endpoints and #order-update. Both
exchange.py (REST answers) and user_stream_data_source.py import these; neither imports the other.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.exchange.bitrue.constants import ORDER_STATES, STREAM_FILL_EVENT, STREAM_ORDER_STATES


def order_id(data: Mapping[str, Any]) -> str:
    """The order id: ``orderIdStr`` where the venue sends it, as the 18-digit ids outgrow a JS number."""
    return str(data.get("orderIdStr") or data["orderId"])


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """GET /api/v1/order, /api/v1/openOrders and /api/v1/allOrders rows: the full order object."""
    millis = data.get("updateTime") or data.get("time")
    return OrderUpdate(trading_pair, millis / 1000 if millis else time.time(), ORDER_STATES[data["status"]],
                       data["clientOrderId"], order_id(data), executed_amount=Decimal(data["executedQty"]))


def parse_ack(trading_pair: str, data: Mapping[str, Any], state: OrderState) -> OrderUpdate:
    """POST and DELETE /api/v1/order answer with ids only, no status: accepted is ``state``."""
    # A cancel answer names the cancel's own id in clientOrderId and the order's in origClientOrderId.
    client_id = data.get("origClientOrderId") or data["clientOrderId"]
    millis = data.get("transactTime")
    return OrderUpdate(trading_pair, millis / 1000 if millis else time.time(), state, client_id, order_id(data))


def parse_trade(trading_pair: str, data: Mapping[str, Any], client_order_id: str) -> TradeUpdate:
    """A row of GET /api/v2/myTrades; ``tradeId`` is the stream's ``t``, so a fill seen twice counts once."""
    price, amount = Decimal(data["price"]), Decimal(data["qty"])
    # The live venue spells the fee asset "commissionAssert" (seen by Hummingbot); the docs "commissionAsset".
    asset = str(data.get("commissionAsset") or data.get("commissionAssert") or "").upper()
    return TradeUpdate(str(data["tradeId"]), trading_pair, price, amount, price * amount,
                       TradeFee.flat(asset, Decimal(data["commission"])), data["time"] / 1000,
                       client_order_id, str(data["orderId"]), is_maker=data.get("isMaker"))


def parse_order_event(trading_pair: str, event: Mapping[str, Any]) -> list[UserMessage]:
    """executionReport: numeric state (X) and event (x); a fill (x 3) carries its last price and amount."""
    # C is the id we sent as newClientOrderId; c is the venue's own.
    client_id = event.get("C") or event["c"]
    exchange_id = str(event["i"])
    timestamp = (event.get("T") or event["E"]) / 1000
    items: list[UserMessage] = [OrderUpdate(trading_pair, timestamp, STREAM_ORDER_STATES[event["X"]], client_id,
                                            exchange_id, executed_amount=Decimal(event["z"]))]
    amount = Decimal(event["l"])
    if event["x"] == STREAM_FILL_EVENT and amount:
        price = Decimal(event["L"])
        fee = TradeFee.flat(str(event["N"]).upper(), Decimal(event["n"])) if event.get("N") else TradeFee()
        items.append(TradeUpdate(str(event["t"]), trading_pair, price, amount, price * amount, fee, timestamp,
                                 client_id, exchange_id))
    return items


def parse_balance_event(event: Mapping[str, Any], known: Callable[[str], Balance | None]) -> list[UserMessage]:
    """BALANCE: F is the free amount, L the locked one, both absolute (f and l are their deltas). An entry
    may carry only one of them; the other is then what ``known`` (the last balance seen) says."""
    balances: list[UserMessage] = []
    for entry in event["B"]:
        asset = str(entry["a"]).upper()
        last = known(asset)
        free = Decimal(entry["F"]) if "F" in entry else (last.available if last else None)
        locked = Decimal(entry["L"]) if "L" in entry else (last.locked if last else Decimal(0))
        if free is not None:
            balances.append(Balance(asset, free + locked, free))
    return balances
