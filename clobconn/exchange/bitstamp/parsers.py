"""Bitstamp account objects: orders, fills and balances, on REST and on the private channels.

REST: https://www.bitstamp.net/api/#tag/Orders (buy/sell answers, order_status with its
transactions, open_orders), https://www.bitstamp.net/api/#tag/Account-balances. Stream:
https://www.bitstamp.net/websocket/v2/ (private-my_orders: order_created/changed/deleted;
private-my_trades: trade). exchange.py and user_stream_data_source.py both import from here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.exchange.bitstamp.constants import ORDER_STATES

# order_status transactions: "type" 2 is a market trade (0 deposit, 1 withdrawal).
MARKET_TRADE = 2


def _seconds(data: Mapping[str, Any]) -> float:
    """The venue's time of an object: ``microtimestamp`` (µs) on the stream, ``datetime`` (UTC) on REST."""
    if data.get("microtimestamp"):
        return int(data["microtimestamp"]) / 1e6
    if data.get("datetime"):
        return datetime.fromisoformat(str(data["datetime"])).replace(tzinfo=UTC).timestamp()
    return time.time()


def parse_order(trading_pair: str, data: Mapping[str, Any], client_order_id: str | None = None) -> OrderUpdate:
    """The answer of POST buy/sell (no status: it rests), order_status and an open_orders row.

    order_status lists the order's trades under ``transactions``, each with the base amount under the
    base currency's lower-case name: their sum is what the order has executed.
    """
    base = trading_pair.split("-", maxsplit=1)[0].lower()
    trades = [t for t in data.get("transactions") or () if int(t.get("type", MARKET_TRADE)) == MARKET_TRADE]
    executed = sum((Decimal(str(t[base])) for t in trades), Decimal(0))
    state = ORDER_STATES[data["status"]] if "status" in data else OrderState.OPEN
    if state is OrderState.OPEN and executed > 0:
        state = OrderState.PARTIALLY_FILLED
    return OrderUpdate(trading_pair, _seconds(data), state, data.get("client_order_id") or client_order_id,
                       str(data["id"]), executed_amount=executed if "transactions" in data else None)


def parse_transactions(trading_pair: str, data: Mapping[str, Any], client_order_id: str) -> list[TradeUpdate]:
    """The fills of an order_status answer; fees are charged in the quote currency."""
    base, quote = (asset.lower() for asset in trading_pair.split("-"))
    fills = []
    for row in data.get("transactions") or ():
        if int(row.get("type", MARKET_TRADE)) != MARKET_TRADE:
            continue
        price, amount = Decimal(str(row["price"])), Decimal(str(row[base]))
        fills.append(TradeUpdate(str(row["tid"]), trading_pair, price, amount, Decimal(str(row[quote])),
                                 TradeFee.flat(trading_pair.split("-")[1], Decimal(str(row["fee"]))),
                                 _seconds(row), client_order_id, str(data["id"])))
    return fills


def exact(data: Mapping[str, Any], key: str) -> Decimal:
    """A stream value: the venue sends numbers as JSON floats and, beside them, ``<key>_str`` exactly."""
    return Decimal(str(data.get(f"{key}_str", data[key])))


def parse_order_event(trading_pair: str, event: str, data: Mapping[str, Any]) -> OrderUpdate:
    """private-my_orders: ``amount`` is what remains, ``amount_at_create`` the order's size. An order
    leaves the book by ``order_deleted``: filled when nothing remains, else cancelled."""
    remaining, size = exact(data, "amount"), exact(data, "amount_at_create")
    executed = size - remaining
    if event == "order_deleted":
        state = OrderState.FILLED if remaining == 0 else OrderState.CANCELED
    else:
        state = OrderState.PARTIALLY_FILLED if executed > 0 else OrderState.OPEN
    return OrderUpdate(trading_pair, _seconds(data), state, data.get("client_order_id") or None,
                       str(data["id"]), executed_amount=executed)


def parse_trade_event(trading_pair: str, data: Mapping[str, Any]) -> TradeUpdate:
    """private-my_trades ``trade``: one fill of one of our orders, its fee in the quote currency."""
    price, amount = Decimal(str(data["price"])), Decimal(str(data["amount"]))
    return TradeUpdate(str(data["id"]), trading_pair, price, amount, price * amount,
                       TradeFee.flat(trading_pair.split("-")[1], Decimal(str(data["fee"]))), _seconds(data),
                       data.get("client_order_id") or None, str(data["order_id"]))


def parse_balance(data: Mapping[str, Any]) -> Balance:
    """A row of POST /api/v2/account_balances/: ``total``, ``available`` (and ``reserved``)."""
    return Balance(str(data["currency"]).upper(), Decimal(str(data["total"])), Decimal(str(data["available"])))
